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

    def check_console(message):
        # MathJax 2 measures glyphs with a "MathJax_Blank" font whose source
        # is about:blank, which Chromium reports as an error: not a fault.
        blank = message.location.get("url") == "about:blank"
        if message.type == "error" and not blank and "about:blank" not in message.text:
            errors.append(f"{message.text} ({message.location.get('url')})")

    tab.on("console", check_console)
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
    tab.wait_for_function(
        "!window.MathJax || !MathJax.Hub || "
        "(MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0)"
    )

    # Figures below the fold load lazily: load them all before looking.
    tab.evaluate(
        "Promise.all([...document.querySelectorAll('article img')].map(i => "
        "{ i.loading = 'eager'; return i.decode().catch(() => null); }))"
    )
    images = tab.eval_on_selector_all(
        "article img",
        "els => els.map(e => ({src: e.src.slice(0, 80), ok: e.complete && "
        "e.naturalWidth > 0, alt: e.getAttribute('alt') || '', caption: "
        "(e.closest('figure')?.querySelector('figcaption')?.innerText || '')"
        ".trim(), output: !!e.closest('.jp-OutputArea')}))",
    )
    # Code a reader can copy: Markdown code blocks and notebook input cells.
    code_blocks = tab.evaluate(
        "document.querySelectorAll('article div.highlight, "
        "article .jp-CodeCell .jp-InputArea').length"
    )
    copy_buttons = tab.evaluate(
        "document.querySelectorAll('article div.highlight "
        "[data-md-type=copy], article div.highlight .md-clipboard, "
        "article .jp-CodeCell .jp-InputArea clipboard-copy').length"
    )
    math_sources = tab.locator('article script[type^="math/tex"]').count()
    math_rendered = tab.locator("article .MathJax, article .MathJax_Display").count()
    # TeX left as text means MathJax did not run on it.
    raw_tex = tab.evaluate(
        "[...document.querySelectorAll('article .arithmatex, article "
        ".jp-RenderedMarkdown')].map(e => e.innerText)"
        ".filter(t => /\\$[^$\\n]+\\$|\\\\\\(|\\\\\\[/.test(t))"
    )
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
    # nbconvert's placeholder describes nothing.
    placeholder = "No description has been provided for this image"
    no_alt = [i["src"] for i in images if i["alt"].strip() in ("", placeholder)]
    assert not no_alt, f"images without alternative text: {no_alt}"
    uncaptioned = [i["alt"] for i in images if i["output"] and not i["caption"]]
    assert not uncaptioned, f"figures without a caption: {uncaptioned}"
    assert copy_buttons == code_blocks, (
        f"{code_blocks} code blocks but {copy_buttons} copy buttons"
    )
    assert not raw_tex, f"math left unrendered: {[t[:80] for t in raw_tex]}"
    assert math_rendered >= math_sources, (
        f"{math_sources} formulas but {math_rendered} rendered by MathJax"
    )
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


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_page_on_a_phone(page, server, browser):
    """At 390 × 844 nothing scrolls sideways but code and tables, in their boxes."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.goto(server + page, wait_until="load")
    tab.wait_for_load_state("networkidle")
    page_width = tab.evaluate("document.documentElement.scrollWidth")
    prompts = tab.evaluate(
        "[...document.querySelectorAll('.jp-InputPrompt, .jp-OutputPrompt')]"
        ".filter(e => getComputedStyle(e).display !== 'none').length"
    )
    too_wide = tab.evaluate(
        "[...document.querySelectorAll('article img')]"
        ".filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".map(e => e.getAttribute('alt') || e.src.slice(0, 60))"
    )
    context.close()
    assert page_width <= 390, f"{page or '/'} is {page_width} px wide at 390"
    assert prompts == 0, f"{prompts} notebook prompts take width on a phone"
    assert not too_wide, f"figures wider than the screen: {too_wide}"
