"""The trained models that the pages' plain-Keras cells load by file name.

Cells tagged `copy` are plain Keras that readers paste into a fresh session.
They load the trained models from the working folder, the photos from
`MODERN_CONVNETS_DATA` and, offline, the ImageNet weights from
`MODERN_CONVNETS_XCEPTION_WEIGHTS`. The kernels run in a scratch folder
holding the model files, with both variables set from what the package finds
(`website/kernel_startup.py` moves into the folder), and the site offers the
same files under `models/`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def model_files(package_dir: Path) -> list[Path]:
    """The package's trained `.keras` files, sorted.

    Example:
        >>> [p.name for p in model_files(Path("src/modern_convnets"))]
        ['mini_xception.keras', 'small_convnet.keras', 'xception_cats_vs_dogs.keras']
    """
    return sorted((package_dir / "trained").glob("*.keras"))


def prepare_page_folder(package_dir: Path, folder: Path) -> None:
    """Give the kernels the files and variables a reader of the pages has.

    Empties `folder`, copies the trained models into it, and sets
    MODERN_CONVNETS_PAGE_FOLDER, MODERN_CONVNETS_DATA and
    MODERN_CONVNETS_XCEPTION_WEIGHTS for the kernels, child processes of
    the build.

    Args:
        package_dir: The package holding `trained/`.
        folder: The kernels' working folder.

    Example:
        ```python
        prepare_page_folder(Path("src/modern_convnets"), Path(".cache/page-folder"))
        ```
    """
    from modern_convnets.data import find_dataset
    from modern_convnets.pretrained import find_xception_weights

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in model_files(package_dir):
        shutil.copyfile(path, folder / path.name)
    os.environ["MODERN_CONVNETS_PAGE_FOLDER"] = str(folder)
    # The plain cells read the folder that holds cats_and_dogs_filtered/.
    os.environ["MODERN_CONVNETS_DATA"] = str(find_dataset().parent)
    weights = find_xception_weights(download=False).path
    os.environ["MODERN_CONVNETS_XCEPTION_WEIGHTS"] = str(weights)


def publish(package_dir: Path, site_dir: Path) -> list[Path]:
    """Copy the trained models into `site_dir/models/`; return the copies.

    Example:
        ```python
        publish(Path("src/modern_convnets"), Path("site"))  # site/models/*.keras
        ```
    """
    models = site_dir / "models"
    models.mkdir(parents=True, exist_ok=True)
    copies = []
    for path in model_files(package_dir):
        shutil.copyfile(path, models / path.name)
        copies.append(models / path.name)
    return copies
