"""The theme's templates that the site overrides stay the theme's but for the fix."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.site
OVERRIDES = Path(__file__).resolve().parents[2] / "website" / "overrides"
HEADER = re.compile(r"\{#-.*?-#\}\s*", re.DOTALL)


def _theme_template(name: str) -> str:
    spec = importlib.util.find_spec("material")
    if spec is None or spec.origin is None:
        pytest.fail("mkdocs-material is not installed: run the docs session")
    return (Path(spec.origin).parent / "templates" / name).read_text()


def test_search_dialog_is_the_themes_with_a_name():
    ours = HEADER.sub("", (OVERRIDES / "partials" / "search.html").read_text(), 1)
    theirs = HEADER.sub("", _theme_template("partials/search.html"), 1)
    named = '<div class="md-search" data-md-component="search" role="dialog"'
    assert theirs.count(named + ">") == 1, "the theme's search dialog changed"
    fixed = theirs.replace(
        named + ">", named + " aria-label=\"{{ lang.t('search') }}\">"
    )
    assert ours == fixed


def test_actions_are_the_themes_with_a_download_notebook_link():
    ours = HEADER.sub("", (OVERRIDES / "partials" / "actions.html").read_text(), 1)
    theirs = HEADER.sub("", _theme_template("partials/actions.html"), 1)
    added, rest = ours.split("{% endif %}\n", 1)
    assert rest == theirs
    assert added.startswith("{% if page.meta and page.meta.notebook %}")
    assert "<span>Download notebook</span>" in added
