"""A self-contained MathJax: the site must work offline.

nbconvert puts into every notebook page a MathJax loader and configuration
from a CDN, and a mermaid.js loader from a CDN (for diagrams these pages do
not use). Both are removed; the site's own loader
(`docs/assets/javascripts/mathjax-loader.js`) loads the copy of MathJax that
the build takes from the installed `jupyter-server-mathjax` package.

The pattern matches the markup of the nbconvert version pinned in
pyproject.toml; `tests/test_notebook_markup.py` fails when it changes.
"""

from __future__ import annotations

import importlib.resources
import re
import shutil
from pathlib import Path

NOTEBOOK_SCRIPTS = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->"
    r'|<script type="module">\s*document\.addEventListener\("DOMContentLoaded", '
    r'async \(\) => \{\s*const diagrams = document\.querySelectorAll\("\.jp-Mermaid'
    r".*?</script>",
    re.DOTALL,
)
# Where the site serves MathJax, relative to its root.
FOLDER = "assets/mathjax"


def remove_cdn_scripts(html: str) -> str:
    """Remove nbconvert's MathJax and mermaid.js loaders from a built page.

    Example:
        ```python
        page = remove_cdn_scripts(page)  # a page that mkdocs-jupyter rendered
        ```
    """
    return NOTEBOOK_SCRIPTS.sub("", html)


def copy_mathjax(site_dir: Path) -> Path:
    """Copy the installed MathJax into `site_dir/assets/mathjax/`; return it.

    Example:
        ```python
        copy_mathjax(Path("site"))  # site/assets/mathjax/
        ```
    """
    static = importlib.resources.files("jupyter_server_mathjax") / "static"
    target = site_dir / FOLDER
    shutil.rmtree(target, ignore_errors=True)
    # Only the English interface is needed: skip the 2 MB of translations.
    shutil.copytree(str(static), target, ignore=shutil.ignore_patterns("localization"))
    return target
