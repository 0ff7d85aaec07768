"""MkDocs hooks: per-page cache keys, figure files, a self-contained MathJax.

- mkdocs-jupyter caches executed notebooks by the notebook file alone. The
  pages run the package, so each page's cache folder is keyed by a digest of
  the package modules its code imports (transitively), the package's data
  files and what the kernels run first (`site_build.page_cache`): editing
  `gradcam.py` re-executes only the pages that import it. Set
  MODERN_CONVNETS_DOCS_CACHE=0 to execute everything regardless.
- Figures leave the HTML for WebP files beside their page
  (`site_build.figure_files`): a page of grids weighs its images, not a
  third more as base64. The stylesheet that nbconvert repeats in every
  notebook page becomes one shared file (`site_build.shared_styles`).
- TensorFlow's C++ start-up messages (CUDA probing, oneDNN notices) are written
  straight to file descriptor 2, which ipykernel would copy into the first cell
  that imports TensorFlow. The kernels get an IPython profile that leaves
  descriptor-level output in the build log instead; Python warnings and
  `print(..., file=sys.stderr)` still appear on the page.
- Figures: the kernels run `docs_kernel.py` first, which gives them the
  guide's matplotlib style and shows every Figure as an HTML `<figure>` with
  alternative text and a caption.
- The site must work offline, so MathJax is copied from the installed
  `jupyter-server-mathjax` package into `assets/mathjax/`, and the CDN script
  tags that nbconvert puts into every notebook page are removed.
- The lab page (`docs/lab/`) runs the trained models in the browser. The
  build exports them for TensorFlow.js with the package
  (`modern_convnets.lab.export_lab`) and copies TensorFlow.js, as `npm ci`
  installed it from `lab/package-lock.json` (pinned, integrity-checked), with
  its licence into `lab/vendor/`. No third-party bundle is kept in the
  repository.
- Cells tagged `copy` are plain Keras that readers paste into a fresh
  session. They load the trained models from the working folder, the photos
  from `MODERN_CONVNETS_DATA` and, offline, the ImageNet weights from
  `MODERN_CONVNETS_XCEPTION_WEIGHTS`. The kernels run in a scratch folder
  holding the model files (the site offers them under `models/`), with both
  variables set from what this package finds. Each such cell gets a visible
  "Copy this" label. Cells tagged `collapse` (bookkeeping such as figure
  layout) fold their code into a "Show the code" toggle.
"""

from __future__ import annotations

import importlib.resources
import logging
import os
import re
import shutil
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

from site_build.figure_files import FigureFiles
from site_build.page_cache import PackageDependencies, notebook_code
from site_build.shared_styles import SharedStyles

log = logging.getLogger("mkdocs.hooks.modern_convnets")

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "src" / "modern_convnets"
# nbconvert's per-notebook MathJax loader and configuration, and its loader of
# mermaid.js (from a CDN, for diagrams these pages do not use).
NOTEBOOK_SCRIPTS = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->"
    r'|<script type="module">\s*document\.addEventListener\("DOMContentLoaded", '
    r'async \(\) => \{\s*const diagrams = document\.querySelectorAll\("\.jp-Mermaid'
    r".*?</script>",
    re.DOTALL,
)


# What every kernel runs first (the figure style, captioned figures).
KERNEL_STARTUP = ROOT / "docs_kernel.py"
# What the lab serves of TensorFlow.js: source in lab/node_modules, name on the site.
LAB_PACKAGES = ROOT / "lab" / "node_modules" / "@tensorflow"
LAB_VENDOR = {
    "tfjs/dist/tf.min.js": "tf.min.js",
    "tfjs-backend-wasm/dist/tf-backend-wasm.min.js": "tf-backend-wasm.min.js",
    "tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm": "tfjs-backend-wasm.wasm",
    "tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm": "tfjs-backend-wasm-simd.wasm",
}
LAB_LICENSE = ROOT / "lab" / "LICENSE-tensorflowjs.txt"
# The trained models that the pages' plain-Keras cells load by file name.
MODEL_FILES = sorted((SOURCE / "trained").glob("*.keras"))
# Where the kernels run: a scratch folder holding those files.
PAGE_FOLDER = ROOT / ".cache" / "page-folder"
# Encoded figures, kept between builds by the digest of their PNG.
FIGURES = FigureFiles(ROOT / ".cache" / "figure-files")
# Executed notebooks, one folder per key (mkdocs-jupyter's default place).
NOTEBOOK_CACHE = ROOT / ".cache" / "mkdocs-jupyter"
# nbconvert's stylesheet, written once for every notebook page.
STYLES = SharedStyles()
# The kernels' IPython profile: its files are part of every page's cache key.
IPYTHON_DIR = ROOT / ".cache" / "ipython"


def _tagged_cell(tag: str) -> str:
    """A pattern for the opening of a code cell with `tag`, up to its input."""
    return (
        rf'(<div[^>]*class="jp-Cell jp-CodeCell[^"]*celltag_{tag}[^"]*"[^>]*>\s*)'
        r'(?=<div class="jp-Cell-inputWrapper")'
    )


COPY_CELL = re.compile(_tagged_cell("copy"))
# Cells tagged `collapse` (bookkeeping: table layout, figure layout) show
# their output, with their code folded away behind a "Show the code" toggle.
COLLAPSE_CELL = re.compile(
    _tagged_cell("collapse")
    + r'(<div class="jp-Cell-inputWrapper"[^>]*>(?:(?!jp-Cell jp-).)*?)'
    r'(<div class="jp-Cell-outputWrapper")',
    re.DOTALL,
)
COPY_LABEL = (
    '<p class="mc-copy-label"><strong>Copy this</strong>: plain Keras, '
    "runs as pasted after the copy cells above it</p>"
)


def use_kernel_profile() -> None:
    """Point the notebook kernels at a profile that keeps C++ logs off the pages."""
    config = IPYTHON_DIR / "profile_default" / "ipython_kernel_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("c.IPKernelApp.capture_fd_output = False\n")
    startup = config.parent / "startup" / "00-figures.py"
    startup.parent.mkdir(exist_ok=True)
    startup.write_text(KERNEL_STARTUP.read_text())
    os.environ["IPYTHONDIR"] = str(IPYTHON_DIR)


def prepare_page_folder() -> None:
    """Give the kernels the files and variables a reader of the pages has."""
    from modern_convnets.data import find_dataset
    from modern_convnets.pretrained import find_xception_weights

    shutil.rmtree(PAGE_FOLDER, ignore_errors=True)
    PAGE_FOLDER.mkdir(parents=True)
    for path in MODEL_FILES:
        shutil.copyfile(path, PAGE_FOLDER / path.name)
    os.environ["MODERN_CONVNETS_PAGE_FOLDER"] = str(PAGE_FOLDER)
    # The plain cells read the folder that holds cats_and_dogs_filtered/.
    os.environ["MODERN_CONVNETS_DATA"] = str(find_dataset().parent)
    weights = find_xception_weights(download=False).path
    os.environ["MODERN_CONVNETS_XCEPTION_WEIGHTS"] = str(weights)


class PageCache:
    """Points mkdocs-jupyter's cache at a folder keyed by each page's inputs."""

    def __init__(self, plugin_config) -> None:
        self.plugin_config = plugin_config
        self.base = NOTEBOOK_CACHE
        self.dependencies = PackageDependencies(SOURCE)
        self.kernel_files = sorted(p for p in IPYTHON_DIR.rglob("*") if p.is_file())
        self.used: set[Path] = set()

    def select(self, notebook: Path) -> None:
        """Key the next page's cache entry by what `notebook`'s code reaches."""
        code = [notebook_code(notebook), KERNEL_STARTUP.read_text()]
        keyed = self.base / self.dependencies.digest(code, self.kernel_files)
        self.plugin_config["cache_dir"] = str(keyed)
        self.used.add(keyed)

    def prune(self) -> None:
        """Remove cache folders that no page of this build used."""
        if self.base.is_dir():
            for stale in self.base.iterdir():
                if stale not in self.used:
                    shutil.rmtree(stale) if stale.is_dir() else stale.unlink()


CACHE: PageCache | None = None


def build_lab(site_dir: Path) -> None:
    """Put the lab's models, sample photos and TensorFlow.js into the site."""
    from modern_convnets.lab import export_lab

    missing = [s for s in LAB_VENDOR if not (LAB_PACKAGES / s).is_file()]
    if missing:
        raise FileNotFoundError(
            f"TensorFlow.js is not installed for the lab ({LAB_PACKAGES / missing[0]} "
            "is missing): run `npm ci --prefix lab` (the nox sessions do)"
        )
    lab = site_dir / "lab"
    vendor = lab / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    for source, name in LAB_VENDOR.items():
        shutil.copyfile(LAB_PACKAGES / source, vendor / name)
    shutil.copyfile(LAB_LICENSE, vendor / "LICENSE.txt")
    export_lab(lab)


def on_config(config):
    global CACHE
    use_kernel_profile()
    prepare_page_folder()
    plugin = config.plugins["mkdocs-jupyter"]
    if os.environ.get("MODERN_CONVNETS_DOCS_CACHE", "1") == "0":
        plugin.config["cache"] = False
        log.info("Executing every notebook (MODERN_CONVNETS_DOCS_CACHE=0)")
        CACHE = None
    else:
        CACHE = PageCache(plugin.config)
    return config


# Before mkdocs-jupyter's own on_pre_page, which reads the cache folder.
@event_priority(50)
def on_pre_page(page, config, files):
    if CACHE is not None and page.file.src_uri.endswith((".py", ".ipynb")):
        CACHE.select(Path(page.file.abs_src_path))
    return page


def on_post_page(output, page, config):
    output = NOTEBOOK_SCRIPTS.sub("", output)
    output = FIGURES.extract(output, Path(page.file.abs_dest_path).parent)
    root = get_relative_url(".", page.url)
    output = STYLES.extract(output, root.rstrip("/") + "/" if root != "." else "")
    output = COLLAPSE_CELL.sub(
        lambda m: (
            m.group(1)
            + '<details class="mc-collapse"><summary>Show the code</summary>'
            + m.group(2)
            + "</details>"
            + m.group(3)
        ),
        output,
    )
    return COPY_CELL.sub(lambda match: match.group(1) + COPY_LABEL, output)


def on_post_build(config):
    if CACHE is not None:
        CACHE.prune()
    FIGURES.prune()
    STYLES.write(Path(config["site_dir"]))
    static = importlib.resources.files("jupyter_server_mathjax") / "static"
    target = Path(config["site_dir"]) / "assets" / "mathjax"
    shutil.rmtree(target, ignore_errors=True)
    # Only the English interface is needed: skip the 2 MB of translations.
    shutil.copytree(str(static), target, ignore=shutil.ignore_patterns("localization"))
    models = Path(config["site_dir"]) / "models"
    models.mkdir(exist_ok=True)
    for path in MODEL_FILES:
        shutil.copyfile(path, models / path.name)
    build_lab(Path(config["site_dir"]))
