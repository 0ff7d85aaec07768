"""The lab page in headless Chromium: the browser's numbers against Keras's.

The lab runs the shipped models with TensorFlow.js. For the same decoded
pixels it must give Keras's probabilities, activations and Grad-CAM maps;
for a real JPEG chosen through the file input, Keras's probabilities to
within what two JPEG decoders differ by. Bad files get a message, and the
page keeps working. The measured differences land in
`build/site-check/lab.json`.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.site

# Held-out photos (validation/), none of them a sample photo of the page.
PARITY_PHOTOS = [f"cats/cat.{n}.jpg" for n in range(2000, 2004)] + [
    f"dogs/dog.{n}.jpg" for n in range(2000, 2004)
]
UPLOAD_PHOTOS = [
    "cats/cat.2010.jpg",
    "cats/cat.2011.jpg",
    "dogs/dog.2010.jpg",
    "dogs/dog.2011.jpg",
]
# Same pixels in both: float32 arithmetic in a different order.
PROBABILITY_TOLERANCE = 1e-5
MAP_TOLERANCE = 1e-4
# Chromium and Pillow both decode with libjpeg-turbo: on UPLOAD_PHOTOS the
# shown P(dog) differed from Keras's by at most 6e-8 (measured), float noise.
UPLOAD_TOLERANCE = 1e-5
ALPHA_TOLERANCE = 1e-2  # see test_bad_and_unusual_files_get_a_message_or_a_result
DOWNLOAD_LIMIT = 10_000_000  # bytes the lab page fetches, models included
REPORT: dict[str, object] = {}

ENCODE = """
(array) => {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}
"""
ANALYSE = f"""
async ({{pixels, height, width, model, layers, gradcamLayers}}) => {{
  const lab = window.modernConvnetsLab;
  await lab.ready;
  const encode = {ENCODE};
  const raw = Uint8Array.from(atob(pixels), (c) => c.charCodeAt(0));
  const [h, w] = lab.manifest.models[0].input_size;
  const resized = lab.resizeBilinear(raw, height, width, 3, h, w);
  const result = lab.analyse(model, resized, {{layers, gradcamLayers}});
  const out = {{resized: encode(resized), pDog: result.pDog, activations: {{}},
               gradcam: {{}}}};
  for (const [name, value] of Object.entries(result.activations)) {{
    out.activations[name] = encode(value.data);
  }}
  for (const [name, maps] of Object.entries(result.gradcam)) {{
    out.gradcam[name] = {{dog: encode(maps.dog), cat: encode(maps.cat),
                          shape: maps.shape}};
  }}
  return out;
}}
"""


def _floats(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


def _write_report(report_dir: Path) -> None:
    (report_dir / "lab.json").write_text(json.dumps(REPORT, indent=2) + "\n")


@pytest.fixture(scope="module")
def lab_tab(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" else None,
    )
    tab.goto(server + "lab/", wait_until="load")
    tab.evaluate("() => window.modernConvnetsLab.ready")
    tab.problems = problems
    yield tab
    context.close()


@pytest.fixture(scope="module")
def manifest(site: Path) -> dict:
    return json.loads((site / "lab" / "lab.json").read_text())


@pytest.fixture(scope="module")
def keras_models(manifest):
    from modern_convnets.shipped import load_trained

    return {entry["name"]: load_trained(entry["name"]) for entry in manifest["models"]}


def _p_dog(model, batch: np.ndarray) -> float:
    return float(np.asarray(model(batch, training=False))[0, 0])


def test_the_browser_computes_what_keras_computes(
    lab_tab, manifest, keras_models, real_data, report_dir
):
    from modern_convnets.activations import get_activations
    from modern_convnets.gradcam import gradcam
    from modern_convnets.photos import read_photo, resize_bilinear

    worst = {"resize": 0.0, "p_dog": 0.0, "activations": 0.0, "gradcam": 0.0}
    for relative in PARITY_PHOTOS:
        pixels = read_photo(real_data / "validation" / relative)
        resized = resize_bilinear(pixels, (180, 180))
        batch = resized[None]
        for entry in manifest["models"]:
            name = entry["name"]
            layers = [layer["name"] for layer in entry["layers"]]
            result = lab_tab.evaluate(
                ANALYSE,
                {
                    "pixels": base64.b64encode(pixels.tobytes()).decode(),
                    "height": pixels.shape[0],
                    "width": pixels.shape[1],
                    "model": name,
                    "layers": layers,
                    "gradcamLayers": entry["gradcam_layers"],
                },
            )
            model = keras_models[name]
            browser_pixels = _floats(result["resized"]).reshape(resized.shape)
            worst["resize"] = max(
                worst["resize"], np.abs(browser_pixels - resized).max()
            )
            difference = abs(result["pDog"] - _p_dog(model, batch))
            worst["p_dog"] = max(worst["p_dog"], difference)
            expected = get_activations(model, batch, layers)
            for layer in layers:
                got = _floats(result["activations"][layer])
                want = expected[layer].reshape(-1)
                worst["activations"] = max(
                    worst["activations"], np.abs(got - want).max()
                )
            for layer in entry["gradcam_layers"]:
                for index, label in enumerate(manifest["classes"]):
                    want = gradcam(model, batch, layer_name=layer, target=index)[0]
                    got = _floats(result["gradcam"][layer][label]).reshape(want.shape)
                    worst["gradcam"] = max(worst["gradcam"], np.abs(got - want).max())
    REPORT["parity"] = {"photos": len(PARITY_PHOTOS)} | {
        key: float(value) for key, value in worst.items()
    }
    _write_report(report_dir)
    assert worst["resize"] <= 1e-3, worst
    assert worst["p_dog"] <= PROBABILITY_TOLERANCE, worst
    assert worst["activations"] <= MAP_TOLERANCE, worst
    assert worst["gradcam"] <= MAP_TOLERANCE, worst
    assert not lab_tab.problems


def _choose(tab, files) -> str:
    """Choose files through the page's file input; wait until they are shown."""
    before = tab.evaluate("() => window.modernConvnetsLab.processed")
    tab.set_input_files("input[type=file]", files)
    tab.wait_for_function("(n) => window.modernConvnetsLab.processed > n", arg=before)
    return tab.evaluate(
        "() => [document.getElementById('mc-lab-status').dataset.kind, "
        "document.getElementById('mc-lab-status').textContent]"
    )


def _shown(tab) -> dict[str, float]:
    return tab.eval_on_selector_all(
        '[data-testid="prediction"]',
        "els => Object.fromEntries(els.map(e => [e.dataset.model, "
        "Number(e.dataset.pDog)]))",
    )


def test_an_uploaded_photo_gets_keras_probabilities(
    lab_tab, keras_models, real_data, report_dir
):
    from modern_convnets.images import model_batch

    worst = 0.0
    for relative in UPLOAD_PHOTOS:
        path = real_data / "validation" / relative
        kind, message = _choose(lab_tab, str(path))
        assert kind == "done", message
        shown = _shown(lab_tab)
        for name, model in keras_models.items():
            worst = max(
                worst, abs(shown[name] - _p_dog(model, model_batch(model, path)))
            )
        # The overlays are drawn: not blank canvases.
        drawn = lab_tab.eval_on_selector_all(
            'canvas[data-testid="gradcam"]',
            "cs => cs.map(c => c.getContext('2d').getImageData(0, 0, c.width, "
            "c.height).data.some(v => v !== 0 && v !== 255))",
        )
        assert len(drawn) == 4
        assert all(drawn)
    REPORT["upload_p_dog"] = float(worst)
    REPORT["timings_ms"] = lab_tab.evaluate(
        "() => window.modernConvnetsLab.lastTimings"
    )
    _write_report(report_dir)
    assert worst <= UPLOAD_TOLERANCE


def test_twenty_photos_leave_no_tensor_behind(lab_tab, real_data):
    photos = sorted((real_data / "validation" / "dogs").glob("*.jpg"))[20:40]
    counts = []
    for path in photos:
        kind, message = _choose(lab_tab, str(path))
        assert kind == "done", message
        counts.append(lab_tab.evaluate("() => window.modernConvnetsLab.numTensors()"))
    assert counts[-1] == counts[0], counts


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_bad_and_unusual_files_get_a_message_or_a_result(
    lab_tab, keras_models, real_data, tmp_path, report_dir
):
    from modern_convnets.images import model_batch
    from modern_convnets.photos import read_photo

    photo = Image.open(real_data / "validation" / "cats" / "cat.2020.jpg")
    good = _jpeg(photo)
    rng = np.random.default_rng(0)
    alpha = photo.convert("RGBA")
    opacity = rng.integers(0, 256, photo.size[::-1], "uint8")
    opacity[: photo.height // 3] = 0  # a fully transparent band: laid over white
    alpha.putalpha(Image.fromarray(opacity))
    big = photo.resize((8000, 8000), Image.Resampling.BILINEAR)
    files = {
        "notes.jpg": (b"These are my notes, not a photo.\n" * 20, "error"),
        "corrupt.jpg": (
            good[:600] + bytes(rng.integers(0, 256, 4000, "uint8")),
            "error",
        ),
        "empty.jpg": (b"", "error"),
        "grey.jpg": (_jpeg(photo.convert("L")), "done"),
        "alpha.png": (_png(alpha), "done"),
        "huge.jpg": (_jpeg(big), "done"),
    }
    outcomes, gaps = {}, {}
    for name, (content, expected) in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        kind, message = _choose(lab_tab, str(path))
        outcomes[name] = message
        assert kind == expected, (name, message)
        if expected == "error":
            assert name in message
            continue
        shown = _shown(lab_tab)
        pixels = read_photo(path)
        for model_name, model in keras_models.items():
            want = _p_dog(model, model_batch(model, pixels))
            # Chromium blends transparent pixels over white in 8-bit
            # premultiplied steps, Pillow in its own: a grey level apart.
            tolerance = ALPHA_TOLERANCE if name == "alpha.png" else UPLOAD_TOLERANCE
            gaps[f"{name} {model_name}"] = abs(shown[model_name] - want)
            assert gaps[f"{name} {model_name}"] <= tolerance, (name, model_name)
        # And the page still works for the next photo.
        good_path = tmp_path / "good.jpg"
        good_path.write_bytes(good)
        assert _choose(lab_tab, str(good_path))[0] == "done"
    REPORT["bad_input"] = outcomes
    REPORT["unusual_p_dog"] = gaps
    _write_report(report_dir)
    assert not lab_tab.problems


def test_the_lab_downloads_under_the_limit_and_only_from_the_site(
    server, browser, report_dir
):
    context = browser.new_context()
    tab = context.new_page()
    sizes: dict[str, int] = {}
    hosts: set[str] = set()

    def count(response):
        hosts.add(urlparse(response.url).netloc)
        body = response.body() if response.status == 200 else b""
        sizes[urlparse(response.url).path] = len(body)

    tab.on("response", count)
    tab.goto(server + "lab/", wait_until="load")
    tab.evaluate("() => window.modernConvnetsLab.ready")
    tab.click("#mc-lab-samples button")
    tab.wait_for_selector('[data-testid="prediction"][data-p-dog]')
    total = sum(sizes.values())
    REPORT["download_bytes"] = total
    REPORT["largest_downloads"] = dict(sorted(sizes.items(), key=lambda kv: -kv[1])[:6])
    _write_report(report_dir)
    assert hosts == {urlparse(server).netloc}
    assert total <= DOWNLOAD_LIMIT, sizes
    context.close()


def test_other_pages_do_not_load_the_models(server, browser):
    context = browser.new_context()
    tab = context.new_page()
    requested: list[str] = []
    tab.on("request", lambda r: requested.append(urlparse(r.url).path))
    for page in ("", "part-b/gradcam/"):
        tab.goto(server + page, wait_until="networkidle")
    assert not [path for path in requested if "/lab/" in path]
    context.close()


def test_the_lab_says_it_needs_http_when_opened_from_disk(site, browser):
    context = browser.new_context()
    tab = context.new_page()
    tab.goto((site / "lab" / "index.html").as_uri(), wait_until="load")
    tab.wait_for_function("document.getElementById('mc-lab-status').dataset.kind")
    status = tab.text_content("#mc-lab-status")
    assert "served over HTTP" in status
    context.close()


def test_the_lab_is_keyboard_operable(lab_tab):
    """Tab reaches the file input, the sample photos and every layer choice."""
    wanted = {"mc-lab-file", "BUTTON"} | {
        f"mc-lab-{model}-{control}"
        for model in ("small_convnet", "mini_xception")
        for control in ("layer", "gradcam-layer")
    }
    lab_tab.focus("body")
    reached = set()
    for _ in range(200):  # the theme's navigation comes first
        lab_tab.keyboard.press("Tab")
        reached.add(
            lab_tab.evaluate(
                "() => document.activeElement.id || document.activeElement.tagName"
            )
        )
        if wanted <= reached:
            break
    assert wanted <= reached, wanted - reached
    # Enter on a sample photo runs it.
    lab_tab.focus("#mc-lab-samples button")
    lab_tab.keyboard.press("Enter")
    lab_tab.wait_for_function(
        "document.getElementById('mc-lab-status').dataset.kind === 'done'"
    )


def test_a_sideways_phone_photo_is_turned_upright_as_on_the_command_line(
    lab_tab, keras_models, real_data, tmp_path
):
    """EXIF orientation 6 (the camera held sideways): both read it upright."""
    from modern_convnets.explain import explain_pixels
    from modern_convnets.photos import read_photo

    photo = Image.open(real_data / "validation" / "dogs" / "dog.2030.jpg")
    stored = photo.transpose(Image.Transpose.ROTATE_90)  # as the sensor saw it
    exif = stored.getexif()
    exif[0x0112] = 6  # show rotated 90 degrees clockwise
    path = tmp_path / "sideways.jpg"
    stored.save(path, quality=95, exif=exif)
    upright = read_photo(path)
    assert upright.shape[:2] == (photo.height, photo.width)
    kind, message = _choose(lab_tab, str(path))
    assert kind == "done", message
    assert f"({photo.width} × {photo.height} pixels)" in message
    shown = _shown(lab_tab)
    for name, model in keras_models.items():
        expected = explain_pixels(name, model, upright).p_dog
        assert abs(shown[name] - expected) <= UPLOAD_TOLERANCE, name
