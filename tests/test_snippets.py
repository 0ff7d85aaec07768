"""Every code block a reader can copy from a Markdown page, run or checked.

Python blocks are executed. Shell blocks are checked line by line: `nox -s X`
names a session of the noxfile, `python -m module` and `python script.py`
answer `--help`; `pip install` and `export` lines are taken as they are.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MARKDOWN = sorted([*(REPO / "docs").rglob("*.md"), REPO / "README.md"])
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
SESSIONS = set(
    re.findall(
        r"@nox\.session[^\n]*\n(?:@[^\n]*\n)*def (\w+)",
        (REPO / "noxfile.py").read_text(),
    )
)


def _blocks(language: tuple[str, ...]) -> list[tuple[str, str]]:
    found = []
    for path in MARKDOWN:
        for index, match in enumerate(FENCE.finditer(path.read_text())):
            if match.group(1) in language:
                found.append((f"{path.relative_to(REPO)}#{index}", match.group(2)))
    return found


def _needs_tensorflow(code: str) -> list[pytest.MarkDecorator]:
    """The `tensorflow` mark for a block running a script that imports it.

    The benchmarks time TensorFlow's own recipes against the package's.
    """
    scripts = [REPO / s for s in re.findall(r"^python3? (\S+\.py)", code, re.M)]
    if any("import tensorflow" in s.read_text() for s in scripts if s.is_file()):
        return [pytest.mark.tensorflow]
    return []


SHELL = [
    pytest.param(where, code, id=where, marks=_needs_tensorflow(code))
    for where, code in _blocks(("bash", "sh", "console"))
]
PYTHON = _blocks(("python", "py"))


def test_the_pages_have_snippets():
    assert len(SHELL) >= 2


@pytest.mark.parametrize(("where", "code"), PYTHON, ids=[w for w, _ in PYTHON])
def test_python_snippet_runs(where, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, where, "exec"), {"__name__": "__snippet__"})


def _help(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, *argv, "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize(("where", "code"), SHELL)
def test_shell_snippet_commands_exist(where, code):
    for line in code.splitlines():
        command = line.split("#", 1)[0].strip()
        if not command:
            continue
        words = shlex.split(command)
        if words[0] == "export" or words[:2] in (
            ["pip", "install"],
            ["apt-get", "install"],
        ):
            continue
        if words[0] == "nox":
            assert "-s" in words, f"{where}: {command!r} names no session"
            session = words[words.index("-s") + 1]
            assert session in SESSIONS, f"{where}: no nox session {session!r}"
        elif words[0] in ("python", "python3") and words[1] == "-m":
            _help(["-m", words[2]])
        elif words[0] in ("python", "python3") and words[1].endswith(".py"):
            assert (REPO / words[1]).is_file(), f"{where}: no file {words[1]}"
            _help([words[1]])
        else:
            pytest.fail(f"{where}: the snippet test does not know {command!r}")
