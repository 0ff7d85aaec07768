"""The guide's models for the browser: TensorFlow.js layers models.

The official `tensorflowjs` converter does not read Keras 3 files, so this
module translates the Keras 3 model configuration into the layers-model JSON
that `tf.loadLayersModel` reads, and writes the weights beside it:

- `batch_shape` becomes `batch_input_shape`, dtype policies plain dtypes;
- each layer's `inbound_nodes` go from Keras 3's `{"args": ...}` form to
  nested `[[name, node_index, tensor_index, {}]]` lists;
- `input_layers` and `output_layers` are nested one level;
- the data augmentation (random flips, rotations, zooms and the other
  layers `_keras_internals.is_augmentation` accepts, which are identities
  at inference and unknown to TensorFlow.js) is dropped, and the layers
  that read it read its input instead;
- weights are named `<layer>/<variable>`, stored little-endian float32 in
  one file, in the order of the manifest.

The model's graph is read through `modern_convnets._keras_internals`, which
holds the Keras version this was verified against (pinned) and the tests
of its assumptions; a parity test in the browser guards the translation.

Examples:
    ```python
    from modern_convnets.export import export_tfjs
    from modern_convnets.shipped import load_trained

    export_tfjs(load_trained("small_convnet"), "site/lab/models/small_convnet")
    ```
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from modern_convnets._atomic import atomic_path
from modern_convnets._keras_internals import (
    TensorRef,
    is_augmentation,
    is_functional,
    model_graph,
)

if TYPE_CHECKING:
    import keras

WEIGHTS_FILE = "weights.bin"


def _plain_config(config: dict[str, Any]) -> dict[str, Any]:
    """A layer's config with dtype policies as plain dtype names."""
    config = dict(config)
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        config["dtype"] = dtype.get("config", {}).get("name", "float32")
    if "batch_shape" in config:
        config["batch_input_shape"] = config.pop("batch_shape")
    return config


def tfjs_topology(model: keras.Model) -> dict[str, Any]:
    """The model's architecture as a TensorFlow.js layers-model topology.

    Args:
        model: A functional Keras 3 model whose layers TensorFlow.js knows
            (convolutions, pooling, batch normalisation, dense, rescaling,
            activations, add, dropout...), optionally with an augmentation
            stage (random flips, rotations, zooms...).

    Returns:
        The `modelTopology` of a TensorFlow.js `model.json`.

    Raises:
        ValueError: The model is not functional (a Sequential model or a
            subclassed one).

    Examples:
        ```python
        topology = tfjs_topology(load_trained("small_convnet"))
        [layer["class_name"] for layer in topology["config"]["layers"][:2]]
        # ['InputLayer', 'Rescaling']
        ```
    """
    import keras

    if not is_functional(model):
        raise ValueError(
            f"model {model.name!r} is a {type(model).__name__}: export needs a "
            "functional model (keras.Model(inputs, outputs))"
        )
    graph = model_graph(model)
    # An augmentation stage is replaced by what it reads.
    replaced: dict[str, TensorRef] = {}
    layers = []
    for layer in graph.layers:
        calls = [[replaced.get(t.layer, t) for t in call.args] for call in layer.calls]
        if is_augmentation(model.get_layer(layer.name)):
            if len(calls) != 1 or len(calls[0]) != 1:
                raise ValueError(
                    f"augmentation layer {layer.name!r} must read one tensor"
                )
            replaced[layer.name] = calls[0][0]
            continue
        inbound = [[[t.layer, t.node, t.index, {}] for t in call] for call in calls]
        layers.append(
            {
                "class_name": layer.class_name,
                "name": layer.name,
                "config": _plain_config(layer.config),
                "inbound_nodes": inbound,
            }
        )
    return {
        "class_name": "Model",
        "config": {
            "name": graph.name,
            "layers": layers,
            "input_layers": [[t.layer, t.node, t.index] for t in graph.inputs],
            "output_layers": [[t.layer, t.node, t.index] for t in graph.outputs],
        },
        "keras_version": f"tfjs-layers, from Keras {keras.__version__}",
        "backend": "tensor_flow.js",
    }


def tfjs_weights(
    model: keras.Model, topology: dict[str, Any]
) -> tuple[list[dict[str, Any]], bytes]:
    """The weights of the layers in `topology`: their specs and their bytes.

    Returns:
        The `weights` list of a TensorFlow.js weights manifest (name, shape,
        dtype of each variable) and the values, little-endian float32, in
        the same order.
    """
    specs, chunks = [], []
    for entry in topology["config"]["layers"]:
        for variable in model.get_layer(entry["name"]).weights:
            value = np.asarray(variable, dtype="<f4")
            name = f"{entry['name']}/{variable.name}"
            specs.append({"name": name, "shape": list(value.shape), "dtype": "float32"})
            chunks.append(value.tobytes())
    return specs, b"".join(chunks)


def export_tfjs(model: keras.Model, out_dir: str | os.PathLike[str]) -> Path:
    """Write `model.json` and `weights.bin` for `tf.loadLayersModel`.

    Both files are written atomically; the model is not modified.

    Args:
        model: See `tfjs_topology`.
        out_dir: The folder to write into (created if needed).

    Returns:
        The path of `model.json`.

    Examples:
        ```python
        export_tfjs(load_trained("mini_xception"), "lab/models/mini_xception")
        ```
    """
    import keras

    topology = tfjs_topology(model)
    specs, data = tfjs_weights(model, topology)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / WEIGHTS_FILE) as tmp:
        tmp.write_bytes(data)
    document = {
        "format": "layers-model",
        "generatedBy": f"keras v{keras.__version__}",
        "convertedBy": "modern_convnets.export",
        "modelTopology": topology,
        "weightsManifest": [{"paths": [WEIGHTS_FILE], "weights": specs}],
    }
    target = out / "model.json"
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(document))
    return target
