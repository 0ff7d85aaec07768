"""Figures as image files beside their page, not base64 inside its HTML.

Notebook outputs carry their figures as PNG data URIs, which makes a page of
grids several megabytes of HTML that a browser must read before it shows
anything. Each figure becomes a file instead, named by its content, in the
format that suits it:

- lossless WebP, which keeps line plots and text exactly as drawn and is
  about half the size of the PNG;
- lossy WebP at quality 90 where that is under half the lossless size:
  photos, heatmaps and grids of noisy filter patterns, whose fine detail
  costs the most and shows compression the least.

The `<img>` gets its pixel size (no layout shift while images load), loads
lazily except the first figure of a page, and links to its file: a grid of
64 tiles is unreadable at column width, and the browser's own image view
enlarges it (pinch-zoom on a phone) with nothing more to load.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import shutil
from pathlib import Path

from PIL import Image

from modern_convnets._atomic import atomic_path

# Data URIs under this many bytes (icons) stay inline: a request costs more.
INLINE_LIMIT = 4096
LOSSY_QUALITY = 90
_DATA_IMAGE = re.compile(
    r'<img\b(?P<before>[^>]*?)\ssrc="data:image/png;base64,(?P<data>[A-Za-z0-9+/=]+)"'
    r"(?P<after>[^>]*)>"
)


def encode(png: bytes) -> tuple[bytes, str]:
    """The smaller suitable WebP encoding of a PNG image, and its extension.

    Args:
        png: A PNG file's bytes.

    Returns:
        The encoded bytes and "webp".

    Example:
        ```python
        data, extension = encode(Path("plot.png").read_bytes())
        ```
    """
    image = Image.open(io.BytesIO(png))
    image.load()
    lossless, lossy = io.BytesIO(), io.BytesIO()
    image.save(lossless, "WEBP", lossless=True, method=6)
    image.save(lossy, "WEBP", quality=LOSSY_QUALITY, method=6)
    if len(lossy.getvalue()) * 2 < len(lossless.getvalue()):
        return lossy.getvalue(), "webp"
    return lossless.getvalue(), "webp"


class FigureFiles:
    """Moves a page's inline PNG figures into files beside the page.

    Encodings are kept in `cache_dir` by the PNG's digest, so a rebuild
    re-encodes only new figures.

    Args:
        cache_dir: Where encoded figures are kept between builds.

    Example:
        ```python
        files = FigureFiles(Path(".cache/figure-files"))
        html = files.extract(html, Path("site/part-b/filters"))
        ```
    """

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.used: set[Path] = set()

    def _encoded(self, png: bytes) -> Path:
        key = hashlib.sha256(png).hexdigest()[:20]
        for cached in self.cache_dir.glob(f"{key}.*"):
            if not cached.name.startswith("."):
                self.used.add(cached)
                return cached
        data, extension = encode(png)
        path = self.cache_dir / f"{key}.{extension}"
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        self.used.add(path)
        return path

    def extract(self, html: str, page_dir: Path, folder: str = "figures") -> str:
        """Write `html`'s inline PNG figures under `page_dir/folder`, link them.

        Args:
            html: A built page.
            page_dir: The folder holding the page's `index.html`.
            folder: The figures' folder, relative to `page_dir`.

        Returns:
            The page with each large inline PNG replaced by a file reference.
        """
        count = 0

        def replace(match: re.Match[str]) -> str:
            nonlocal count
            png = base64.b64decode(match["data"])
            if len(png) < INLINE_LIMIT:
                return match[0]
            cached = self._encoded(png)
            target = page_dir / folder / cached.name
            if not target.is_file() or target.stat().st_size != cached.stat().st_size:
                with atomic_path(target) as tmp:
                    shutil.copyfile(cached, tmp)
            with Image.open(cached) as image:
                width, height = image.size
            lazy = ' loading="lazy"' if count else ""
            count += 1
            src = f"{folder}/{cached.name}"
            return (
                f'<a class="mc-enlarge" href="{src}">'
                f'<img{match["before"]} src="{src}" '
                f'width="{width}" height="{height}"{lazy} decoding="async"'
                f"{match['after']}></a>"
            )

        return _DATA_IMAGE.sub(replace, html)

    def prune(self) -> list[Path]:
        """Remove cached encodings this build did not use; return them."""
        stale = [
            path
            for path in self.cache_dir.glob("*")
            if path.is_file() and path not in self.used
        ]
        for path in stale:
            path.unlink()
        return stale
