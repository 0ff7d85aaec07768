"""Every page audited with axe-core in headless Chromium: both palettes, a phone.

axe-core is the engine behind Lighthouse's accessibility score. It comes
pinned, bundled in `axe-playwright-python` (see the `site` dependency group),
and is injected from that local file: the audit requests no other host.
Serious and critical violations fail; the rest are listed in
`build/site-check/accessibility.json`. No rule is disabled.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from conftest import site_pages

pytestmark = pytest.mark.site
PAGES = site_pages()
# Both palettes on a desktop, and the light one on a phone (390 × 844).
VIEWS = {
    "light": ("default", 1280, 900),
    "dark": ("slate", 1280, 900),
    "phone": ("default", 390, 844),
}
FAILING = ("serious", "critical")
RESULTS: dict[str, dict[str, object]] = {}


def _axe_script() -> Path:
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or spec.origin is None:
        pytest.fail("axe-playwright-python is not installed: run the docs session")
    return Path(spec.origin).parent / "axe.min.js"


def _name(page: str) -> str:
    return page.strip("/").replace("/", "--") or "home"


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_no_serious_accessibility_violations(page, view, server, browser, report_dir):
    scheme, width, height = VIEWS[view]
    # The palettes follow the reader's system setting until one is chosen.
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme="dark" if scheme == "slate" else "light",
    )
    tab = context.new_page()
    tab.goto(server + page, wait_until="load")
    tab.wait_for_load_state("networkidle")
    shown = tab.evaluate("document.body.getAttribute('data-md-color-scheme')")
    tab.add_script_tag(path=str(_axe_script()))
    result = tab.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => ({version: r.testEngine.version, violations: r.violations}))"
    )
    context.close()

    found = [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {"target": n["target"], "html": n["html"][:200]} for n in v["nodes"]
            ],
        }
        for v in result["violations"]
    ]
    RESULTS[f"{view} {page or '/'}"] = {
        "axe": result["version"],
        "serious or critical": sum(
            len(v["nodes"]) for v in found if v["impact"] in FAILING
        ),
        "violations": found,
    }
    (report_dir / "accessibility.json").write_text(
        json.dumps(RESULTS, indent=2, sort_keys=True) + "\n"
    )
    assert shown == scheme
    failing = {
        v["rule"]: [n["target"] for n in v["nodes"]][:5]
        for v in found
        if v["impact"] in FAILING
    }
    assert not failing, f"{page or '/'} ({view}): {failing}"
