import contextlib
import functools
import http.server
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import make_tiny_dataset, write_jpeg
from PIL import Image

from modern_convnets import data
from modern_convnets.data import (
    DatasetNotFoundError,
    augmentation,
    cats_vs_dogs,
    find_dataset,
    make_dataset,
    scan_images,
    split_files,
)

# --- where the photos are found ----------------------------------------------


def test_explicit_path_wins_over_environment(clean_env, tmp_path, monkeypatch):
    first = make_tiny_dataset(tmp_path / "a")
    second = make_tiny_dataset(tmp_path / "b")
    monkeypatch.setenv("MODERN_CONVNETS_DATA", str(second.parent))
    assert find_dataset(first.parent) == first
    assert find_dataset(first) == first  # the data set folder itself works too
    assert find_dataset() == second


def test_environment_wins_over_keras_cache(clean_env, tmp_path, monkeypatch):
    cached = make_tiny_dataset(tmp_path / "keras-home" / "datasets")
    assert find_dataset(download=False) == cached
    env = make_tiny_dataset(tmp_path / "env")
    monkeypatch.setenv("MODERN_CONVNETS_DATA", str(env.parent))
    assert find_dataset(download=False) == env


def test_keras3_extracted_cache_layout_is_found(clean_env, tmp_path):
    extracted = (
        tmp_path / "keras-home" / "datasets" / "cats_and_dogs_filtered_extracted"
    )
    created = make_tiny_dataset(extracted)
    assert find_dataset(download=False) == created


@pytest.mark.parametrize("source", ["argument", "environment"])
def test_explicit_location_without_photos_is_an_error(
    clean_env, tmp_path, monkeypatch, source
):
    empty = tmp_path / "empty"
    empty.mkdir()
    make_tiny_dataset(tmp_path / "keras-home" / "datasets")  # must not be used
    if source == "environment":
        monkeypatch.setenv("MODERN_CONVNETS_DATA", str(empty))
        expected = "MODERN_CONVNETS_DATA="
        call = functools.partial(find_dataset)
    else:
        expected = "path="
        call = functools.partial(find_dataset, empty)
    with pytest.raises(DatasetNotFoundError, match=expected) as error:
        call()
    assert str(empty) in str(error.value)


@contextlib.contextmanager
def serve(folder: Path):
    """Serve `folder` over HTTP on 127.0.0.1 while the block runs."""
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(folder)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def zip_dataset(source: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(source.rglob("*")):
            zf.write(path, path.relative_to(source.parent))
    return archive


def test_downloads_and_unpacks_the_archive_then_reuses_it(clean_env, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    zip_dataset(
        make_tiny_dataset(tmp_path / "origin"), served / "cats_and_dogs_filtered.zip"
    )
    with serve(served) as base:
        found = find_dataset(url=f"{base}/cats_and_dogs_filtered.zip")
    assert found.name == "cats_and_dogs_filtered"
    assert found.is_relative_to(tmp_path / "keras-home" / "datasets")
    assert len(list((found / "train" / "cats").glob("*.jpg"))) == 10
    assert len(list((found / "validation" / "dogs").glob("*.jpg"))) == 4
    # The server is gone: the cached copy is found without downloading.
    assert find_dataset(download=False) == found


def test_download_from_file_url(clean_env, tmp_path):
    archive = zip_dataset(make_tiny_dataset(tmp_path / "origin"), tmp_path / "c.zip")
    found = find_dataset(url=archive.as_uri())
    assert (found / "train" / "dogs" / "dog.9.jpg").is_file()


def test_nothing_found_lists_every_option(clean_env):
    with serve(clean_env) as base:  # a server without the archive: HTTP 404
        url = f"{base}/cats_and_dogs_filtered.zip"
        with pytest.raises(DatasetNotFoundError) as error:
            find_dataset(url=url)
    message = str(error.value)
    for option in (
        "`path` argument",
        "MODERN_CONVNETS_DATA",
        "Keras's dataset cache",
        url,
    ):
        assert option in message
    assert "404" in message


def test_download_can_be_switched_off(clean_env):
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        find_dataset(download=False)


# --- checking every file -------------------------------------------------------


@pytest.fixture
def messy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "messy"
    write_jpeg(folder / "good.jpg", seed=1)
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("not a picture")
    full = (folder / "good.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(full[: len(full) // 2])
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (8, 9), dtype=np.uint8), "L").save(
        folder / "gray.png"
    )
    Image.fromarray(rng.integers(0, 256, (8, 9, 4), dtype=np.uint8), "RGBA").save(
        folder / "alpha.png"
    )
    Image.fromarray(rng.integers(0, 256, (8, 9, 3), dtype=np.uint8)).convert("P").save(
        folder / "palette.gif"
    )
    (folder / "sub").mkdir()
    Image.fromarray(rng.integers(0, 256, (8, 9, 3), dtype=np.uint8)).convert(
        "CMYK"
    ).save(folder / "sub" / "cmyk.jpg")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    return folder


def test_scan_reports_bad_files_by_path_and_reason(messy_folder):
    with pytest.warns(UserWarning, match="Skipping 3 unusable image") as caught:
        report = scan_images(messy_folder)
    names = [p.name for p in report.images]
    assert names == ["alpha.png", "good.jpg", "gray.png", "palette.gif", "cmyk.jpg"]
    problems = {p.path.name: p.reason for p in report.problems}
    assert set(problems) == {"empty.jpg", "notes.jpg", "truncated.jpg"}
    assert problems["empty.jpg"] == "empty file (0 bytes)"
    assert problems["notes.jpg"].startswith("not an image")
    assert "truncated" in problems["truncated.jpg"]
    assert sorted(p.name for p in report.converted) == [
        "alpha.png",
        "cmyk.jpg",
        "gray.png",
        "palette.gif",
    ]
    warning = str(caught[0].message)
    assert str(messy_folder / "truncated.jpg") in warning
    assert "3 skipped" in str(report)


def test_scan_rejects_a_missing_folder(tmp_path):
    with pytest.raises(NotADirectoryError, match="directory="):
        scan_images(tmp_path / "nowhere")


# --- splits and datasets -------------------------------------------------------


def test_split_is_stratified_disjoint_and_seeded(tiny_dataset):
    train, val, test = split_files(tiny_dataset, validation_fraction=0.2, seed=3)
    assert train.counts() == {"cats": 8, "dogs": 8}
    assert val.counts() == {"cats": 2, "dogs": 2}
    assert test.counts() == {"cats": 4, "dogs": 4}
    assert not set(train.paths) & set(val.paths)
    assert all(p.parent.parent.name == "validation" for p in test.paths)
    assert all(
        p.parent.name == ("cats", "dogs")[y]
        for p, y in zip(train.paths, train.labels, strict=True)
    )
    again = split_files(tiny_dataset, validation_fraction=0.2, seed=3)[1]
    other = split_files(tiny_dataset, validation_fraction=0.2, seed=4)[1]
    assert again == val
    assert other != val


def test_unusable_files_are_left_out_of_the_split(tiny_dataset):
    (tiny_dataset / "train" / "cats" / "cat.99.jpg").write_bytes(b"")
    with pytest.warns(UserWarning, match=r"cat\.99\.jpg: empty file"):
        train, val, _ = split_files(tiny_dataset, validation_fraction=0.2)
    assert len(train.paths) + len(val.paths) == 20


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_bad_validation_fraction(tiny_dataset, fraction):
    with pytest.raises(
        ValueError, match=rf"validation_fraction={fraction!r} must lie in \[0, 1\)"
    ):
        split_files(tiny_dataset, validation_fraction=fraction)


@pytest.mark.tensorflow
def test_dataset_batches_resized_float_pixels(tiny_dataset):
    test = split_files(tiny_dataset)[2]
    ds = make_dataset(test, image_size=(24, 20), batch_size=3)
    batches = list(ds)
    assert [b[0].shape[0] for b in batches] == [3, 3, 2]
    images, labels = batches[0]
    assert images.shape == (3, 24, 20, 3)
    assert images.dtype.name == "float32"
    assert labels.numpy().tolist() == [0.0, 0.0, 0.0]
    assert float(images.numpy().min()) >= 0.0
    assert float(images.numpy().max()) <= 255.0
    assert ds.class_names == ["cats", "dogs"]
    assert ds.file_paths[0].endswith("cat.2000.jpg")


@pytest.mark.tensorflow
def test_training_order_is_seeded_and_changes_every_epoch(tiny_dataset):
    train, _, _ = split_files(tiny_dataset)

    def epochs(seed):
        ds = make_dataset(
            train, image_size=(8, 8), batch_size=16, shuffle=True, seed=seed
        )
        return [next(iter(ds))[0].numpy() for _ in range(2)]

    first, second = epochs(5)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(epochs(5)[0], first)


@pytest.mark.tensorflow
def test_dataset_decodes_cmyk_and_grayscale(tmp_path, messy_folder):
    split = data.Split(
        (messy_folder / "sub" / "cmyk.jpg", messy_folder / "gray.png"), (0, 1)
    )
    images, _ = next(iter(make_dataset(split, image_size=(8, 9), batch_size=2)))
    assert images.shape == (2, 8, 9, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"image_size": (0, 10)},
            r"image_size=\(0, 10\) must be two positive integers",
        ),
        ({"image_size": (10,)}, r"image_size=\(10,\)"),
        ({"batch_size": 0}, r"batch_size=0 must be a positive integer"),
    ],
)
def test_bad_dataset_arguments(tiny_dataset, kwargs, message):
    test = split_files(tiny_dataset)[2]
    with pytest.raises(ValueError, match=message):
        make_dataset(test, **kwargs)


def test_without_tensorflow_the_pipelines_name_the_extra(tiny_dataset, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # import fails
    test = split_files(tiny_dataset)[2]
    extra = r"pip install 'modern-convnets\[tensorflow\]'.*load_arrays"
    with pytest.raises(ImportError, match=r"make_dataset builds a tf.data .*" + extra):
        make_dataset(test)
    with pytest.raises(ImportError, match=r"cats_vs_dogs builds a tf.data .*" + extra):
        cats_vs_dogs(tiny_dataset.parent)


@pytest.mark.tensorflow
def test_cats_vs_dogs_leaves_the_data_folder_untouched(tiny_dataset):
    def snapshot():
        return sorted(
            (
                str(p.relative_to(tiny_dataset.parent)),
                p.stat().st_size,
                p.stat().st_mtime_ns,
            )
            for p in tiny_dataset.parent.rglob("*")
        )

    before = snapshot()
    train, val, test = cats_vs_dogs(
        tiny_dataset.parent, image_size=(16, 16), batch_size=4
    )
    for ds in (train, val, test):
        for _ in ds:
            pass
    assert snapshot() == before


def test_real_photos_split_sizes(real_data):
    train, val, test = split_files(real_data)
    assert (len(train.paths), len(val.paths), len(test.paths)) == (1600, 400, 1000)
    assert train.counts() == {"cats": 800, "dogs": 800}
    assert val.counts() == {"cats": 200, "dogs": 200}
    assert test.counts() == {"cats": 500, "dogs": 500}
    assert test.paths[0].name == "cat.2000.jpg"


@pytest.mark.tensorflow
def test_real_photos_first_batch(real_data):
    train, val, test = cats_vs_dogs(real_data.parent, batch_size=8)
    assert [int(ds.cardinality()) for ds in (train, val, test)] == [200, 50, 125]
    images, labels = next(iter(test))
    assert images.shape == (8, 180, 180, 3)
    assert labels.numpy().tolist() == [0.0] * 8


# --- augmentation ----------------------------------------------------------------


def test_augmentation_is_the_guide_recipe():
    block = augmentation(seed=0)
    kinds = [(type(layer).__name__) for layer in block.layers]
    assert kinds == ["RandomFlip", "RandomRotation", "RandomZoom"]
    assert block.layers[0].mode == "horizontal"
    assert block.layers[1].factor == (-0.1, 0.1)
    assert block.layers[2].height_factor == 0.2


def test_augmentation_only_acts_in_training():
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    block = augmentation(seed=1)
    np.testing.assert_array_equal(np.asarray(block(images, training=False)), images)
    assert not np.allclose(np.asarray(block(images, training=True)), images)


@pytest.mark.tensorflow
def test_load_arrays_gives_the_pixels_of_make_dataset(tiny_dataset):
    from modern_convnets.data import load_arrays, make_dataset, split_files

    train, _, _ = split_files(tiny_dataset)
    images, labels = load_arrays(train, image_size=(24, 20))
    batches = list(make_dataset(train, image_size=(24, 20), batch_size=64))
    np.testing.assert_array_equal(images, batches[0][0].numpy())
    np.testing.assert_array_equal(labels, batches[0][1].numpy())
    with pytest.raises(ValueError, match=r"image_size=\(0, 3\)"):
        load_arrays(train, image_size=(0, 3))
