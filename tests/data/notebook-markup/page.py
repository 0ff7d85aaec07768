# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A tiny page
#
# The markup that `website/site_build/` edits, as the pinned mkdocs-jupyter
# and nbconvert write it: math, a `copy` cell, a `collapse` cell, a `prose`
# cell, a figure in a `home` cell, and a listing in three backends' versions,
# of which the kernel runs TensorFlow's. Some math: $y = \max(0, x)$.

# %% tags=["copy"]
x = 1

# %% tags=["copy", "backend-tensorflow"]
print("tensorflow", x)

# %% tags=["copy", "backend-jax", "skip-execution"]
import jax  # noqa: F401

# %% tags=["copy", "backend-torch", "skip-execution"]
import torch  # noqa: F401

# %% tags=["collapse"]
print("collapsed", x)

# %% tags=["prose"]
print("prose")

# %% tags=["home"]
import random

from IPython.display import display
from PIL import Image

# 80×80 noise, which PNG cannot shrink below the inline limit of 4 kB.
display(Image.frombytes("L", (80, 80), random.Random(0).randbytes(6400)))
