"""XLA's CPU depthwise convolution against other formulations, flags and TensorFlow.

On the CPU, Keras on JAX runs the gradient work of Xception-like models many
times slower than TensorFlow; the depthwise convolution is the suspect. This
script times one 3 × 3, stride-1, 'same' depthwise convolution on shapes of
Xception and Mini-Xception, forward and backward (the gradient of a weighted
sum of the output, with respect to the input and to the kernel, each under
`jax.jit`), written several ways:

- `keras`: `keras.ops.depthwise_conv` as the JAX backend issues it,
  `lax.conv_general_dilated` with `feature_group_count` = channels, NHWC;
- `lax NCHW`: the same convolution on channels-first arrays (transposed
  outside the timed call);
- `keras, highest precision`: `keras` compiled under
  `jax.default_matmul_precision("highest")`;
- `shifted`: pad once, then the sum over the 9 kernel offsets of
  `x_padded[:, i:i+H, j:j+W, :] * w[i, j]`: elementwise work that XLA fuses
  into one loop;
- `keras` and `shifted` again in processes started with `XLA_FLAGS`
  settings of the CPU backend (flags are read when JAX starts);
- `tensorflow`: `tf.nn.depthwise_conv2d` in a `tf.function`, as Keras on
  TensorFlow runs it, and `tensorflow, XLA` (`jit_compile=True`), in a process
  with TensorFlow.

Each worker process times its formulations interleaved (`timing.py`), each
timing repeating the compiled call for about `--seconds` (at least once).
Every result is compared with `keras`'s from the first worker: the largest
absolute difference, and that difference over the largest magnitude of the
result. The report also lists, for each compiled pass, its convolutions and
whether XLA runs them itself (Eigen) or hands them to a library (a
`__ynn_fusion`: YNNPACK), so a flag that changes nothing can be told from
one that changes the plan.

`--end-to-end` also times, on JAX, Xception's filter ascent
(`filters.ascend_filters`, `block3_sepconv1`, 4 filters, 200 × 200, as in
`backends.py`) and Grad-CAM of 16 photos on the shipped Mini-Xception, with
Keras's depthwise convolution and with `shifted` put in its place while the
step is traced (`shifted_depthwise_conv`; the package is unchanged), and the
same jobs on TensorFlow through `backends.py`'s worker.

Usage:
    python benchmarks/jax_depthwise.py \\
        --jax-python .nox/backends-backend-jax/bin/python \\
        --tf-python .nox/tests/bin/python --end-to-end
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from timing import interleaved, load_average

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ("4x100x100x128", "16x88x88x32")
PASSES = ("forward", "grad input", "grad kernel")
KERNEL = 3

# XLA_FLAGS of the JAX worker processes, by name; "default" sets none.
FLAGS = {
    "default": "",
    "no thunk runtime": "--xla_cpu_use_thunk_runtime=false",
    "single-thread Eigen": "--xla_cpu_multi_thread_eigen=false",
    "fast math": "--xla_cpu_enable_fast_math=true",
    "oneDNN": "--xla_cpu_use_onednn=true",
    "YNNPACK convolution": (
        "--xla_cpu_experimental_ynn_fusion_type=individual_convolution"
    ),
    "no YNNPACK": "--xla_cpu_experimental_ynn_fusion_type=",
}
REFERENCE = "keras"


def repeated(call: Callable[[], Any], seconds: float) -> tuple[Callable[[], Any], int]:
    """`call` run n times per timing, n making about `seconds` (n >= 1)."""
    call()  # compile, warm caches
    start = time.perf_counter()
    call()
    calls = max(1, math.ceil(seconds / (time.perf_counter() - start)))

    def run() -> Any:
        for _ in range(calls):
            result = call()
        return result

    return run, calls


def parse_shape(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in text.split("x"))


def inputs(shape: tuple[int, ...]) -> dict[str, Any]:
    """Input, depthwise kernel (Keras layout) and output weights, seeded."""
    import numpy as np

    rng = np.random.default_rng(0)
    channels = shape[-1]
    return {
        "x": rng.standard_normal(shape, dtype=np.float32),
        "w": (rng.standard_normal((KERNEL, KERNEL, channels, 1)) / KERNEL).astype(
            np.float32
        ),
        "g": rng.standard_normal(shape, dtype=np.float32),
    }


# ---------------------------------------------------------------- JAX side


def shifted_depthwise(x: Any, w: Any, padding: str = "same") -> Any:
    """Depthwise convolution, stride 1, channels last, as shifted multiply-adds.

    Args:
        x: `(batch, height, width, channels)`.
        w: Keras's depthwise kernel, `(kh, kw, channels, multiplier)`.
        padding: "same" or "valid".

    Returns:
        `(batch, height', width', channels * multiplier)`, channel
        `c * multiplier + m` from input channel `c`, as `lax` orders them.
    """
    import jax.numpy as jnp

    kh, kw, channels, multiplier = w.shape
    if padding.lower() == "same":
        pads = ((0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0))
        x = jnp.pad(x, pads)
    height, width = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = None
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i : i + height, j : j + width, :]
            if multiplier == 1:
                term = patch * w[i, j, :, 0]
            else:
                term = (patch[..., None] * w[i, j]).reshape(
                    (*patch.shape[:3], channels * multiplier)
                )
            out = term if out is None else out + term
    return out


@contextlib.contextmanager
def shifted_depthwise_conv() -> Iterator[list[int]]:
    """Keras's JAX `depthwise_conv` replaced by `shifted_depthwise` meanwhile.

    Only the cases `shifted_depthwise` covers (2-D, channels last, stride 1,
    no dilation, 'same' or 'valid') are replaced; the others go to Keras's
    own. `SeparableConv2D` reaches it through the backend's `separable_conv`.
    A step traced inside the context keeps the replacement. Yields a list
    holding the number of convolutions replaced so far.
    """
    from keras.src.backend.jax import nn

    original = nn.depthwise_conv
    replaced = [0]

    def depthwise_conv(
        inputs: Any,
        kernel: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
    ) -> Any:
        import keras

        def ones(value: Any) -> bool:
            values = value if isinstance(value, (tuple, list)) else (value,)
            return all(v == 1 for v in values)

        fmt = data_format or keras.config.image_data_format()
        if (
            len(inputs.shape) == 4
            and fmt == "channels_last"
            and ones(strides)
            and ones(dilation_rate)
            and padding.lower() in ("same", "valid")
        ):
            replaced[0] += 1
            return shifted_depthwise(inputs, kernel, padding)
        return original(inputs, kernel, strides, padding, data_format, dilation_rate)

    nn.depthwise_conv = depthwise_conv
    try:
        yield replaced
    finally:
        nn.depthwise_conv = original


@dataclass
class Formulation:
    """A way of writing the convolution, and the layout it takes and gives."""

    function: Callable[[Any, Any], Any]
    channels_first: bool = False
    precision: str | None = None


def formulations(names: list[str]) -> dict[str, Formulation]:
    import keras
    from jax import lax

    def keras_op(x: Any, w: Any) -> Any:
        return keras.ops.depthwise_conv(x, w, strides=1, padding="same")

    def lax_nchw(x: Any, w: Any) -> Any:
        return lax.conv_general_dilated(
            x,
            w,
            (1, 1),
            "SAME",
            dimension_numbers=("NCHW", "OIHW", "NCHW"),
            feature_group_count=x.shape[1],
        )

    every = {
        "keras": Formulation(keras_op),
        "lax NCHW": Formulation(lax_nchw, channels_first=True),
        "keras, highest precision": Formulation(keras_op, precision="highest"),
        "shifted": Formulation(shifted_depthwise),
    }
    return {name: every[name] for name in names}


def compile_pass(form: Formulation, which: str, x: Any, w: Any, g: Any) -> Any:
    """The pass compiled ahead of time (under the formulation's precision)."""
    import jax

    def loss(x: Any, w: Any, g: Any) -> Any:
        return (form.function(x, w) * g).sum()

    if which == "forward":
        function, args = jax.jit(form.function), (x, w)
    else:
        argnum = 0 if which == "grad input" else 1
        function, args = jax.jit(jax.grad(loss, argnums=argnum)), (x, w, g)
    context = (
        jax.default_matmul_precision(form.precision)
        if form.precision
        else contextlib.nullcontext()
    )
    with context:
        compiled = function.lower(*args).compile()
    return (lambda: compiled(*args)), plan(compiled.as_text())


def plan(hlo: str) -> list[str]:
    """The compiled module's convolutions, and which library runs them.

    A convolution inside a custom fusion (`"kind":"__ynn_fusion"`, XNNPACK,
    oneDNN) is run by that library; one outside is XLA's own convolution
    thunk (Eigen). Other library fusions (e.g. YNNPACK reductions) are listed
    by kind.
    """
    computation, convolutions, fusions = None, [], {}
    for line in hlo.splitlines():
        if line and not line.startswith(" ") and "{" in line:
            computation = line.split(" ")[1 if line.startswith("ENTRY") else 0]
        if " convolution(" in line:
            groups = re.findall(r"(?:feature|batch)_group_count=\d+", line)
            convolutions.append((computation, " ".join(["convolution", *groups])))
        kind = re.search(r'"kind":"(__\w+)"', line)
        called = re.search(r"calls=(%[\w.-]+)", line)
        if kind and called:
            fusions[called.group(1)] = kind.group(1)
    found = [
        f"{conv} in {fusions[where]}" if where in fusions else f"{conv} by XLA/Eigen"
        for where, conv in convolutions
    ]
    inside = {where for where, _ in convolutions}
    found += [kind for called, kind in fusions.items() if called not in inside]
    return sorted(set(found))


def to_keras_layout(form: Formulation, which: str, result: Any) -> Any:
    """A result back in the `keras` formulation's layout (NHWC, HWC1)."""
    import numpy as np

    result = np.asarray(result)
    if not form.channels_first:
        return result
    if which == "grad kernel":  # (C, 1, kh, kw) -> (kh, kw, C, 1)
        return result.transpose(2, 3, 0, 1)
    return result.transpose(0, 2, 3, 1)


def jax_worker(args: argparse.Namespace) -> dict[str, Any]:
    import jax
    import numpy as np

    forms = formulations(args.sides)
    report: dict[str, Any] = {"times": {}, "diffs": {}, "plans": {}}
    for shape_text in args.shapes:
        data = inputs(parse_shape(shape_text))
        nchw = {
            "x": data["x"].transpose(0, 3, 1, 2),
            "w": data["w"].transpose(2, 3, 0, 1),  # (C, 1, kh, kw): OIHW
            "g": data["g"].transpose(0, 3, 1, 2),
        }
        for which in args.passes:
            sides, calls = {}, {}
            for name, form in forms.items():
                d = nchw if form.channels_first else data
                arrays = (jax.device_put(d[k]) for k in "xwg")
                call, steps = compile_pass(form, which, *arrays)
                report["plans"][f"{shape_text}/{which}/{name}"] = steps

                sides[name], calls[name] = repeated(
                    lambda call=call: call().block_until_ready(), args.seconds
                )
            timings = interleaved(sides, repeats=args.repeats)
            key = f"{shape_text}/{which}"
            report["times"][key] = {
                name: [t / calls[name] for t in times]
                for name, times in timings.seconds.items()
            }
            results = {
                name: to_keras_layout(forms[name], which, r)
                for name, r in timings.results.items()
            }
            report["diffs"][key] = compare(args, key, results)
    report["load"] = [load_average()]
    report["versions"] = f"jax {jax.__version__}, numpy {np.__version__}"
    return report


def compare(
    args: argparse.Namespace, key: str, results: dict[str, Any]
) -> dict[str, list[float]]:
    """Largest difference from `keras`'s result (saved by the first worker)."""
    import numpy as np

    path = Path(args.scratch) / (key.replace("/", "_").replace(" ", "_") + ".npy")
    if REFERENCE in results and args.save_reference:
        np.save(path, results[REFERENCE])
    if not path.exists():
        return {}
    reference = np.load(path)
    scale = float(np.abs(reference).max())
    diffs = {}
    for name, result in results.items():
        largest = float(np.abs(np.asarray(result, np.float64) - reference).max())
        diffs[name] = [largest, largest / scale]
    return diffs


# ---------------------------------------------------------- TensorFlow side


def tf_worker(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    import tensorflow as tf

    report: dict[str, Any] = {"times": {}, "diffs": {}}
    for shape_text in args.shapes:
        data = inputs(parse_shape(shape_text))
        x, w, g = (tf.constant(data[k]) for k in "xwg")
        for which in args.passes:

            def run(x: Any, w: Any, g: Any, which: str = which) -> Any:
                if which == "forward":
                    return tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME")
                with tf.GradientTape() as tape:
                    tape.watch(x if which == "grad input" else w)
                    y = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME")
                    loss = tf.reduce_sum(y * g)
                return tape.gradient(loss, x if which == "grad input" else w)

            sides, calls = {}, {}
            for name, jit in (("tensorflow", False), ("tensorflow, XLA", True)):
                function = tf.function(run, autograph=False, jit_compile=jit)
                sides[name], calls[name] = repeated(
                    lambda f=function, xwg=(x, w, g): f(*xwg).numpy(), args.seconds
                )
            timings = interleaved(sides, repeats=args.repeats)
            key = f"{shape_text}/{which}"
            report["times"][key] = {
                name: [t / calls[name] for t in times]
                for name, times in timings.seconds.items()
            }
            report["diffs"][key] = compare(args, key, timings.results)
    report["load"] = [load_average()]
    report["versions"] = f"tensorflow {tf.__version__}, numpy {np.__version__}"
    return report


# -------------------------------------------------------------- end to end


def e2e_worker(args: argparse.Namespace) -> dict[str, Any]:
    """Ascent steps and Grad-CAM on JAX, Keras's convolution against `shifted`."""
    import numpy as np
    from backends import FILTERS, LAYER, PHOTOS, SIZE

    from modern_convnets.filters import ascend_filters
    from modern_convnets.gradcam import gradcam
    from modern_convnets.images import model_batch
    from modern_convnets.pretrained import xception_base
    from modern_convnets.shipped import load_trained

    report: dict[str, Any] = {"times": {}, "diffs": {}, "replaced": {}}
    kwargs = {"image_size": SIZE, "batch_size": FILTERS, "seed": 0}
    steps = args.e2e_steps
    bases = {"keras": xception_base(), "shifted": xception_base()}
    assert bases["keras"] is not bases["shifted"]

    def convolution(name: str) -> contextlib.AbstractContextManager[Any]:
        """Keras's depthwise convolution, or the shifted form in its place."""
        if name == "shifted":
            return shifted_depthwise_conv()
        return contextlib.nullcontext()

    def ascent(name: str) -> Callable[[], Any]:
        def run() -> Any:
            with convolution(name) as replaced:
                result = ascend_filters(
                    bases[name], LAYER, range(FILTERS), steps=steps, **kwargs
                )
            if replaced is not None:
                report["replaced"].setdefault(f"ascent/{name}", replaced[0])
            return result.objectives

        return run

    timings = interleaved({n: ascent(n) for n in bases}, repeats=args.repeats)
    report["times"]["Xception ascent step"] = {
        n: [t / steps for t in ts] for n, ts in timings.seconds.items()
    }
    a, b = (timings.results[n] for n in bases)
    report["diffs"]["Xception ascent step"] = {
        "shifted": [
            float(np.abs(a - b).max()),
            float(np.abs(a - b).max() / abs(a).max()),
        ]
    }

    root = Path(args.data or "") / "cats_and_dogs_filtered" / "validation"
    if args.data and root.exists():
        paths = [root / "cats" / f"cat.{2000 + i}.jpg" for i in range(PHOTOS // 2)]
        paths += [root / "dogs" / f"dog.{2000 + i}.jpg" for i in range(PHOTOS // 2)]
        models = {n: load_trained("mini_xception") for n in bases}
        batch = model_batch(models["keras"], paths)

        def cam(name: str) -> Callable[[], Any]:
            def run() -> Any:
                with convolution(name) as replaced:
                    maps = gradcam(models[name], batch)
                if replaced is not None:
                    report["replaced"].setdefault(f"gradcam/{name}", replaced[0])
                return np.asarray(maps)

            return run

        timings = interleaved({n: cam(n) for n in bases}, repeats=args.repeats)
        report["times"]["Mini-Xception Grad-CAM, 16 photos"] = timings.seconds
        a, b = (timings.results[n] for n in bases)
        report["diffs"]["Mini-Xception Grad-CAM, 16 photos"] = {
            "shifted": [
                float(np.abs(a - b).max()),
                float(np.abs(a - b).max() / abs(a).max()),
            ]
        }
    report["load"] = [load_average()]
    return report


# ------------------------------------------------------------ orchestrator


def run_worker(
    python: str, kind: str, args: argparse.Namespace, extra: list[str], env: dict
) -> dict[str, Any]:
    command = [python, __file__, "--worker", kind, "--scratch", args.scratch]
    command += ["--repeats", str(args.repeats), "--seconds", str(args.seconds)]
    command += ["--shapes", *args.shapes, "--passes", *args.passes, *extra]
    if args.data:
        command += ["--data", args.data, "--e2e-steps", str(args.e2e_steps)]
    environment = {
        **os.environ,
        "KERAS_BACKEND": "tensorflow" if kind == "tf" else "jax",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT / 'benchmarks'}",
        **env,
    }
    start = time.perf_counter()
    out = subprocess.run(
        command, env=environment, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{kind} worker {extra} failed:\n{out.stderr[-3000:]}")
    report = json.loads(out.stdout.strip().splitlines()[-1])
    report["wall"] = time.perf_counter() - start
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jax-python", default=sys.executable)
    parser.add_argument("--tf-python", default=None)
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES))
    parser.add_argument("--passes", nargs="+", default=list(PASSES), choices=PASSES)
    parser.add_argument(
        "--sides",
        nargs="+",
        default=["keras", "lax NCHW", "keras, highest precision", "shifted"],
        help="formulations timed in the default JAX process",
    )
    parser.add_argument(
        "--flags",
        nargs="*",
        default=[f for f in FLAGS if f != "default"],
        choices=[f for f in FLAGS if f != "default"],
        help="XLA_FLAGS settings, each timed in a process of its own",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--seconds",
        type=float,
        default=0.2,
        help="each timing repeats a call for about this long (at least once)",
    )
    parser.add_argument(
        "--flag-shapes",
        nargs="+",
        default=list(SHAPES[:1]),
        help="shapes timed in the processes with XLA_FLAGS",
    )
    parser.add_argument("--end-to-end", action="store_true")
    parser.add_argument("--e2e-steps", type=int, default=3)
    parser.add_argument("--data", default=os.environ.get("MODERN_CONVNETS_DATA"))
    parser.add_argument(
        "--worker", choices=["jax", "tf", "e2e"], help=argparse.SUPPRESS
    )
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    parser.add_argument("--save-reference", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker = {"jax": jax_worker, "tf": tf_worker, "e2e": e2e_worker}[args.worker]
        print(json.dumps(worker(args)))
        return

    before = load_average()
    with tempfile.TemporaryDirectory() as scratch:
        args.scratch = scratch
        reports: dict[str, dict[str, Any]] = {}
        sides = ["--sides", *args.sides, "--save-reference"]
        reports["default"] = run_worker(args.jax_python, "jax", args, sides, {})
        for name in args.flags:
            extra = ["--sides", "keras", "shifted", "--shapes", *args.flag_shapes]
            env = {"XLA_FLAGS": FLAGS[name]}
            reports[name] = run_worker(args.jax_python, "jax", args, extra, env)
        if args.tf_python:
            reports["tf"] = run_worker(args.tf_python, "tf", args, [], {})
        e2e = {}
        if args.end_to_end:
            e2e["jax"] = run_worker(args.jax_python, "e2e", args, [], {})
            if args.tf_python:
                from backends import run_worker as backends_worker

                e2e["tf"] = backends_worker("tensorflow", args.tf_python, args.data)
    after = load_average()
    print(f"load average before: {before}; after: {after}")
    for name, report in reports.items():
        print(
            f"  worker {name}: {report.get('versions', '')}, "
            f"{report['wall']:.0f} s, load after {report['load'][0]}"
        )
    print_plans(reports)
    print_ops(reports, args)
    if e2e:
        print_e2e(e2e)


def row(best: float, times: list[float], unit: str, scale: float) -> str:
    spread = (max(times) - best) / best
    return f"{best * scale:.2f} {unit} ({spread:.0%})"


def print_ops(reports: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"\nTime per call: minimum over {args.repeats} timings, each of "
        f"about {args.seconds} s or one call (spread); speed-up: `keras`'s time "
        "over this one; ÷ shifted: this time over `shifted`'s in the same "
        "process (compares processes that ran under different loads; a flag "
        "may move `shifted` too); "
        "vs TF: this time over `tensorflow`'s; "
        "difference: largest from `keras`'s result (over its largest magnitude)."
    )
    for key in reports["default"]["times"]:
        base = min(reports["default"]["times"][key][REFERENCE])
        tf_times = reports.get("tf", {}).get("times", {}).get(key, {})
        tf_best = min(tf_times["tensorflow"]) if tf_times else None
        print(f"\n{key}\n")
        print("| variant | time (spread) | speed-up | ÷ shifted | vs TF | difference |")
        print("|---|---|---|---|---|---|")
        for worker, report in reports.items():
            times_here = report["times"].get(key, {})
            anchor = min(times_here["shifted"]) if "shifted" in times_here else None
            for side, times in times_here.items():
                label = side if worker in ("default", "tf") else f"{side} [{worker}]"
                best = min(times)
                ratio = f"{best / tf_best:.2f}×" if tf_best else ""
                shifted = f"{best / anchor:.1f}" if anchor else ""
                diff = report["diffs"].get(key, {}).get(side)
                diff_text = f"{diff[0]:.1e} ({diff[1]:.1e})" if diff else ""
                print(
                    f"| {label} | {row(best, times, 'ms', 1000)} | "
                    f"{base / best:.2f}× | {shifted} | {ratio} | {diff_text} |"
                )


def print_plans(reports: dict[str, dict[str, Any]]) -> None:
    """The compiled convolutions and library fusions, per worker and side."""
    default = reports["default"]["plans"]
    print("\nCompiled plans (convolutions, library fusions):")
    for key, steps in default.items():
        print(f"  {key}: {'; '.join(steps) or 'no convolution, no library fusion'}")
    for worker, report in reports.items():
        if worker in ("default", "tf"):
            continue
        changed = {k: v for k, v in report["plans"].items() if default.get(k) != v}
        if not changed:
            print(f"  [{worker}]: as without flags")
        for key, steps in changed.items():
            text = "; ".join(steps) or "no convolution, no library fusion"
            print(f"  [{worker}] {key}: {text}")


def print_e2e(e2e: dict[str, dict[str, Any]]) -> None:
    jax_report, tf = e2e["jax"], e2e.get("tf", {})
    print(f"\nEnd to end on JAX, load after: {jax_report['load'][0]}")
    print(f"depthwise convolutions replaced when traced: {jax_report['replaced']}\n")
    tf_keys = {
        "Xception ascent step": "ascent_step",
        "Mini-Xception Grad-CAM, 16 photos": "gradcam",
    }
    print("| job | side | time (spread) | speed-up | vs TF | difference |")
    print("|---|---|---|---|---|---|")
    for job, sides in jax_report["times"].items():
        base = min(sides["keras"])
        tf_best = tf.get(tf_keys[job])
        for side, times in sides.items():
            best = min(times)
            ratio = f"{best / tf_best:.2f}×" if tf_best else ""
            diff = jax_report["diffs"][job].get(side)
            diff_text = f"{diff[0]:.1e} ({diff[1]:.1e})" if diff else ""
            print(
                f"| {job} | {side} | {row(best, times, 's', 1)} | "
                f"{base / best:.2f}× | {ratio} | {diff_text} |"
            )
        if tf_best:
            print(f"| {job} | tensorflow | {tf_best:.2f} s | | 1× | |")


if __name__ == "__main__":
    main()
