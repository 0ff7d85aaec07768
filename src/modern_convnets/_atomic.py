"""Write files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it into place on success.

    The temporary file lives in the same folder, so the final `os.replace` is
    atomic on POSIX and Windows. If the body raises, the temporary file is
    removed and `target` is left as it was.

    Args:
        target: The file to create or replace.

    Yields:
        A path to write to. Its suffix equals the target's, because some
            writers (Keras's `save_weights`) insist on a particular suffix.

    Examples:
        ```python
        with atomic_path("history.json") as tmp:
            tmp.write_text("{}")
        ```
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.stem}.", suffix="".join(target.suffixes)
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp creates the file readable by its owner only; give it the
        # permissions a plain open() would have given it.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
