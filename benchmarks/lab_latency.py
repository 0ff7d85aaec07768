"""How long the lab takes from a chosen photo to everything shown, and where.

Serves the built site (`site/`, or --site), opens the lab in headless
Chromium, waits for the models, then chooses photos through the page's file
input, one after the other, several rounds. For each photo the page reports
(`modernConvnetsLab.lastTimings`, milliseconds): decoding and resizing, then
per model the forward pass, reading the selected layer's activations,
Grad-CAM for both classes with its overlays, and drawing; `total` runs from
the photo handed to the page to both models shown. Also measured from
outside: from `set_input_files` to the page's "processed" count going up.

    python benchmarks/lab_latency.py --rounds 5

The target is 250 ms in total on a 2-core CPU once the models are loaded.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import statistics
import threading
import time
from pathlib import Path

from timing import load_average

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ["cats/cat.2000.jpg", "dogs/dog.2000.jpg", "cats/cat.2001.jpg"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _flatten(timings: dict, prefix: str = "") -> dict[str, float]:
    flat = {}
    for key, value in timings.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site")
    parser.add_argument(
        "--data", type=Path, required=True, help="cats_and_dogs_filtered/"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error(f"--rounds={args.rounds}: measure at least 3 rounds")
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(args.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/lab/"
    samples: dict[str, list[float]] = {}
    before = load_average()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=args.chromium, args=["--no-sandbox"]
        )
        tab = browser.new_page()
        start = time.perf_counter()
        tab.goto(url)
        tab.evaluate("() => window.modernConvnetsLab.ready")
        load_seconds = time.perf_counter() - start
        for _ in range(args.rounds):
            for relative in PHOTOS:
                count = tab.evaluate("() => window.modernConvnetsLab.processed")
                start = time.perf_counter()
                tab.set_input_files(
                    "input[type=file]", str(args.data / "validation" / relative)
                )
                tab.wait_for_function(
                    "(n) => window.modernConvnetsLab.processed > n", arg=count
                )
                outside = (time.perf_counter() - start) * 1000
                timings = tab.evaluate("() => window.modernConvnetsLab.lastTimings")
                for key, value in {**_flatten(timings), "outside": outside}.items():
                    samples.setdefault(key, []).append(value)
        backend = tab.evaluate("() => window.modernConvnetsLab.backendName")
        browser.close()
    httpd.shutdown()
    print(f"lab at {url}, {backend}; models loaded in {load_seconds:.2f} s")
    print(
        f"{args.rounds} rounds × {len(PHOTOS)} photos; load average {before} before, "
        f"{load_average()} after"
    )
    print(f"{'step':<32} {'min ms':>8} {'median':>8} {'max':>8}")
    for key, values in samples.items():
        print(
            f"{key:<32} {min(values):8.1f} {statistics.median(values):8.1f} "
            f"{max(values):8.1f}"
        )
    print(json.dumps({k: min(v) for k, v in samples.items()}))


if __name__ == "__main__":
    main()
