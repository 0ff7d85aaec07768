"""The building blocks of modern convnets, a Mini-Xception, and what convnets learn.

Importing the package is cheap: TensorFlow is loaded only by the submodules
that need it (`modern_convnets.data`, `modern_convnets.pretrained`, ...).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
