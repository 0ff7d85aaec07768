"""A listing's TensorFlow, JAX and PyTorch tabs, as a reader uses them.

Choosing a backend on one listing chooses it on every listing, and the
browser remembers it for the next page (the theme's `content.tabs.link`);
the tabs are radio buttons named by their backend, reached with the Tab key
and switched with the arrow keys; each tab keeps its copy button and its
"Copy this" label; the tab row fits a phone.

Run after `mkdocs build`: `pytest -m site`.
"""

from __future__ import annotations

import re

import pytest
from conftest import SITE, site_pages

pytestmark = pytest.mark.site
NAMES = ["TensorFlow", "JAX", "PyTorch"]
TABBED_PAGES = [
    page
    for page in site_pages()
    if "mc-backend-tabs" in (SITE / page / "index.html").read_text(encoding="utf-8")
]
CHOSEN = (
    "[...document.querySelectorAll('.mc-backend-tabs')].map(set => {"
    " const id = set.querySelector(':scope > input:checked').id;"
    " return set.querySelector(`label[for='${id}']`).innerText.trim(); })"
)
VISIBLE = (
    "[...document.querySelectorAll('.mc-backend-tabs .tabbed-block')]"
    ".filter(b => b.offsetHeight > 0).map(b => b.dataset.backend)"
)


def test_the_filters_page_has_its_listing_in_tabs():
    assert "part-b/filters/" in TABBED_PAGES


@pytest.mark.parametrize("page", TABBED_PAGES)
def test_each_tab_names_its_backend_and_keeps_its_copy_button(page, server, browser):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(server + page, wait_until="load")
    sets = tab.locator(".mc-backend-tabs")
    assert sets.count() >= 1
    for name in NAMES:  # what a screen reader announces
        assert tab.get_by_role("radio", name=name).count() == sets.count(), name
    blocks = tab.eval_on_selector_all(
        ".mc-backend-tabs .tabbed-block",
        "bs => bs.map(b => ({backend: b.dataset.backend, "
        "copy: b.querySelectorAll('clipboard-copy').length, "
        "label: b.querySelector('.mc-copy-label')?.innerText || '', "
        "code: b.querySelector('.clipboard-copy-txt')?.textContent || ''}))",
    )
    for block in blocks:
        assert block["copy"] == 1, block["backend"]
        assert f"KERAS_BACKEND={block['backend']}" in block["label"]
    # Some JAX tab takes the gradient (a page may also tab other helpers).
    jax = "\n".join(b["code"] for b in blocks if b["backend"] == "jax")
    assert "jax.grad" in jax or "jax.value_and_grad" in jax
    # Only the chosen tab's code shows; TensorFlow first.
    assert tab.evaluate(VISIBLE) == ["tensorflow"] * sets.count()
    tab.close()


def test_choosing_jax_chooses_it_everywhere_and_is_remembered(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(server + TABBED_PAGES[0], wait_until="load")
    tab.wait_for_load_state("networkidle")
    assert set(tab.evaluate(CHOSEN)) == {"TensorFlow"}
    tab.locator(".mc-backend-tabs .tabbed-labels label", has_text="JAX").first.click()
    tab.wait_for_function(f"{CHOSEN}.every(name => name === 'JAX')")
    assert set(tab.evaluate(VISIBLE)) == {"jax"}
    for page in TABBED_PAGES:  # the next page opens on JAX
        other = context.new_page()
        other.goto(server + page, wait_until="load")
        assert set(other.evaluate(CHOSEN)) == {"JAX"}, page
        other.close()
    context.close()


def test_the_keyboard_reaches_and_switches_the_tabs(server, browser):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(server + TABBED_PAGES[0], wait_until="load")
    first = tab.locator(".mc-backend-tabs > input").first
    # Reached from the element before it in the Tab order.
    first.evaluate(
        "input => { const all = [...document.querySelectorAll("
        "'a[href], button, input, [tabindex]:not([tabindex=\"-1\"])')]"
        ".filter(e => e.tabIndex >= 0 && e.offsetParent !== null || e === input);"
        " all[all.indexOf(input) - 1].focus(); }"
    )
    tab.keyboard.press("Tab")
    assert first.evaluate("input => document.activeElement === input")
    tab.keyboard.press("ArrowRight")
    focused = tab.evaluate(
        "document.querySelector(`label[for='${document.activeElement.id}']`)"
        ".innerText.trim()"
    )
    assert focused == "JAX"
    assert tab.evaluate(VISIBLE)[0] == "jax"
    tab.close()


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_the_tab_row_fits_a_phone(server, browser, report_dir, scheme):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.goto(server + TABBED_PAGES[0], wait_until="load")
    tab.evaluate(f"document.body.setAttribute('data-md-color-scheme', '{scheme}')")
    row = tab.locator(".mc-backend-tabs .tabbed-labels").first
    row.scroll_into_view_if_needed()
    fits = row.evaluate("r => r.scrollWidth <= r.clientWidth")
    assert fits, "the tab row scrolls sideways at 390 px"
    labels = row.evaluate(
        "r => [...r.querySelectorAll('label')].map(l => l.innerText.trim())"
    )
    assert labels == NAMES
    name = re.sub(r"\W+", "-", TABBED_PAGES[0]).strip("-")
    tab.locator(".mc-backend-tabs").first.screenshot(
        path=str(report_dir / "screenshots" / f"{name}-tabs-390-{scheme}.png")
    )
    context.close()
