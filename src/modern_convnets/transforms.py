"""Random transformations applied to an image before each ascent step.

A pattern that survives being shifted, rescaled and rotated a little is one
the network responds to, not an artefact of one pixel grid. Each transform
here is a small frozen object with two halves:

- `draw(rng)`: this step's random numbers, drawn with NumPy from a generator
  seeded by `(seed, step)`, so every backend, and every batch, gets the same
  transformation at the same step;
- `apply(images, values)`: the transformation itself, with `keras.ops`, so
  gradients flow through it on every backend.

`Compose` chains them, as Lucid's `transform.compose` does; the lecture's
regularised recipe and Lucid's standard set are two compositions of the
same pieces (`modern_convnets.filters`, `modern_convnets.preconditioned`).

Examples:
    >>> steps = Compose((Pad(4), RandomCrop(8), RandomRotateScale((1.0,), (0.0,))))
    >>> values = steps.draw(np.random.default_rng(0))
    >>> steps.output_size(32)
    32
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np


class Transform(Protocol):
    """One random transformation: its random numbers, its operation, its size."""

    def draw(self, rng: np.random.Generator) -> list[float]:
        """This step's random numbers."""

    def apply(self, images: Any, values: Any) -> Any:
        """Transform `(n, h, w, c)` images with `keras.ops`, given `draw`'s numbers."""

    def output_size(self, size: int) -> int:
        """Height (= width) of the result for a square input of `size`."""


def rotate_and_scale(
    images: Any, scale: Any, angle: Any, fill_mode: str, fill_value: float = 0.5
) -> Any:
    """Rotate by `angle` (radians) and zoom by `scale` about the image centre.

    The output keeps the input's size; pixels from outside the image are
    filled as `fill_mode` says ("reflect", or "constant" with `fill_value`).
    The same transformation applies to every image of the batch, bilinearly,
    and its gradient reaches the images (`keras.ops.image.affine_transform`).

    Args:
        images: `(n, h, w, c)` float images.
        scale: Zoom factor (above 1 enlarges), a scalar tensor or float.
        angle: Rotation in radians.
        fill_mode: "reflect" or "constant".
        fill_value: The constant fill.

    Returns:
        The transformed images, same shape.

    Examples:
        ```python
        rotate_and_scale(images, 1.1, 0.1, fill_mode="reflect").shape
        ```
    """
    from keras import ops

    shape = ops.shape(images)
    cy, cx = (shape[1] - 1) / 2, (shape[2] - 1) / 2
    scale = ops.cast(scale, "float32")
    angle = ops.cast(angle, "float32")
    cos, sin = ops.cos(angle) / scale, ops.sin(angle) / scale
    # Output pixel (x, y) samples input (a0 x + a1 y + a2, b0 x + b1 y + b2).
    transform = ops.stack(
        [
            cos,
            -sin,
            cx - cos * cx + sin * cy,
            sin,
            cos,
            cy - sin * cx - cos * cy,
            ops.zeros_like(cos),
            ops.zeros_like(cos),
        ]
    )
    return ops.image.affine_transform(
        images,
        ops.tile(transform[None], (shape[0], 1)),
        interpolation="bilinear",
        fill_mode=fill_mode,
        fill_value=fill_value,
    )


@dataclasses.dataclass(frozen=True)
class Pad:
    """Pad with a constant grey on each side (no randomness).

    Attributes:
        pixels: Pixels added on each side.
        value: The fill, in the images' own units.
    """

    pixels: int
    value: float = 0.5

    def draw(self, rng: np.random.Generator) -> list[float]:
        """No random numbers."""
        return []

    def apply(self, images: Any, values: Any) -> Any:
        """Pad height and width by `pixels` on each side."""
        from keras import ops

        p = self.pixels
        return ops.pad(
            images, [[0, 0], [p, p], [p, p], [0, 0]], constant_values=self.value
        )

    def output_size(self, size: int) -> int:
        """Two `pixels` larger."""
        return size + 2 * self.pixels


@dataclasses.dataclass(frozen=True)
class RandomCrop:
    """Crop `pixels` in total along each axis, at a random offset (a shift).

    Attributes:
        pixels: How much smaller the result is along each axis.
    """

    pixels: int

    def draw(self, rng: np.random.Generator) -> list[float]:
        """The top and left offsets, integers in [0, pixels]."""
        return [float(v) for v in rng.integers(0, self.pixels + 1, size=2)]

    def apply(self, images: Any, values: Any) -> Any:
        """The crop at `values` = (top, left)."""
        from keras import ops

        if not self.pixels:
            return images
        shape = ops.shape(images)
        offset = ops.cast(values, "int32")
        return ops.slice(
            images,
            ops.stack([0, offset[0], offset[1], 0]),
            (shape[0], shape[1] - self.pixels, shape[2] - self.pixels, shape[3]),
        )

    def output_size(self, size: int) -> int:
        """`pixels` smaller."""
        return size - self.pixels


@dataclasses.dataclass(frozen=True)
class RandomRoll:
    """Shift by up to `pixels` along each axis, wrapping around (the lecture's jitter).

    Attributes:
        pixels: Largest shift, either way.
    """

    pixels: int

    def draw(self, rng: np.random.Generator) -> list[float]:
        """Shifts along height and width, integers in [-pixels, pixels]."""
        return [float(v) for v in rng.integers(-self.pixels, self.pixels + 1, size=2)]

    def apply(self, images: Any, values: Any) -> Any:
        """Roll by `values` = (down, right)."""
        from keras import ops

        shift = ops.cast(values, "int32")
        return ops.roll(ops.roll(images, shift[0], axis=1), shift[1], axis=2)

    def output_size(self, size: int) -> int:
        """Unchanged."""
        return size


@dataclasses.dataclass(frozen=True)
class RandomRotateScale:
    """Rescale and rotate about the centre by amounts chosen from two lists.

    Attributes:
        scales: Zoom factors, one chosen uniformly per step.
        rotations: Angles in degrees, one chosen uniformly per step.
        fill_mode: "constant" (grey `fill_value`) or "reflect".
        fill_value: The constant fill.
    """

    scales: tuple[float, ...]
    rotations: tuple[float, ...]
    fill_mode: str = "constant"
    fill_value: float = 0.5

    def draw(self, rng: np.random.Generator) -> list[float]:
        """A scale and an angle (radians), each chosen from its list."""
        scale = self.scales[int(rng.integers(len(self.scales)))]
        angle = self.rotations[int(rng.integers(len(self.rotations)))]
        return [float(scale), float(angle) * math.pi / 180.0]

    def apply(self, images: Any, values: Any) -> Any:
        """`rotate_and_scale` by `values` = (scale, angle)."""
        return rotate_and_scale(
            images, values[0], values[1], self.fill_mode, self.fill_value
        )

    def output_size(self, size: int) -> int:
        """Unchanged."""
        return size


@dataclasses.dataclass(frozen=True)
class RandomUniformRotateScale:
    """Rescale by 1 ± `scale` and rotate by ± `rotation` degrees, uniformly.

    The lecture's continuous version, with reflected borders.

    Attributes:
        scale: Largest relative change of size, e.g. 0.05 for ±5%.
        rotation: Largest angle, in degrees.
    """

    scale: float
    rotation: float

    def draw(self, rng: np.random.Generator) -> list[float]:
        """A scale and an angle (radians)."""
        u = rng.uniform(-1.0, 1.0, size=2)
        return [1.0 + self.scale * float(u[0]), self.rotation * math.pi / 180 * u[1]]

    def apply(self, images: Any, values: Any) -> Any:
        """`rotate_and_scale` by `values` = (scale, angle), reflected borders."""
        return rotate_and_scale(images, values[0], values[1], "reflect")

    def output_size(self, size: int) -> int:
        """Unchanged."""
        return size


@dataclasses.dataclass(frozen=True)
class Resize:
    """Resize to a fixed size (bilinear): ends a chain at a model's input size.

    Attributes:
        size: Height and width of the result.
    """

    size: int

    def draw(self, rng: np.random.Generator) -> list[float]:
        """No random numbers."""
        return []

    def apply(self, images: Any, values: Any) -> Any:
        """Bilinear resize, half-pixel centres, no antialiasing."""
        from keras import ops

        if ops.shape(images)[1] == self.size and ops.shape(images)[2] == self.size:
            return images
        return ops.image.resize(
            images, (self.size, self.size), interpolation="bilinear", antialias=False
        )

    def output_size(self, size: int) -> int:
        """`size`."""
        return self.size


@dataclasses.dataclass(frozen=True)
class Compose:
    """Apply transforms in order; their random numbers are drawn in order too.

    Attributes:
        transforms: The transforms.
    """

    transforms: tuple[Any, ...]

    def draw(self, rng: np.random.Generator) -> list[float]:
        """Every transform's numbers, concatenated."""
        return [v for t in self.transforms for v in t.draw(rng)]

    def _counts(self) -> list[int]:
        # How many numbers each transform draws is fixed by its type.
        rng = np.random.default_rng(0)
        return [len(t.draw(rng)) for t in self.transforms]

    def apply(self, images: Any, values: Any) -> Any:
        """Each transform on the previous one's output, with its own numbers."""
        start = 0
        for transform, count in zip(self.transforms, self._counts(), strict=True):
            images = transform.apply(images, values[start : start + count])
            start += count
        return images

    def output_size(self, size: int) -> int:
        """The size after every transform."""
        for transform in self.transforms:
            size = transform.output_size(size)
        return size


def step_values(transform: Transform, seed: int | None, step: int) -> np.ndarray:
    """The random numbers of `transform` at `step`, from `(seed, step)` alone.

    Args:
        transform: The transform (or `Compose`).
        seed: The run's seed; None counts as 0.
        step: The step number.

    Returns:
        float32 array of the numbers `transform.apply` takes (at least one
            entry, so that it can always be passed as a tensor).

    Examples:
        >>> step_values(RandomCrop(4), seed=0, step=3).tolist() == (
        ...     step_values(RandomCrop(4), seed=0, step=3).tolist())
        True
    """
    rng = np.random.default_rng([0 if seed is None else int(seed), int(step)])
    values = transform.draw(rng)
    return np.asarray(values or [0.0], dtype="float32")


def check_transforms(transforms: Sequence[Any]) -> None:
    """Raise a ValueError naming the first entry that is not a transform."""
    for t in transforms:
        if not all(hasattr(t, name) for name in ("draw", "apply", "output_size")):
            raise ValueError(
                f"{t!r} is not a transform: it needs draw, apply and output_size"
            )


__all__ = [
    "Compose",
    "Pad",
    "RandomCrop",
    "RandomRoll",
    "RandomRotateScale",
    "RandomUniformRotateScale",
    "Resize",
    "Transform",
    "check_transforms",
    "rotate_and_scale",
    "step_values",
]
