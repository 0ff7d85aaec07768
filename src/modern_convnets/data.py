"""The cats-vs-dogs photos: find them, check them, split them, stream them.

The guide trains and evaluates on `cats_and_dogs_filtered`, TensorFlow's
tutorial subset of Kaggle's Dogs vs. Cats: 2,000 training photos and 1,000
validation photos, half cats and half dogs. Here the 2,000 training photos are
split (seeded, per class) into a training and a validation set, and the 1,000
`validation/` photos are held out as the test set that the guide reports on.

Examples:
    ```python
    from modern_convnets.data import cats_vs_dogs

    train, val, test = cats_vs_dogs()  # MODERN_CONVNETS_DATA names the folder
    images, labels = next(iter(train))
    images.shape  # TensorShape([32, 180, 180, 3])
    ```
"""

from __future__ import annotations

import dataclasses
import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from modern_convnets.photos import check_size, inspect_photo, load_photo

if TYPE_CHECKING:  # TensorFlow and Keras load lazily, when a dataset is built
    import keras
    import tensorflow as tf

logger = logging.getLogger(__name__)

DATASET_NAME = "cats_and_dogs_filtered"
"""Folder name of the data set, as in TensorFlow's archive."""

DATA_ENV = "MODERN_CONVNETS_DATA"
"""Environment variable: the folder that contains `cats_and_dogs_filtered/`."""

DATASET_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"
"""TensorFlow's tutorial archive of the data set."""

CLASS_NAMES: tuple[str, ...] = ("cats", "dogs")
"""Class folders in label order: cats are 0, dogs are 1 (alphabetical, as Keras)."""

SPLITS: tuple[str, ...] = ("train", "validation")
"""Sub-folders of the data set, each holding one folder per class."""

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif"})
"""File name suffixes that `scan_images` treats as images."""


class DatasetNotFoundError(FileNotFoundError):
    """Raised when the photos are in none of the places `find_dataset` looks."""


def _is_dataset(folder: Path) -> bool:
    return all(
        (folder / split / name).is_dir() for split in SPLITS for name in CLASS_NAMES
    )


def _resolve(candidate: Path) -> Path | None:
    """Accept the data set folder itself or a folder that contains it."""
    for folder in (candidate, candidate / DATASET_NAME):
        if _is_dataset(folder):
            return folder
    return None


def keras_cache_dir() -> Path:
    """Keras's cache folder: `$KERAS_HOME`, else `~/.keras`.

    Returns:
        The folder under which Keras keeps `datasets/` and `models/`.

    Examples:
        ```python
        keras_cache_dir().name in {".keras", "keras"}
        # True
        ```
    """
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()


def _keras_cache_candidates(cache_dir: Path) -> list[Path]:
    datasets = cache_dir / "datasets"
    # Keras 3 extracts archives into `<name>_extracted/`; Keras 2 did not.
    return [datasets / f"{DATASET_NAME}_extracted", datasets]


def find_dataset(
    path: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    url: str = DATASET_URL,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Locate the `cats_and_dogs_filtered` folder, downloading it as a last resort.

    Looks, in order, at:

    1. `path`, if given: the data set folder itself or a folder containing it;
    2. the environment variable `MODERN_CONVNETS_DATA`, read the same way;
    3. Keras's dataset cache (`$KERAS_HOME/datasets`, default `~/.keras`);
    4. the official archive at `url`, fetched with `keras.utils.get_file` into
       that cache (skipped when `download=False`).

    A location given explicitly (argument or environment variable) that does
    not hold the data set is an error, not a reason to look elsewhere: a typo
    should not turn into a silent 68 MB download.

    Args:
        path: Folder holding the data set, or the data set folder itself.
        download: Whether to download the archive when no copy is found.
        url: Where to download the archive from (`http(s)://` or `file://`).
        cache_dir: Keras cache folder to look in and download to; defaults to
            `keras_cache_dir()`.

    Returns:
        The `cats_and_dogs_filtered` folder, with `train/` and `validation/`.

    Raises:
        DatasetNotFoundError: No copy was found and none could be downloaded.
            The message lists every option.

    Examples:
        ```python
        find_dataset("../shared/data")
        # PosixPath('../shared/data/cats_and_dogs_filtered')
        ```
    """
    layout = (
        f"a folder '{DATASET_NAME}' with train/{{cats,dogs}} and "
        "validation/{cats,dogs} inside"
    )
    for given, origin in ((path, "path"), (os.environ.get(DATA_ENV), DATA_ENV)):
        if given is None or given == "":
            continue
        found = _resolve(Path(given).expanduser())
        if found is None:
            raise DatasetNotFoundError(
                f"{origin}={str(given)!r} does not hold the cats-vs-dogs photos: "
                f"expected {layout}, or that folder itself."
            )
        logger.info("Using the cats-vs-dogs photos at %s (from %s)", found, origin)
        return found

    cache = Path(cache_dir).expanduser() if cache_dir is not None else keras_cache_dir()
    for candidate in _keras_cache_candidates(cache):
        found = _resolve(candidate)
        if found is not None:
            logger.info("Using the cats-vs-dogs photos in Keras's cache: %s", found)
            return found

    problem = "downloading is switched off (download=False)"
    if download:
        try:
            return _download(url, cache)
        except Exception as error:  # any failure: offline, HTTP error, bad zip
            problem = f"downloading {url} failed: {error}"
    raise DatasetNotFoundError(
        "Could not find the cats-vs-dogs photos. Tried, in order:\n"
        f"  1. the `path` argument: {path!r}\n"
        f"  2. the environment variable {DATA_ENV}: not set\n"
        f"  3. Keras's dataset cache: {cache / 'datasets'}\n"
        f"  4. the official archive: {problem}\n"
        f"Point `path` or {DATA_ENV} at the folder that contains '{DATASET_NAME}/'."
    )


def _download(url: str, cache: Path) -> Path:
    import keras

    logger.info("Downloading the cats-vs-dogs photos from %s", url)
    # get_file falls back to /tmp/.keras when the folder does not exist yet.
    cache.mkdir(parents=True, exist_ok=True)
    extracted = keras.utils.get_file(
        fname=f"{DATASET_NAME}.zip",
        origin=url,
        extract=True,
        cache_dir=str(cache),
    )
    found = _resolve(Path(extracted))
    if found is None:
        raise DatasetNotFoundError(
            f"the archive from {url} unpacked to {extracted}, which lacks "
            f"'{DATASET_NAME}/' with train/ and validation/"
        )
    return found


@dataclasses.dataclass(frozen=True)
class ImageProblem:
    """A file that cannot be used as a training image, and why."""

    path: Path
    reason: str


@dataclasses.dataclass(frozen=True)
class ScanReport:
    """What `scan_images` found in a folder.

    Attributes:
        images: Files that decode completely, sorted by path.
        problems: Files that do not, with the reason for each.
        converted: Decodable files whose colour mode is not RGB (grayscale,
            RGBA, palette, CMYK, ...): they are loaded as RGB.
    """

    images: tuple[Path, ...]
    problems: tuple[ImageProblem, ...]
    converted: tuple[Path, ...] = ()

    def __str__(self) -> str:
        lines = [
            f"{len(self.images)} usable images, {len(self.problems)} skipped, "
            f"{len(self.converted)} converted to RGB"
        ]
        lines += [f"  skipped {p.path}: {p.reason}" for p in self.problems]
        return "\n".join(lines)


def scan_images(directory: str | os.PathLike[str]) -> ScanReport:
    """Check every image file under `directory` before it is used for training.

    Each file with an image suffix (`.jpg`, `.jpeg`, `.png`, `.bmp`, `.gif`)
    is decoded completely. Files that fail (empty, truncated, corrupt, or not
    an image at all) are reported by path and reason and left out; a warning
    names them, so nothing is skipped silently and no epoch crashes halfway.
    Other files (a stray `.DS_Store`) are ignored.

    Args:
        directory: Folder to scan, recursively.

    Returns:
        The usable images, the problems, and the files that will be converted
            to RGB.

    Raises:
        NotADirectoryError: `directory` is not a folder.

    Examples:
        ```python
        report = scan_images("cats_and_dogs_filtered/train")
        len(report.images), len(report.problems)
        # (2000, 0)
        ```
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise NotADirectoryError(f"directory={str(directory)!r} is not a folder")
    images, problems, converted = [], [], []
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        reason, mode = inspect_photo(path)
        if reason is not None:
            problems.append(ImageProblem(path, reason))
            continue
        images.append(path)
        if mode != "RGB":
            converted.append(path)
    report = ScanReport(tuple(images), tuple(problems), tuple(converted))
    if problems:
        warnings.warn(
            f"Skipping {len(problems)} unusable image(s) under {directory}:\n"
            + "\n".join(f"  {p.path}: {p.reason}" for p in problems),
            stacklevel=2,
        )
    return report


@dataclasses.dataclass(frozen=True)
class Split:
    """File paths and labels of one subset of the photos."""

    paths: tuple[Path, ...]
    labels: tuple[int, ...]

    def counts(self) -> dict[str, int]:
        """Photos per class, e.g. ``{"cats": 800, "dogs": 800}``."""
        return {name: self.labels.count(i) for i, name in enumerate(CLASS_NAMES)}


def split_files(
    root: str | os.PathLike[str],
    *,
    validation_fraction: float = 0.2,
    seed: int = 1337,
) -> tuple[Split, Split, Split]:
    """Split the photos into training, validation and held-out test files.

    The validation set is carved out of `train/`, class by class, so both
    classes keep their proportions (stratified). The 1,000 photos of
    `validation/` become the test set. Unusable files are skipped and
    reported by `scan_images`.

    Args:
        root: The `cats_and_dogs_filtered` folder (see `find_dataset`).
        validation_fraction: Share of each class of `train/` that goes to the
            validation set, in [0, 1).
        seed: Seed of the shuffle that picks the validation photos.

    Returns:
        `(train, validation, test)`; each file appears in exactly one.

    Raises:
        ValueError: `validation_fraction` is outside [0, 1).

    Examples:
        ```python
        train, val, test = split_files(find_dataset())
        train.counts(), val.counts(), test.counts()
        # ({'cats': 800, 'dogs': 800}, {'cats': 200, 'dogs': 200}, {'cats': 500, 'dogs': 500})
        ```
    """  # noqa: E501
    if not 0.0 <= validation_fraction < 1.0:
        raise ValueError(
            f"validation_fraction={validation_fraction!r} must lie in [0, 1)"
        )
    root = Path(root)
    rng = np.random.default_rng(seed)
    train: list[tuple[Path, int]] = []
    validation: list[tuple[Path, int]] = []
    test: list[tuple[Path, int]] = []
    for label, name in enumerate(CLASS_NAMES):
        files = list(scan_images(root / "train" / name).images)
        order = rng.permutation(len(files))
        n_val = round(len(files) * validation_fraction)
        validation += [(files[i], label) for i in sorted(order[:n_val])]
        train += [(files[i], label) for i in sorted(order[n_val:])]
        test += [(p, label) for p in scan_images(root / "validation" / name).images]

    def as_split(pairs: list[tuple[Path, int]]) -> Split:
        return Split(tuple(p for p, _ in pairs), tuple(label for _, label in pairs))

    return as_split(train), as_split(validation), as_split(test)


def _tensorflow(caller: str) -> Any:
    """TensorFlow, imported on first use, or an error saying how to install it."""
    try:
        import tensorflow as tf
    except ImportError as error:
        raise ImportError(
            f"{caller} builds a tf.data pipeline and needs TensorFlow: "
            "pip install 'modern-convnets[tensorflow]'. On JAX or PyTorch, "
            "load_arrays gives the same pixels as NumPy arrays."
        ) from error
    return tf


def make_dataset(
    split: Split,
    *,
    image_size: Sequence[int] = (180, 180),
    batch_size: int = 32,
    shuffle: bool = False,
    seed: int = 1337,
) -> tf.data.Dataset:
    """Turn a `Split` into a batched `tf.data.Dataset` of (images, labels).

    Photos are read by `photos.read_photo` (upright, over white, RGB), resized
    with `photos.resize_bilinear` (as `keras.utils.image_dataset_from_directory`),
    and kept as float32 pixels in [0, 255]: models rescale them themselves.
    The decoded images are cached in memory after the first pass, shuffled
    (when asked) after the cache so each epoch sees a new order, and
    prefetched.

    Args:
        split: Files and labels, from `split_files`.
        image_size: (height, width) after resizing.
        batch_size: Images per batch.
        shuffle: Reshuffle every epoch (for training).
        seed: Seed of the shuffle.

    Returns:
        A dataset of `(images, labels)` batches: float32 `(b, h, w, 3)` and
            float32 `(b,)`, with `class_names` and `file_paths` attributes.

    Raises:
        ValueError: A size or batch size is not a positive integer.
        ImportError: TensorFlow is not installed.

    Examples:
        ```python
        train, _, _ = split_files(find_dataset())
        ds = make_dataset(train, image_size=(150, 150), shuffle=True)
        ```
    """
    height, width = check_size(image_size)
    if not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} must be a positive integer")
    tf = _tensorflow("make_dataset")

    def decode(path: tf.Tensor) -> tf.Tensor:
        image = tf.numpy_function(
            lambda p: load_photo(p, (height, width)),
            [path],
            tf.float32,
            stateful=False,
        )
        image.set_shape([height, width, 3])
        return image

    paths = tf.constant([str(p) for p in split.paths], dtype=tf.string)
    labels = tf.constant(split.labels, dtype=tf.float32)
    ds = tf.data.Dataset.from_tensor_slices((paths, labels))
    ds = ds.map(
        lambda p, y: (decode(p), y),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    ).cache()
    if shuffle:
        ds = ds.shuffle(len(split.paths), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    ds.class_names = list(CLASS_NAMES)
    ds.file_paths = [str(p) for p in split.paths]
    return ds


def load_arrays(
    split: Split, *, image_size: Sequence[int] = (180, 180)
) -> tuple[np.ndarray, np.ndarray]:
    """Decode and resize a `Split` into NumPy arrays, on any Keras backend.

    The same pixels as `make_dataset` (`photos.load_photo`),
    all in memory: 1,600 photos at 180 × 180 take 622 MB.

    Args:
        split: Files and labels, from `split_files`.
        image_size: (height, width) after resizing.

    Returns:
        `(images, labels)`: float32 `(n, h, w, 3)` pixels in [0, 255] and
            float32 `(n,)` labels, 0 (cat) or 1 (dog).

    Raises:
        ValueError: `image_size` is not two positive integers.

    Examples:
        ```python
        _, validation, _ = split_files(find_dataset())
        images, labels = load_arrays(validation, image_size=(90, 90))
        images.shape, labels.mean()
        # ((400, 90, 90, 3), 0.5)
        ```
    """
    size = check_size(image_size)
    images = np.empty((len(split.paths), *size, 3), np.float32)
    for i, path in enumerate(split.paths):
        images[i] = load_photo(path, size)
    return images, np.asarray(split.labels, np.float32)


def cats_vs_dogs(
    path: str | os.PathLike[str] | None = None,
    *,
    image_size: Sequence[int] = (180, 180),
    batch_size: int = 32,
    validation_fraction: float = 0.2,
    seed: int = 1337,
) -> tuple[tf.data.Dataset, tf.data.Dataset, tf.data.Dataset]:
    """The cats-vs-dogs photos as `(train, validation, test)` datasets.

    With the default 20% validation fraction: 1,600 training photos (800 per
    class, reshuffled every epoch), 400 validation photos (200 per class) and
    the 1,000 held-out test photos (500 per class). The per-class counts are
    logged at INFO level.

    Args:
        path: Where the photos are; see `find_dataset` for the search order.
        image_size: (height, width) the photos are resized to.
        batch_size: Images per batch.
        validation_fraction: Share of each class of `train/` used for validation.
        seed: Seed for the validation split and the training shuffle.

    Returns:
        Three `tf.data.Dataset`s of `(images, labels)`; images are float32 RGB
            pixels in [0, 255], labels float32 0 (cat) or 1 (dog).

    Raises:
        ImportError: TensorFlow is not installed.

    Examples:
        ```python
        train, val, test = cats_vs_dogs(image_size=(150, 150))
        [ds.cardinality().numpy() for ds in (train, val, test)]
        # [50, 13, 32]
        ```
    """
    _tensorflow("cats_vs_dogs")  # before any search or download
    root = find_dataset(path)
    train, validation, test = split_files(
        root, validation_fraction=validation_fraction, seed=seed
    )
    for name, split in (("train", train), ("validation", validation), ("test", test)):
        logger.info("%s: %d photos %s", name, len(split.paths), split.counts())
    return (
        make_dataset(
            train, image_size=image_size, batch_size=batch_size, shuffle=True, seed=seed
        ),
        make_dataset(validation, image_size=image_size, batch_size=batch_size),
        make_dataset(test, image_size=image_size, batch_size=batch_size),
    )


def augmentation(seed: int | None = None) -> keras.Sequential:
    """The guide's data augmentation: horizontal flips, ±10% rotation, ±20% zoom.

    Active in training (inside `model.fit`, or `training=True`); at inference
    (`model.predict`, `model.evaluate`, or `training=False`) it passes images
    through unchanged. Keras 3's random layers default to `training=True`
    when a model is called directly as `model(x)`: pass `training=False`.

    Args:
        seed: Seed of the random transformations, for reproducible runs.

    Returns:
        A `keras.Sequential` named `"augmentation"` to put first in a model.

    Examples:
        >>> import keras
        >>> inputs = keras.Input((180, 180, 3))
        >>> x = augmentation(seed=0)(inputs)
    """
    import keras
    from keras import layers

    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed, name="random_flip"),
            layers.RandomRotation(0.1, seed=seed, name="random_rotation"),
            layers.RandomZoom(0.2, seed=seed, name="random_zoom"),
        ],
        name="augmentation",
    )
