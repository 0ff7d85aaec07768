"""What gradient ascent optimises: raw pixels, or a 1/f spectrum in decorrelated colour.

An image to optimise is a function of some parameters. The lecture changes
the pixels themselves (`PixelImage`). Feature visualisation (Olah,
Mordvintsev and Schubert, "Feature Visualization", Distill, 2017;
Mordvintsev et al., "Differentiable Image Parameterizations", Distill, 2018)
changes a spectrum whose frequencies are scaled by 1/frequency, in a colour
space whose channels are uncorrelated over ImageNet, squashed to the valid
range by a sigmoid (`LucidImage`). The images then start with, and a step of
equal size in the parameters changes, the 1/f statistics of photos rather
than white noise: the problem is *preconditioned*.

Each parameterisation gives the starting parameters of a channel from
`(seed, channel)` alone with NumPy, so a channel starts from the same image
whatever batch it is in and whatever the Keras backend, and maps parameters
to model input with `keras.ops`, so that gradients flow on every backend.

Examples:
    >>> image = LucidImage(size=16)
    >>> start = image.initial([0, 5], seed=0)
    >>> start.shape
    (2, 2, 3, 16, 9)
    >>> image.display(start).shape  # uint8 pixels, as shown
    (2, 16, 16, 3)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, Protocol

import numpy as np

COLOR_CORRELATION_SVD_SQRT = np.array(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype="float32"
)
"""Square root of ImageNet's RGB colour correlation matrix, by its SVD.

From Lucid, `lucid/optvis/param/color.py` (Apache-2.0): mapping uncorrelated
channels through this matrix gives colours correlated as in photos.
"""

DISPLAY_CROP = 25
"""Pixels `deprocess` crops from each side of a raw-pixel image (least constrained)."""


class Parameterization(Protocol):
    """How parameters become the images a model sees, and the images shown."""

    size: int

    def initial(self, channels: Iterable[int], seed: int | None) -> np.ndarray:
        """The starting parameters, one set per channel."""

    def to_inputs(self, parameters: Any) -> Any:
        """Parameters to model input `(n, size, size, 3)`, with `keras.ops`."""

    def display(self, parameters: np.ndarray) -> np.ndarray:
        """Parameters to the uint8 images shown to a reader."""


def _per_channel(channels: Iterable[int], seed: int | None, draw: Any) -> np.ndarray:
    """Stack `draw(rng)` over channels, each rng seeded by `(seed, channel)`."""
    base = np.random.SeedSequence(seed).entropy
    return np.stack(
        [draw(np.random.default_rng([base, int(c)])) for c in channels]
    ).astype("float32")


def deprocess(image: np.ndarray, crop: int = DISPLAY_CROP) -> np.ndarray:
    """Turn an optimised raw-pixel image into a displayable uint8 image.

    The lecture's display: standardise, scale to a standard deviation of 64
    grey levels around 128, clip to [0, 255] and crop `crop` pixels from each
    side, where the pattern is least constrained.

    Args:
        image: One image, (height, width, 3).
        crop: Pixels removed from each side.

    Returns:
        uint8 array of shape (height - 2 crop, width - 2 crop, 3).

    Examples:
        >>> deprocess(np.random.default_rng(0).normal(size=(60, 60, 3))).shape
        (10, 10, 3)
    """
    image = np.asarray(image, dtype="float64")
    image = image - image.mean()
    image = image / max(image.std(), 1e-8)  # a constant image stays grey
    image = np.clip(image * 64 + 128, 0, 255).astype("uint8")
    return image[crop:-crop, crop:-crop, :] if crop else image


@dataclasses.dataclass(frozen=True)
class PixelImage:
    """The lecture's parameterisation: the model's input pixels themselves.

    Attributes:
        size: Height and width.
        low: Lower end of the uniform noise the images start from.
        high: Its upper end. The lecture's (0.4, 0.6) is fed as it is, even
            to a model whose input range is [-1, 1].
        crop: Pixels `display` crops from each side (see `deprocess`).
    """

    size: int = 200
    low: float = 0.4
    high: float = 0.6
    crop: int = DISPLAY_CROP

    def __post_init__(self) -> None:
        _check_size(self.size, minimum=2 * self.crop + 1, why="crop")
        if not self.high > self.low:
            raise ValueError(
                f"PixelImage(low={self.low!r}, high={self.high!r}): high must "
                "exceed low"
            )

    def initial(self, channels: Iterable[int], seed: int | None) -> np.ndarray:
        """Uniform noise in [low, high], `(n, size, size, 3)`, per (seed, channel).

        Examples:
            >>> PixelImage(size=64).initial([0, 1], seed=0).shape
            (2, 64, 64, 3)
        """
        shape = (self.size, self.size, 3)
        return _per_channel(
            channels, seed, lambda rng: rng.uniform(self.low, self.high, shape)
        )

    def to_inputs(self, parameters: Any) -> Any:
        """The parameters are the input."""
        return parameters

    def display(self, parameters: np.ndarray) -> np.ndarray:
        """`deprocess` of each image, `(n, size - 2 crop, size - 2 crop, 3)`."""
        return np.stack([deprocess(image, self.crop) for image in parameters])


def spectrum_scale(height: int, width: int, decay_power: float = 1.0) -> np.ndarray:
    """The factor applied to each rfft2 coefficient: 1/frequency^decay, × √(hw).

    Frequencies below 1/max(height, width) (the constant term) are treated as
    that lowest frequency, as in Lucid's `fft_image`.

    Args:
        height: Image height.
        width: Image width.
        decay_power: Exponent of the 1/frequency decay.

    Returns:
        float32 array `(height, width // 2 + 1)`.

    Examples:
        >>> spectrum_scale(4, 4).shape
        (4, 3)
    """
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    frequency = np.sqrt(fx * fx + fy * fy)
    scale = 1.0 / np.maximum(frequency, 1.0 / max(height, width)) ** decay_power
    return (scale * np.sqrt(height * width)).astype("float32")


def irfft2(real: Any, imag: Any, size: tuple[int, int]) -> Any:
    """The inverse of a 2-D real FFT over the last two axes, with `keras.ops`.

    `numpy.fft.irfft2`'s result for a half spectrum of shape `(..., height,
    width // 2 + 1)`: a complex inverse FFT along the height (as the
    conjugate of the forward FFT of the conjugate), then a real inverse FFT
    along the width. Differentiable on every backend.

    Examples:
        >>> spectrum = np.fft.rfft2(np.arange(12.0).reshape(3, 4))
        >>> x = irfft2(spectrum.real, spectrum.imag, (3, 4))
        >>> np.allclose(np.asarray(x), np.arange(12.0).reshape(3, 4))
        True
    """
    from keras import ops

    height, width = size
    real = ops.swapaxes(ops.convert_to_tensor(real), -1, -2)
    imag = ops.swapaxes(ops.convert_to_tensor(imag), -1, -2)
    forward_real, forward_imag = ops.fft((real, -imag))
    real = ops.swapaxes(forward_real / height, -1, -2)
    imag = ops.swapaxes(-forward_imag / height, -1, -2)
    return ops.irfft((real, imag), fft_length=width)


@dataclasses.dataclass(frozen=True)
class LucidImage:
    """Lucid's parameterisation: a 1/f spectrum, decorrelated colour, a sigmoid.

    The images lie in (0, 1) and are mapped linearly to `input_range`.

    Attributes:
        size: Height and width.
        fourier: Optimise the 1/f-scaled spectrum (`spectrum_scale`); False
            optimises the pixels (before colour and sigmoid).
        decorrelate: Map the three optimised channels through
            `COLOR_CORRELATION_SVD_SQRT` before the sigmoid.
        input_range: The model's input range ((-1, 1) for Xception, (0, 255)
            for the guide's cats-vs-dogs models).
    """

    size: int = 128
    fourier: bool = True
    decorrelate: bool = True
    input_range: tuple[float, float] = (-1.0, 1.0)

    def __post_init__(self) -> None:
        _check_size(self.size, minimum=16)
        low, high = self.input_range
        if not high > low:
            raise ValueError(
                f"input_range={self.input_range!r}: the high end must exceed the low"
            )

    @property
    def parameter_shape(self) -> tuple[int, ...]:
        """One channel's parameters: `(2, 3, size, size // 2 + 1)` or pixels."""
        if self.fourier:
            return (2, 3, self.size, self.size // 2 + 1)
        return (self.size, self.size, 3)

    def initial(self, channels: Iterable[int], seed: int | None) -> np.ndarray:
        """Small normal noise (sd 0.01), per (seed, channel).

        Examples:
            >>> LucidImage(size=16, fourier=False).initial([3], seed=0).shape
            (1, 16, 16, 3)
        """
        shape = self.parameter_shape
        return _per_channel(channels, seed, lambda rng: rng.normal(0, 0.01, shape))

    def _colour_matrix(self) -> np.ndarray:
        norm = np.max(np.linalg.norm(COLOR_CORRELATION_SVD_SQRT, axis=0))
        return (COLOR_CORRELATION_SVD_SQRT / norm).T

    def to_unit(self, parameters: Any) -> Any:
        """Parameters to RGB images in (0, 1), `(n, size, size, 3)`."""
        import keras
        from keras import ops

        # Tensors both: PyTorch mixes neither with NumPy arrays in `*`.
        parameters = ops.convert_to_tensor(parameters)
        if self.fourier:
            scale = ops.convert_to_tensor(
                spectrum_scale(self.size, self.size),
                dtype=keras.backend.standardize_dtype(parameters.dtype),
            )
            image = irfft2(
                parameters[:, 0] * scale, parameters[:, 1] * scale, (self.size,) * 2
            )
            # (n, 3, size, size) → channels last; Lucid's 4 tempers the start.
            image = ops.transpose(image, (0, 2, 3, 1)) / 4.0
        else:
            image = parameters
        if self.decorrelate:
            image = ops.tensordot(image, self._colour_matrix(), axes=[[3], [0]])
        return ops.sigmoid(image)

    def to_inputs(self, parameters: Any) -> Any:
        """Parameters to model input in `input_range`."""
        low, high = self.input_range
        return low + (high - low) * self.to_unit(parameters)

    def display(self, parameters: np.ndarray) -> np.ndarray:
        """The (0, 1) images as uint8 grey levels, rounded."""
        from keras import ops

        unit = ops.convert_to_numpy(self.to_unit(parameters))
        return np.round(unit * 255).astype("uint8")

    def from_unit(self, images: np.ndarray) -> np.ndarray:
        """The parameters whose images are `images`: `to_unit` inverted.

        Useful to start the ascent from a photo instead of noise, and to check
        the parameterisation: `to_unit(from_unit(x))` gives `x` back, up to
        float32 rounding, for any images strictly inside (0, 1).

        Args:
            images: `(n, size, size, 3)` in (0, 1); values at 0 or 1 are
                moved 1e-6 inside, where the sigmoid can reach them.

        Returns:
            float32 parameters shaped as by `initial`.

        Raises:
            ValueError: `images` is not `(n, size, size, 3)`.

        Examples:
            >>> grey = np.full((1, 16, 16, 3), 0.5)
            >>> float(np.abs(LucidImage(size=16).from_unit(grey)).max())
            0.0
        """
        size = self.size
        array = np.asarray(images, dtype="float64")
        if array.ndim != 4 or array.shape[1:] != (size, size, 3):
            raise ValueError(
                f"images has shape {array.shape}: expected (n, {size}, {size}, 3) "
                f"for size={size}"
            )
        array = np.clip(array, 1e-6, 1 - 1e-6)
        x = np.log(array / (1 - array))  # the sigmoid's inverse
        if self.decorrelate:
            x = x @ np.linalg.inv(self._colour_matrix().astype("float64"))
        if self.fourier:
            spectrum = np.fft.rfft2(np.moveaxis(x, 3, 1) * 4.0) / spectrum_scale(
                size, size
            )
            x = np.stack([spectrum.real, spectrum.imag], axis=1)
        return x.astype("float32")


def _check_size(size: Any, minimum: int, why: str = "") -> None:
    if not isinstance(size, int | np.integer) or size < minimum:
        reason = f" (the display crops {DISPLAY_CROP} pixels each side)" if why else ""
        raise ValueError(f"size={size!r} must be an integer ≥ {minimum}{reason}")


__all__ = [
    "COLOR_CORRELATION_SVD_SQRT",
    "DISPLAY_CROP",
    "LucidImage",
    "Parameterization",
    "PixelImage",
    "deprocess",
    "irfft2",
    "spectrum_scale",
]
