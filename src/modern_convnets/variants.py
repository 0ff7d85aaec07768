"""The models the trainer builds by name: two convnets and Mini-Xception ablations.

Five variants, each a name `modern_convnets.train` accepts as a model and
the ablation study (`modern_convnets.ablation`) compares:

- `mini_xception`: the full model;
- `no_residual`: without the residual connections;
- `no_batchnorm`: without batch normalisation (the convolutions get biases);
- `regular_conv`: regular `Conv2D`s instead of depthwise separable ones, same
  widths;
- `small_convnet`: the plain convnet, as the baseline.

Examples:
    >>> build_variant("no_batchnorm", (64, 64, 3)).count_params()
    717857
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from modern_convnets import models

if TYPE_CHECKING:
    import keras

VARIANTS: dict[str, str] = {
    "mini_xception": "Mini-Xception",
    "no_residual": "without residual connections",
    "no_batchnorm": "without batch normalisation",
    "regular_conv": "regular instead of separable convolutions",
    "small_convnet": "small convnet (baseline)",
}
"""The variants, in the order the study runs and reports them, and what each is."""

# Mini-Xception's switches that remove one ingredient (see `models.mini_xception`).
_SWITCHES: dict[str, dict[str, bool]] = {
    "mini_xception": {},
    "no_residual": {"residual": False},
    "no_batchnorm": {"batch_norm": False},
    "regular_conv": {"separable": False},
}


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(
            f"variant={variant!r} is not a variant; valid: {', '.join(VARIANTS)}"
        )


def build_variant(
    variant: str,
    input_shape: Sequence[int] = (180, 180, 3),
    augmentation: keras.Layer | None = None,
) -> keras.Model:
    """The uncompiled model of one variant.

    Args:
        variant: One of `VARIANTS`.
        input_shape: (height, width, 3).
        augmentation: Optional augmentation block applied first.

    Returns:
        The model, with Keras's default (unseeded) initial weights unless the
            caller seeded Keras.

    Raises:
        ValueError: `variant` is not one of `VARIANTS`, or `input_shape` does
            not suit it.

    Examples:
        >>> build_variant("regular_conv").count_params()
        4902625
        >>> build_variant("no_residual").count_params()
        546753
        >>> build_variant("resnet")
        Traceback (most recent call last):
        ...
        ValueError: variant='resnet' is not a variant; valid: mini_xception, ...
    """
    _check_variant(variant)
    if variant == "small_convnet":
        return models.small_convnet(input_shape, augmentation)
    return models.mini_xception(input_shape, augmentation, **_SWITCHES[variant])
