"""Shared fixtures: tiny generated image folders and the real photos."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Deselect the tests marked `tensorflow` on the JAX and PyTorch backends.

    They need TensorFlow itself (the `tf.data` pipelines), which an
    environment for another backend need not have.
    """
    import keras

    if keras.backend.backend() == "tensorflow":
        return
    needs_tf = [item for item in items if item.get_closest_marker("tensorflow")]
    if needs_tf:
        config.hook.pytest_deselected(items=needs_tf)
        items[:] = [item for item in items if item not in needs_tf]


def write_jpeg(path: Path, seed: int, size: tuple[int, int] = (40, 30)) -> Path:
    """A small noisy RGB JPEG, different for every seed."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, quality=90)
    return path


def make_tiny_dataset(root: Path, per_class: int = 10, test_per_class: int = 4) -> Path:
    """A miniature `cats_and_dogs_filtered` with the real layout and file names."""
    folder = root / "cats_and_dogs_filtered"
    seed = 0
    for name, prefix in (("cats", "cat"), ("dogs", "dog")):
        for i in range(per_class):
            write_jpeg(folder / "train" / name / f"{prefix}.{i}.jpg", seed)
            seed += 1
        for i in range(test_per_class):
            write_jpeg(folder / "validation" / name / f"{prefix}.{2000 + i}.jpg", seed)
            seed += 1
    return folder


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> Path:
    return make_tiny_dataset(tmp_path / "data")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No data or weights variables set; caches point into tmp_path."""
    for name in (
        "MODERN_CONVNETS_DATA",
        "MODERN_CONVNETS_XCEPTION_WEIGHTS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setenv("MODERN_CONVNETS_CACHE", str(tmp_path / "cache"))
    return tmp_path


def _real_data_root() -> Path | None:
    from modern_convnets.data import _resolve

    for candidate in (
        os.environ.get("MODERN_CONVNETS_DATA"),
        REPO.parent / "shared" / "data",
    ):
        if candidate:
            found = _resolve(Path(candidate))
            if found is not None:
                return found
    return None


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real photos; missing them fails on CI and skips elsewhere."""
    root = _real_data_root()
    if root is None:
        message = "the cats-vs-dogs photos are not here: set MODERN_CONVNETS_DATA"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return root


# The built site (tests/website, marked `site`): where it is, its pages, and
# fixtures to serve and browse it.
SITE = Path(os.environ.get("MODERN_CONVNETS_SITE", REPO / "site"))
REPORT = REPO / "build" / "site-check"


def site_pages() -> list[str]:
    """Every page of the built site, as a URL path ('' is the home page)."""
    if not SITE.is_dir():
        return []
    pages = []
    for html in sorted(SITE.rglob("index.html")):
        relative = html.parent.relative_to(SITE).as_posix()
        if relative.startswith(("assets", "search")):
            continue
        pages.append("" if relative == "." else relative + "/")
    return pages


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site in {SITE}: run `nox -s docs` (mkdocs build) first")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """The site served on 127.0.0.1 at a free port."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def _chromium() -> str:
    for name in (
        os.environ.get("MODERN_CONVNETS_CHROMIUM"),
        "chromium",
        "chromium-browser",
    ):
        if name and (found := shutil.which(name)):
            return found
    pytest.fail(
        "no Chromium found: install Debian's `chromium` package "
        "(apt-get install chromium) or set MODERN_CONVNETS_CHROMIUM"
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless system Chromium driven by Playwright (no browser download)."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=_chromium(),
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def report_dir() -> Path:
    (REPORT / "screenshots").mkdir(parents=True, exist_ok=True)
    return REPORT
