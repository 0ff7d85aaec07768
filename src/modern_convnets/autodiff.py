"""Gradients on the active Keras backend: TensorFlow, JAX or PyTorch.

Keras 3 computes the forward pass on any of three backends, but leaves the
gradient to each backend's own autograd (`tf.GradientTape`, `jax.grad`,
`torch.autograd`). This module is the one place that knows all three. Every
function in the package that differentiates (Grad-CAM, filter patterns,
feature visualisation, kernel gradient norms, receptive fields) builds its
gradient here, from a function written with `keras.ops` alone.

- TensorFlow: the gradient is traced once per input signature with
  `tf.function` and `tf.GradientTape`.
- JAX: `jax.value_and_grad` under `jax.jit`. JAX's transformations need pure
  functions, so the model's variables are passed in as arguments (through
  `keras.StatelessScope`): a traced function sees new weights, as on the
  other backends.
- PyTorch: eager `torch.autograd.grad`, with gradients enabled even inside a
  caller's `torch.no_grad()`.

Examples:
    >>> import keras
    >>> square = value_and_grad(lambda x: (keras.ops.sum(x * x), ()))
    >>> value, _, grad = square(keras.ops.convert_to_tensor([1.0, 2.0]))
    >>> float(value), keras.ops.convert_to_numpy(grad).tolist()
    (5.0, [2.0, 4.0])
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

BACKENDS = ("tensorflow", "jax", "torch")
"""The Keras backends this module differentiates on."""

Function = Callable[..., tuple[Any, Any]]
"""`f(x, *args) -> (scalar, aux)`: what `value_and_grad` differentiates."""


def backend() -> str:
    """The active Keras backend, checked to be one this package differentiates on.

    Returns:
        "tensorflow", "jax" or "torch".

    Raises:
        NotImplementedError: Another backend (e.g. "numpy", which has no
            gradients), naming it and the three that work.

    Examples:
        >>> backend() in BACKENDS
        True
    """
    import keras

    name = keras.backend.backend()
    if name not in BACKENDS:
        raise NotImplementedError(
            f"gradients need KERAS_BACKEND set to one of {', '.join(BACKENDS)}; "
            f"the active backend is {name!r}, which cannot differentiate"
        )
    return name


class _IntendedRetracing(logging.Filter):
    """Drop TensorFlow's warning about retracing: here it is by design.

    A traced gradient is made once per input shape (one per layer and batch
    size), which TensorFlow reports as if it were a mistake.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def _quiet_retracing() -> Iterator[None]:
    tf_logger = logging.getLogger("tensorflow")
    quiet = _IntendedRetracing()
    tf_logger.addFilter(quiet)
    try:
        yield
    finally:
        tf_logger.removeFilter(quiet)


def value_and_grad(
    function: Function,
    variables: Sequence[Any] = (),
    *,
    then: Callable[[Any, Any], Any] | None = None,
) -> Callable[..., tuple[Any, Any, Any]]:
    """`f(x, *args) -> (value, aux)` made into `g(x, *args) -> (value, aux, df/dx)`.

    Args:
        function: Returns a scalar tensor to differentiate and any auxiliary
            tensors (a tuple, possibly empty), computed with `keras.ops` and
            Keras layers. The scalar is usually a sum of per-image values,
            so that each image's gradient is its own.
        variables: The Keras variables `function` reads (e.g. a model's
            `variables`). Only JAX needs them, to see the current weights at
            every call; elsewhere they are ignored.
        then: `then(x, gradient)`, computed in the same compiled function and
            returned in place of the gradient: a gradient step written out
            (`x + rate * gradient`) compiles with the gradient, as a
            `tf.function` step does, and rounds as it does.

    Returns:
        A function of the same arguments returning the value, the auxiliary
            tensors and the gradient with respect to `x` (or `then`'s result),
            as backend tensors.
            It is compiled where the backend compiles (`tf.function`,
            `jax.jit`) once per input signature: build it once and keep it
            (`modern_convnets.graph.compiled`).

    Raises:
        NotImplementedError: The backend cannot differentiate (see `backend`).

    Examples:
        ```python
        gradient = value_and_grad(
            lambda x: (keras.ops.sum(extractor(x)[..., 0]), ()),
            extractor.variables,
        )
        value, _, grad = gradient(images)
        ```
    """
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        @tf.function(autograph=False)
        def traced(x: Any, *args: Any) -> tuple[Any, Any, Any]:
            with tf.GradientTape() as tape:
                tape.watch(x)
                value, aux = function(x, *args)
            grad = tape.gradient(value, x)
            return value, aux, grad if then is None else then(x, grad)

        def tensorflow_gradient(x: Any, *args: Any) -> tuple[Any, Any, Any]:
            with _quiet_retracing():
                return traced(tf.convert_to_tensor(x), *args)

        return tensorflow_gradient

    if name == "jax":
        import jax
        import keras

        variables = list(variables)

        def pure(values: list[Any], x: Any, *args: Any) -> tuple[Any, Any]:
            mapping = list(zip(variables, values, strict=True))
            with keras.StatelessScope(state_mapping=mapping):
                return function(x, *args)

        gradient = jax.value_and_grad(pure, argnums=1, has_aux=True)

        def step(values: list[Any], x: Any, *args: Any) -> tuple[Any, Any, Any]:
            (value, aux), grad = gradient(values, x, *args)
            return value, aux, grad if then is None else then(x, grad)

        compiled = jax.jit(step)

        def jax_gradient(x: Any, *args: Any) -> tuple[Any, Any, Any]:
            return compiled([v.value for v in variables], x, *args)

        return jax_gradient

    import torch

    def torch_gradient(x: Any, *args: Any) -> tuple[Any, Any, Any]:
        from keras import ops

        x = ops.convert_to_tensor(x).detach().requires_grad_(True)
        with torch.enable_grad():
            value, aux = function(x, *args)
            (grad,) = torch.autograd.grad(value, [x])
        if then is not None:
            with torch.no_grad():
                grad = then(x.detach(), grad)
        aux = torch.utils._pytree.tree_map(
            lambda t: t.detach() if isinstance(t, torch.Tensor) else t, aux
        )
        return value.detach(), aux, grad

    return torch_gradient


def variable_gradients(
    function: Callable[..., Any], variables: Sequence[Any]
) -> Callable[..., tuple[Any, list[Any]]]:
    """`f(*args) -> scalar` made into `g(*args) -> (value, [df/dv for v in variables])`.

    The gradient with respect to Keras variables (a model's weights), as a
    training step takes it, on any backend. Run eagerly: it is for
    measurements, not for training loops.

    Args:
        function: Computes a scalar tensor from `args` with Keras layers and
            `keras.ops`, reading `variables`.
        variables: The trainable Keras variables to differentiate with
            respect to.

    Returns:
        The function giving the value and one gradient per variable.

    Raises:
        NotImplementedError: The backend cannot differentiate (see `backend`).

    Examples:
        ```python
        loss_and_grads = variable_gradients(
            lambda x, y: keras.ops.mean((model(x) - y) ** 2),
            model.trainable_variables,
        )
        loss, grads = loss_and_grads(x, y)
        ```
    """
    name = backend()
    variables = list(variables)
    if name == "tensorflow":
        import tensorflow as tf

        def tensorflow_gradients(*args: Any) -> tuple[Any, list[Any]]:
            with tf.GradientTape() as tape:
                value = function(*args)
            return value, tape.gradient(value, variables)

        return tensorflow_gradients

    if name == "jax":
        import jax
        import keras

        def pure(values: list[Any], *args: Any) -> Any:
            mapping = list(zip(variables, values, strict=True))
            with keras.StatelessScope(state_mapping=mapping):
                return function(*args)

        def jax_gradients(*args: Any) -> tuple[Any, list[Any]]:
            return jax.value_and_grad(pure)([v.value for v in variables], *args)

        return jax_gradients

    import torch

    def torch_gradients(*args: Any) -> tuple[Any, list[Any]]:
        with torch.enable_grad():
            value = function(*args)
            grads = torch.autograd.grad(value, [v.value for v in variables])
        return value.detach(), list(grads)

    return torch_gradients


__all__ = ["BACKENDS", "backend", "value_and_grad", "variable_gradients"]
