"""The IPython profile of the kernels that execute the pages.

TensorFlow's C++ start-up messages (CUDA probing, oneDNN notices) are written
straight to file descriptor 2, which ipykernel would copy into the first cell
that imports TensorFlow. The profile leaves descriptor-level output in the
build log instead; Python warnings and `print(..., file=sys.stderr)` still
appear on the page. Its start-up script (`website/kernel_startup.py`) gives
the kernels the guide's matplotlib style and captioned figures.
"""

from __future__ import annotations

import os
from pathlib import Path

from modern_convnets._atomic import atomic_path

# The profile's start-up scripts run in the order of their names.
STARTUP_NAME = "00-figures.py"


def install(ipython_dir: Path, startup: Path) -> list[Path]:
    """Write the kernels' profile into `ipython_dir` and point IPython at it.

    The kernels are child processes: they find the profile through the
    IPYTHONDIR variable, which this sets for the rest of the build.

    Args:
        ipython_dir: The IPython directory to hold `profile_default/`.
        startup: The script every kernel runs first.

    Returns:
        Every file under `ipython_dir`, sorted: what a kernel's behaviour
        depends on, for the pages' cache keys.

    Example:
        ```python
        files = install(Path(".cache/ipython"), Path("website/kernel_startup.py"))
        ```
    """
    profile = ipython_dir / "profile_default"
    with atomic_path(profile / "ipython_kernel_config.py") as tmp:
        tmp.write_text("c.IPKernelApp.capture_fd_output = False\n")
    with atomic_path(profile / "startup" / STARTUP_NAME) as tmp:
        tmp.write_text(startup.read_text())
    os.environ["IPYTHONDIR"] = str(ipython_dir)
    return sorted(path for path in ipython_dir.rglob("*") if path.is_file())
