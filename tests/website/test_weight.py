"""What a reader downloads per page: its HTML and the images it shows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from conftest import site_pages

pytestmark = pytest.mark.site
PAGES = site_pages()
LIMIT = 2_000_000  # bytes: HTML plus the page's own images, theme assets aside
IMAGE = re.compile(r'<img\b[^>]*?\ssrc="([^"]+)"')
WEIGHTS: dict[str, dict[str, int]] = {}


def page_weight(site: Path, page: str) -> dict[str, int]:
    """The bytes of a page's HTML and of the local images it references."""
    html_path = site / page / "index.html"
    html = html_path.read_text()
    images = 0
    for src in set(IMAGE.findall(html)):
        if src.startswith("data:"):
            continue  # counted in the HTML
        url = urlparse(urljoin(f"/{page}", src))
        images += (site / unquote(url.path).lstrip("/")).stat().st_size
    return {"html": html_path.stat().st_size, "images": images}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.strip("/") or "home")
def test_page_weighs_under_the_limit(page, site, report_dir):
    weight = page_weight(site, page)
    WEIGHTS[page or "/"] = {**weight, "total": sum(weight.values())}
    (report_dir / "weight.json").write_text(json.dumps(WEIGHTS, indent=2) + "\n")
    total = sum(weight.values())
    assert total <= LIMIT, f"{page or '/'} weighs {total:,} bytes ({weight})"
