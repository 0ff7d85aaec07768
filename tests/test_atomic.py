import os
import stat
from pathlib import Path

import pytest

from modern_convnets._atomic import atomic_path


def test_writes_in_place_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out" / "history.json"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent
        assert tmp.name.endswith(".json")
        tmp.write_text("{}")
        assert not target.exists()
    assert target.read_text() == "{}"
    assert sorted(p.name for p in target.parent.iterdir()) == ["history.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_failure_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "model.weights.h5"
    target.write_text("old")

    def interrupted_write() -> None:
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        interrupted_write()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.weights.h5"]
