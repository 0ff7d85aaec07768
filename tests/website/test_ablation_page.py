"""The ablation page's tables show the shipped study's numbers."""

from __future__ import annotations

import html
import re

import pytest
from conftest import SITE

from modern_convnets.ablation_results import load_results, summarise
from modern_convnets.variants import VARIANTS

pytestmark = pytest.mark.site


def test_the_ablation_table_shows_the_shipped_results() -> None:
    page = (SITE / "part-a" / "what-each-ingredient-buys" / "index.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    summary = summarise(load_results())
    assert [row.variant for row in summary] == list(VARIANTS)
    for row in summary:
        shown = re.search(
            rf"^{row.variant}\s+[\d,]+\s+[\d.]+ M\s+(\S+) ± (\S+)\s+(\S+) ± (\S+)",
            text,
            re.MULTILINE,
        )
        assert shown, f"no table row for {row.variant}"
        assert shown.groups() == (
            f"{row.val_mean:.1%}",
            f"{row.val_std:.1%}",
            f"{row.test_mean:.1%}",
            f"{row.test_std:.1%}",
        )
    for run in load_results():
        listed = (
            rf"^{run['variant']}\s+{run['seed']}\s+{run['best_epoch']}\s+"
            rf"{run['val_accuracy']:.1%}\s+{run['test_accuracy']:.1%}\s+"
            rf"{run['wall_seconds'] / 3600:.2f}\s+{run['fastest_epoch_seconds']:.1f}$"
        )
        assert re.search(listed, text, re.MULTILINE), listed
