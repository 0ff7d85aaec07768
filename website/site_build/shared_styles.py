"""One stylesheet file for the styles that every notebook page repeats.

nbconvert writes its whole stylesheet (JupyterLab's, 0.6 MB) into each
notebook page. Moved into one file named by its content, a browser fetches
it once for the whole site, and each page is lighter by as much.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from modern_convnets._atomic import atomic_path

STYLE = re.compile(r'<style type="text/css">(.*?)</style>\s*', re.DOTALL)


def site_root(page_url: str) -> str:
    """The relative URL from a page to the site's root, "" or ending in "/".

    Args:
        page_url: The page's URL relative to the site ("part-b/filters/",
            "404.html", "" for the home page).

    Returns:
        "../" once per folder of `page_url`.

    Example:
        >>> site_root("part-b/filters/")
        '../../'
    """
    if page_url.startswith("/"):
        raise ValueError(
            f"page_url must be relative to the site, like 'part-b/filters/', "
            f"not {page_url!r}"
        )
    return "../" * page_url.count("/")


class SharedStyles:
    """Collects pages' style blocks into content-named files under the site.

    Args:
        folder: The stylesheets' folder, relative to the site's root.

    Example:
        ```python
        styles = SharedStyles()
        html = styles.extract(html, "../../")  # for each page
        styles.write(Path("site"))  # once, after the build
        ```
    """

    def __init__(self, folder: str = "assets/stylesheets") -> None:
        self.folder = folder
        self.sheets: dict[str, str] = {}

    def extract(self, html: str, root: str) -> str:
        """Replace `html`'s style blocks with a link to one shared file.

        Args:
            html: A built page.
            root: The relative URL from the page to the site's root
                ("../../" for `part-b/filters/`).

        Returns:
            The page, its style blocks replaced, in their order, by one link
            where the first one was.
        """
        blocks = STYLE.findall(html)
        if not blocks:
            return html
        css = "\n".join(blocks)
        name = f"notebook.{hashlib.sha256(css.encode()).hexdigest()[:8]}.css"
        self.sheets[name] = css
        link = f'<link rel="stylesheet" href="{root}{self.folder}/{name}">\n'
        first = True

        def replace(match: re.Match[str]) -> str:
            nonlocal first
            keep, first = first, False
            return link if keep else ""

        return STYLE.sub(replace, html)

    def write(self, site_dir: Path) -> list[Path]:
        """Write the collected stylesheets into `site_dir`; return their paths."""
        written = []
        for name, css in sorted(self.sheets.items()):
            path = site_dir / self.folder / name
            with atomic_path(path) as tmp:
                tmp.write_text(css)
            written.append(path)
        return written
