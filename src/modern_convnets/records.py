"""What a training run writes about itself: atomic files, hardware, data.

Every training path of the package (`train`, `transfer`, `ablation`) records
its runs through these helpers, so manifests read the same whichever wrote
them and no reader ever sees half a file.

Examples:
    ```python
    from modern_convnets.records import hardware, write_json

    write_json("runs/demo/manifest.json", {"hardware": hardware()})
    ```
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modern_convnets._atomic import atomic_path

if TYPE_CHECKING:
    import keras


def write_json(path: str | os.PathLike[str], payload: Any) -> None:
    """Write `payload` as indented JSON, atomically.

    Args:
        path: The file to create or replace.
        payload: Anything `json.dumps` accepts.

    Examples:
        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "state.json"
        >>> write_json(target, {"epochs_done": 3})
        >>> print(target.read_text(), end="")
        {
          "epochs_done": 3
        }
    """
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2) + "\n")


def save_model(model: keras.Model, path: str | os.PathLike[str]) -> None:
    """Save a Keras model to a `.keras` file, atomically.

    Args:
        model: The model (with its optimizer state, if compiled).
        path: The `.keras` file to create or replace.

    Examples:
        ```python
        save_model(model, "runs/demo/best.keras")
        ```
    """
    with atomic_path(path) as tmp:
        model.save(tmp)


def hardware() -> dict[str, Any]:
    """The machine and software a run used, for its manifest.

    Returns:
        Processor architecture and name, CPU count, the GPUs the Keras
            backend sees, and the Python, Keras and backend versions.

    Examples:
        >>> sorted(hardware())[:3]
        ['backend', 'backend_version', 'cpu_count']
    """
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        version = jax.__version__
        gpus = [d.device_kind for d in jax.devices() if d.platform != "cpu"]
    elif backend == "tensorflow":
        import tensorflow as tf

        version = tf.__version__
        gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    else:  # torch, numpy: the version is all a manifest needs
        version = __import__(backend).__version__
        gpus = []
    return {
        "backend": backend,
        "backend_version": version,
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "keras": keras.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "python": platform.python_version(),
    }


def dataset_fingerprint(root: str | os.PathLike[str]) -> str:
    """SHA-256 over every file of the data set: relative path and content.

    Two copies of `cats_and_dogs_filtered` have the same fingerprint exactly
    when they hold the same files with the same bytes.

    Args:
        root: The `cats_and_dogs_filtered` folder.

    Returns:
        A hex digest.

    Examples:
        ```python
        dataset_fingerprint(find_dataset())[:12]
        # '3d5c0ab6e2f1'
        ```
    """
    root = Path(root)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
