"""One photo file to pixels, the same way everywhere: decode, turn upright, resize.

Every path from a file to a model goes through `read_photo`: the training
and evaluation pipelines, `images.model_batch` (and so Grad-CAM and the
activation helpers), the dataset examples and `explain`. It decodes with
Pillow, which uses libjpeg-turbo's accurate integer DCT, as browsers do
(TensorFlow's `decode_jpeg` defaults to the fast DCT, up to 16 grey levels
away), applies the EXIF orientation tag, as browsers and phone galleries do,
and lays transparent pixels over white, as a white page shows them. The
browser lab (`docs/lab/`) follows the same three rules, so a photo gets the
same probabilities in the browser, on the command line and in the guide.

`resize_bilinear` then scales the pixels to a model's input size exactly as
`tf.image.resize(..., "bilinear")` does, without TensorFlow.

Examples:
    ```python
    from modern_convnets.photos import read_photo, resize_bilinear

    pixels = read_photo("cat.2000.jpg")  # uint8, (height, width, 3), upright
    resize_bilinear(pixels, (180, 180)).shape  # (180, 180, 3), float32
    ```
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

BACKGROUND = (255, 255, 255)
"""The colour transparent pixels are laid over: white, as on a white page."""


def upright_rgb(image: Image.Image) -> Image.Image:
    """A Pillow image turned upright by its EXIF tag, over white, as RGB.

    Grayscale, palette and CMYK images become RGB; transparency (an alpha
    channel, or a palette's transparent colour) is laid over `BACKGROUND`,
    because the colour stored under a fully transparent pixel is arbitrary.

    Args:
        image: An open Pillow image.

    Returns:
        A new RGB image (or `image` itself when nothing changes).

    Examples:
        >>> rgba = Image.new("RGBA", (2, 1), (200, 0, 0, 0))
        >>> upright_rgb(rgba).getpixel((0, 0))
        (255, 255, 255)
    """
    upright = ImageOps.exif_transpose(image)
    if upright.has_transparency_data:
        rgba = upright.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*BACKGROUND, 255))
        upright = Image.alpha_composite(background, rgba)
    return upright if upright.mode == "RGB" else upright.convert("RGB")


def read_photo(path: str | os.PathLike[str] | bytes) -> np.ndarray:
    """A photo file as upright RGB uint8 pixels of shape (height, width, 3).

    See the module's docstring for the three rules (decoder, orientation,
    transparency).

    Args:
        path: The image file (bytes are decoded as a UTF-8 path, as
            `tf.numpy_function` passes strings).

    Returns:
        The pixels, uint8 in [0, 255].

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: The file is empty or not an image Pillow can decode
            completely; the message names the file.

    Examples:
        ```python
        read_photo("cat.0.jpg").shape
        # (374, 500, 3)
        ```
    """
    if isinstance(path, bytes):
        path = path.decode()
    path = Path(path)
    if path.is_file() and path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes)")
    try:
        with Image.open(path) as image:
            return np.asarray(upright_rgb(image))
    except FileNotFoundError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValueError(f"{path} is not an image that can be read: {error}") from None
    except Image.DecompressionBombError as error:
        raise ValueError(f"{path} is too large to decode safely: {error}") from None


def inspect_photo(path: str | os.PathLike[str]) -> tuple[str | None, str | None]:
    """Decode a file completely; say what is wrong with it and its colour mode.

    Args:
        path: The file.

    Returns:
        `(problem, mode)`: `problem` is None for a usable photo, else a short
            reason (``"empty file (0 bytes)"``, ``"not an image (...)"``,
            ``"truncated or corrupt: ..."``); `mode` is Pillow's colour mode
            (``"RGB"``, ``"L"``, ``"RGBA"``, ...) when the file decodes.

    Examples:
        ```python
        inspect_photo("cat.0.jpg")
        # (None, 'RGB')
        ```
    """
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            return "empty file (0 bytes)", None
        with Image.open(path) as image:
            image.load()  # a full decode: `verify()` misses truncated JPEGs
            return None, image.mode
    except UnidentifiedImageError:
        return "not an image (no decoder recognises its contents)", None
    except OSError as error:
        return f"truncated or corrupt: {error}", None
    except (SyntaxError, ValueError, Image.DecompressionBombError) as error:
        return f"corrupt: {error}", None


def check_size(size: Sequence[int], name: str = "image_size") -> tuple[int, int]:
    """`size` as (height, width), or a ValueError naming `name` and the value.

    Examples:
        >>> check_size([180, 120])
        (180, 120)
    """
    values = tuple(size)
    if len(values) != 2 or not all(
        isinstance(s, int | np.integer) and not isinstance(s, bool) and s > 0
        for s in values
    ):
        raise ValueError(
            f"{name}={size!r} must be two positive integers (height, width)"
        )
    return int(values[0]), int(values[1])


def resize_bilinear(image: np.ndarray, size: Sequence[int]) -> np.ndarray:
    """Resize an image bilinearly, as `tf.image.resize(..., "bilinear")` does.

    Half-pixel centres, no antialiasing, float32 arithmetic in TensorFlow's
    order, so the result matches the training pipeline's pixels bit for bit
    (tested), on any Keras backend, without TensorFlow. The lab's JavaScript
    resize follows the same arithmetic.

    Args:
        image: (height, width, channels) pixels, any numeric dtype.
        size: (height, width) of the result.

    Returns:
        float32 pixels of shape (size[0], size[1], channels).

    Raises:
        ValueError: `size` is not two positive integers, or `image` is not
            (height, width, channels).

    Examples:
        >>> image = np.array([[0, 10], [20, 30]], np.uint8)[..., None]
        >>> resize_bilinear(image, (4, 4))[..., 0]
        array([[ 0. ,  2.5,  7.5, 10. ],
               [ 5. ,  7.5, 12.5, 15. ],
               [15. , 17.5, 22.5, 25. ],
               [20. , 22.5, 27.5, 30. ]], dtype=float32)
    """
    height, width = check_size(size, "size")
    if image.ndim != 3:
        raise ValueError(
            f"image has shape {image.shape}; expected (height, width, channels)"
        )
    pixels = image.astype(np.float32)

    def weights(out_size: int, in_size: int) -> tuple[np.ndarray, ...]:
        scale = np.float32(in_size / out_size)
        source = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale
        source -= np.float32(0.5)
        floor = np.floor(source)
        lower = np.maximum(floor, 0).astype(np.intp)
        upper = np.minimum(np.ceil(source), in_size - 1).astype(np.intp)
        return lower, upper, (source - floor).astype(np.float32)

    y0, y1, dy = weights(height, image.shape[0])
    x0, x1, dx = weights(width, image.shape[1])
    dx = dx[None, :, None]
    top = pixels[y0][:, x0] + (pixels[y0][:, x1] - pixels[y0][:, x0]) * dx
    bottom = pixels[y1][:, x0] + (pixels[y1][:, x1] - pixels[y1][:, x0]) * dx
    return top + (bottom - top) * dy[:, None, None]


def load_photo(path: str | os.PathLike[str] | bytes, size: Sequence[int]) -> np.ndarray:
    """`read_photo` then `resize_bilinear`: a file as a model sees it.

    Args:
        path: The image file.
        size: (height, width) to resize to.

    Returns:
        float32 `(height, width, 3)` pixels in [0, 255].

    Examples:
        ```python
        load_photo("cat.0.jpg", (180, 180)).shape
        # (180, 180, 3)
        ```
    """
    return resize_bilinear(read_photo(path), size)


__all__ = [
    "BACKGROUND",
    "check_size",
    "inspect_photo",
    "load_photo",
    "read_photo",
    "resize_bilinear",
    "upright_rgb",
]
