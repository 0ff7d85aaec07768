"""Every page of the built site in headless Chromium, as a reader gets it.

Run after `mkdocs build` (the `docs` nox session does): `pytest -m site`.
Screenshots and a JSON report (load time, images per page) go to
`build/site-check/`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import site_pages

pytestmark = pytest.mark.site
PAGES = site_pages()
RESULTS: dict[str, dict[str, object]] = {}


def _name(page: str) -> str:
    return page.strip("/").replace("/", "--") or "home"


def test_the_site_is_built(site: Path) -> None:
    assert PAGES, f"no pages found in {site}"
    assert "part-b/activations/" in PAGES


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_page_in_a_real_browser(page, server, browser, report_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    local = urlparse(server).netloc
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))

    def check_request(request):
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != local:
            foreign.append(request.url)

    tab.on("request", check_request)
    start = time.perf_counter()
    tab.goto(server + page, wait_until="load")
    load_seconds = time.perf_counter() - start
    tab.wait_for_load_state("networkidle")

    images = tab.eval_on_selector_all(
        "article img",
        "els => els.map(e => ({src: e.src.slice(0, 80), ok: e.complete && "
        "e.naturalWidth > 0, alt: e.getAttribute('alt') || ''}))",
    )
    code_blocks = tab.locator("article pre").count()
    copy_buttons = tab.locator(
        "article .md-clipboard, article .zeroclipboard-container"
    ).count()
    math_sources = tab.locator("article .arithmatex").count()
    math_rendered = tab.locator("article .MathJax, article .MathJax_Display").count()
    footer = tab.locator(".md-footer__link").count()
    tab.screenshot(
        path=str(report_dir / "screenshots" / f"{_name(page)}.png"), full_page=True
    )
    context.close()

    RESULTS[page or "/"] = {
        "load_seconds": round(load_seconds, 2),
        "images": len(images),
        "code_blocks": code_blocks,
        "math": math_rendered,
        "screenshot": f"build/site-check/screenshots/{_name(page)}.png",
    }
    (report_dir / "report.json").write_text(json.dumps(RESULTS, indent=2) + "\n")

    assert not errors, f"console errors on {page or '/'}: {errors}"
    assert not foreign, f"{page or '/'} requested other hosts: {foreign}"
    broken = [i["src"] for i in images if not i["ok"]]
    assert not broken, f"images that did not load: {broken}"
    no_alt = [i["src"] for i in images if not i["alt"].strip()]
    assert not no_alt, f"images without alternative text: {no_alt}"
    assert copy_buttons >= code_blocks > 0 or code_blocks == 0, (
        f"{code_blocks} code blocks but {copy_buttons} copy buttons"
    )
    if math_sources:
        assert math_rendered > 0, "the page has math that MathJax did not render"
    assert footer >= 1, "no previous/next links in the footer"


def test_palette_toggle_switches_light_and_dark(server, browser):
    tab = browser.new_page()
    tab.goto(server, wait_until="load")

    def scheme() -> str:
        return tab.evaluate("document.body.getAttribute('data-md-color-scheme')")

    first = scheme()
    tab.locator("form[data-md-component=palette] label:visible").first.click()
    second = scheme()
    tab.locator("form[data-md-component=palette] label:visible").first.click()
    assert {first, second} == {"default", "slate"}
    assert scheme() == first
    tab.close()
