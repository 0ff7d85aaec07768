"""The publishing workflow builds what continuous integration checks.

`.github/workflows/pages.yml` cannot run here, so its contract is checked
as text: it runs the same nox sessions as `.ci/run`, in the same order, and
every action it uses is pinned to a version.
"""

from __future__ import annotations

import re

from conftest import REPO

WORKFLOW = (REPO / ".github" / "workflows" / "pages.yml").read_text()
CI = (REPO / ".ci" / "run").read_text()


def _sessions(text: str) -> list[str]:
    commands = [line.split("#")[0] for line in text.splitlines()]
    return re.findall(r"\bnox -s (\w+)", "\n".join(commands))


def test_the_workflow_runs_the_sessions_that_ci_runs():
    assert _sessions(CI) == ["tests", "backends", "docs"]
    assert _sessions(WORKFLOW) == _sessions(CI)


def test_every_action_is_pinned_to_a_version():
    actions = re.findall(r"uses:\s*(\S+)", WORKFLOW)
    assert actions
    unpinned = [a for a in actions if not re.search(r"@v\d+(\.\d+)*$", a)]
    assert not unpinned, f"actions without a version: {unpinned}"
