"""Links and anchors of the built site, and how each page reads.

Run after `mkdocs build`: `pytest -m site`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from conftest import REPO, SITE, site_pages

pytestmark = pytest.mark.site


class _Page(HTMLParser):
    """The ids, links and headings of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.in_article = False
        self.headings: list[str] = []
        self._heading: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        for key in ("href", "src"):
            if values.get(key) and tag in ("a", "img", "link", "script"):
                self.links.append(values[key])
        if tag == "article":
            self.in_article = True
        if self.in_article and tag in ("h1", "h2"):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2") and self._heading is not None:
            self.headings.append("".join(self._heading).strip().rstrip("¶").strip())
            self._heading = None
        if tag == "article":
            self.in_article = False

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if self.in_article:
            self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


# Absolute links (only 404.html uses them) start with the published site's path.
SITE_PATH = urlparse(
    re.search(r"^site_url:\s*(\S+)", (REPO / "mkdocs.yml").read_text(), re.M)[1]
).path


def _target(base_url: str, link: str) -> tuple[Path, str] | None:
    """The file and anchor an internal link points to; None for external links."""
    url = urlparse(link)
    if url.scheme or link.startswith("//"):
        return None  # http(s), data:, mailto:, javascript:
    resolved = urlparse(urljoin(base_url, link))
    local = unquote(resolved.path)
    if link.startswith("/") and local.startswith(SITE_PATH):
        local = "/" + local[len(SITE_PATH) :]
    path = SITE / local.lstrip("/")
    if resolved.path.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path, unquote(resolved.fragment)


def test_no_broken_internal_link_or_anchor() -> None:
    parsed: dict[Path, _Page] = {}

    def parse(path: Path) -> _Page:
        if path not in parsed:
            parsed[path] = _parse(path)
        return parsed[path]

    broken = []
    for html in sorted(SITE.rglob("*.html")):
        if html.relative_to(SITE).parts[0] in ("assets",):
            continue
        page = parse(html)
        base = "/" + html.relative_to(SITE).as_posix()
        for link in page.links:
            target = _target(base, link)
            if target is None:
                continue
            path, anchor = target
            if not path.is_file():
                broken.append(f"{base}: {link} (no file {path.relative_to(SITE)})")
                continue
            if anchor and path.suffix == ".html":
                ids = parse(path).ids
                if anchor not in ids:
                    broken.append(f"{base}: {link} (no anchor #{anchor})")
    assert not broken, "broken links:\n" + "\n".join(sorted(set(broken)))


GUIDE_PAGES = [
    p for p in site_pages() if p.startswith(("tutorials/", "part-a/", "part-b/"))
]


@pytest.mark.parametrize("page", GUIDE_PAGES)
def test_guide_pages_open_with_goals_and_close_with_a_summary(page: str) -> None:
    parsed = _parse(SITE / page / "index.html")
    text = " ".join(parsed.text)
    assert parsed.headings, f"{page} has no heading"
    assert parsed.headings[-1].startswith("Summary"), (
        f"{page} ends with {parsed.headings[-1]!r}, not a Summary"
    )
    is_section = page in ("part-a/", "part-b/")
    if not is_section:
        assert "You will learn" in text, f"{page} does not say what it teaches"
