"""What the lab page (`docs/lab/`) needs beside it in the site.

The lab runs the trained models in the reader's browser. The build exports
them for TensorFlow.js with the package (`modern_convnets.lab.export_lab`),
and copies TensorFlow.js, as `npm ci` installed it from
`website/lab/package-lock.json` (pinned, integrity-checked), with its licence
into `lab/vendor/`. No third-party bundle is kept in the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

# What the lab serves of TensorFlow.js: its file under
# node_modules/@tensorflow/, and its name on the site.
VENDOR = {
    "tfjs/dist/tf.min.js": "tf.min.js",
    "tfjs-backend-wasm/dist/tf-backend-wasm.min.js": "tf-backend-wasm.min.js",
    "tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm": "tfjs-backend-wasm.wasm",
    "tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm": "tfjs-backend-wasm-simd.wasm",
}
LICENSE = "LICENSE-tensorflowjs.txt"


def copy_tensorflowjs(npm_project: Path, vendor: Path) -> list[Path]:
    """Copy the installed TensorFlow.js files and their licence into `vendor`.

    Args:
        npm_project: The folder of the lab's `package.json`, where `npm ci`
            installed `node_modules/`.
        vendor: The site's folder for them.

    Returns:
        The copies, the licence last.

    Raises:
        FileNotFoundError: If `npm ci` has not installed TensorFlow.js.

    Example:
        ```python
        copy_tensorflowjs(Path("website/lab"), Path("site/lab/vendor"))
        ```
    """
    packages = npm_project / "node_modules" / "@tensorflow"
    missing = [source for source in VENDOR if not (packages / source).is_file()]
    if missing:
        raise FileNotFoundError(
            f"TensorFlow.js is not installed for the lab ({packages / missing[0]} "
            f"is missing): run `npm ci --prefix {npm_project}` (the nox sessions do)"
        )
    vendor.mkdir(parents=True, exist_ok=True)
    copies = []
    for source, name in VENDOR.items():
        shutil.copyfile(packages / source, vendor / name)
        copies.append(vendor / name)
    shutil.copyfile(npm_project / LICENSE, vendor / "LICENSE.txt")
    return [*copies, vendor / "LICENSE.txt"]


def build_lab(npm_project: Path, site_dir: Path) -> None:
    """Put the lab's models, sample photos and TensorFlow.js into the site.

    Args:
        npm_project: The folder of the lab's `package.json`.
        site_dir: The built site.

    Example:
        ```python
        build_lab(Path("website/lab"), Path("site"))
        ```
    """
    from modern_convnets.lab import export_lab

    lab = site_dir / "lab"
    copy_tensorflowjs(npm_project, lab / "vendor")
    export_lab(lab)
