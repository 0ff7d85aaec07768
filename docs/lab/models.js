/*
 * The lab's models: TensorFlow.js layers models run layer by layer, with
 * P(dog), every layer's activations and Grad-CAM maps.
 *
 * Mirrors, in Python:
 * - modern_convnets.explain.explain_pixels: P(dog) as the sigmoid of the
 *   last Dense layer's logit; Grad-CAM for both classes from one gradient;
 * - modern_convnets.activations.get_activations: any layer's output, from
 *   one forward pass that keeps them all;
 * - modern_convnets.gradcam.gradcam with scale="shared": Grad-CAM on the
 *   logit (its negative for class 0), channels weighed by their mean
 *   gradient, positive parts of both classes divided by the largest value
 *   of either, so that each map is as bright as its evidence is strong.
 *
 * The models are run layer by layer over their graph (`run`), so that any
 * layer's output can be read and replaced by a variable to differentiate.
 * `tf` is TensorFlow.js's global, loaded by a classic script before this
 * module runs.
 */

/** Where `run` keeps the logit, beside the layers' outputs. */
const LOGIT = "\u0000logit";

/** Layer name -> names of the layers it reads, for a layers model. */
function parentsOf(model) {
  const parents = new Map();
  for (const layer of model.layers) {
    const node = layer.inboundNodes[0];
    parents.set(layer.name, node ? node.inboundLayers.map((l) => l.name) : []);
  }
  return parents;
}

/** The layers whose output depends on `name`'s, `name` included. */
function downstream(model, parents, name) {
  const found = new Set([name]);
  for (const layer of model.layers) {
    if (parents.get(layer.name).some((p) => found.has(p))) found.add(layer.name);
  }
  return found;
}

/**
 * A Conv2D layer from unfused operations. TensorFlow.js fuses a convolution
 * without activation even under a gradient, and the fused operation's
 * gradient always includes the kernel's, which the WebAssembly backend
 * cannot compute (no Conv2DBackpropFilter).
 */
function plainConv2D(layer, x) {
  let y = tf.conv2d(x, layer.kernel.read(), layer.strides, layer.padding, "NHWC", layer.dilationRate);
  if (layer.bias) y = tf.add(y, layer.bias.read());
  return layer.activation.apply(y);
}

/**
 * A SeparableConv2D layer (stride 1) whose gradient the WebAssembly backend
 * can compute: it has no DepthwiseConv2dNativeBackpropInput, so the
 * depthwise step is written as a sum of shifted, per-channel scaled copies.
 */
function plainSeparableConv2D(layer, x) {
  const depthwise = layer.depthwiseKernel.read();
  const [kh, kw, channels, multiplier] = depthwise.shape;
  const unit = (v) => (Array.isArray(v) ? v : [v, v]).every((n) => n === 1);
  if (multiplier !== 1 || !unit(layer.strides) || !unit(layer.dilationRate)) {
    throw new Error(`${layer.name}: only stride 1, no dilation, depth multiplier 1`);
  }
  const [, height, width] = x.shape;
  let padded = x;
  let [outHeight, outWidth] = [height - kh + 1, width - kw + 1];
  if (layer.padding === "same") {
    const top = Math.floor((kh - 1) / 2);
    const left = Math.floor((kw - 1) / 2);
    padded = tf.pad(x, [[0, 0], [top, kh - 1 - top], [left, kw - 1 - left], [0, 0]]);
    [outHeight, outWidth] = [height, width];
  }
  let y = null;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap = tf.reshape(tf.slice(depthwise, [i, j, 0, 0], [1, 1, channels, 1]), [channels]);
      const term = tf.mul(tf.slice(padded, [0, i, j, 0], [-1, outHeight, outWidth, -1]), tap);
      y = y === null ? term : tf.add(y, term);
    }
  }
  y = tf.conv2d(y, layer.pointwiseKernel.read(), 1, "valid");
  if (layer.bias) y = tf.add(y, layer.bias.read());
  return layer.activation.apply(y);
}

/**
 * The k × k window positions of a max pooling layer, one tensor per tap,
 * each (1, out height, out width, channels); padding never wins.
 */
function poolTaps(layer, x) {
  const [kh, kw] = layer.poolSize;
  const [sh, sw] = layer.strides;
  const [, height, width, channels] = x.shape;
  const same = layer.padding === "same";
  const outHeight = same ? Math.ceil(height / sh) : Math.floor((height - kh) / sh) + 1;
  const outWidth = same ? Math.ceil(width / sw) : Math.floor((width - kw) / sw) + 1;
  const top = same ? Math.floor(Math.max((outHeight - 1) * sh + kh - height, 0) / 2) : 0;
  const left = same ? Math.floor(Math.max((outWidth - 1) * sw + kw - width, 0) / 2) : 0;
  const needHeight = kh - 1 + sh * outHeight;
  const needWidth = kw - 1 + sw * outWidth;
  const padded = tf.pad(
    x,
    [[0, 0], [top, needHeight - height - top], [left, needWidth - width - left], [0, 0]],
    -3e38,
  );
  const taps = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      // Rows i, i + sh, ... and columns j, j + sw, ...: slices and reshapes,
      // whose gradients every backend has.
      const window = tf.slice(padded, [0, i, j, 0], [1, sh * outHeight, sw * outWidth, channels]);
      const strided = tf.slice(
        tf.reshape(window, [outHeight, sh, outWidth, sw * channels]),
        [0, 0, 0, 0],
        [outHeight, 1, outWidth, channels],
      );
      taps.push(tf.reshape(strided, [1, outHeight, outWidth, channels]));
    }
  }
  return taps;
}

/**
 * For each output of a max pooling layer, which tap holds the first
 * maximum (row-major), as one 0/1 mask per tap: the element TensorFlow's
 * MaxPoolGrad sends the gradient to. The WebAssembly backend's own max
 * pooling gradient does not match TensorFlow's.
 */
function poolMasks(layer, x) {
  const taps = poolTaps(layer, x);
  let best = taps[0];
  let index = tf.zerosLike(taps[0]);
  taps.forEach((tap, t) => {
    const better = tf.greater(tap, best);
    index = tf.where(better, tf.fill(tap.shape, t), index);
    best = tf.maximum(best, tap);
  });
  return taps.map((_, t) => tf.cast(tf.equal(index, t), "float32"));
}

/** Max pooling as a masked sum of taps: its gradient is TensorFlow's. */
function maskedMaxPool(layer, x, masks) {
  return poolTaps(layer, x)
    .map((tap, t) => tf.mul(tap, masks[t]))
    .reduce((a, b) => tf.add(a, b));
}

// Layers re-run under a gradient: their gradient-friendly form.
const DIFFERENTIABLE = { Conv2D: plainConv2D, SeparableConv2D: plainSeparableConv2D };

/**
 * Run a model layer by layer (model.layers is in topological order) and
 * return every layer's output, and the logit under LOGIT. Outputs already
 * in `known` are used as they are: that is how a sub-graph is re-run from
 * a replaced feature map.
 */
function run(item, input, known = new Map(), replaced = new Map()) {
  const values = new Map(known);
  const layers = item.model.layers;
  const last = layers[layers.length - 1];
  for (const layer of layers) {
    if (values.has(layer.name)) continue;
    const parents = item.parents.get(layer.name);
    if (!parents.length) {
      values.set(layer.name, input);
      continue;
    }
    const inputs = parents.map((p) => values.get(p));
    if (layer === last) {
      // The logit: the Dense layer without its sigmoid.
      const logit = tf.add(tf.matMul(inputs[0], layer.kernel.read()), layer.bias.read());
      values.set(LOGIT, logit);
      values.set(layer.name, tf.sigmoid(logit));
    } else if (replaced.has(layer.name)) {
      values.set(layer.name, replaced.get(layer.name)(inputs[0]));
    } else {
      values.set(layer.name, layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }));
    }
  }
  return values;
}

/**
 * Grad-CAM maps at one layer for `classes` (class names by index: the logit
 * speaks for classes[1], its negative for classes[0]), on one scale: both
 * divided by the largest value of either (all zeros if neither has one).
 */
function gradcamMaps(item, values, layerName, classes) {
  const below = downstream(item.model, item.parents, layerName);
  const known = new Map([...values].filter(([name]) => name !== LOGIT && !below.has(name)));
  // The layers after `layerName`, in forms whose gradients match Keras's.
  const replaced = new Map();
  for (const layer of item.model.layers) {
    if (!below.has(layer.name) || layer.name === layerName) continue;
    const kind = layer.getClassName();
    if (kind in DIFFERENTIABLE) {
      replaced.set(layer.name, (x) => DIFFERENTIABLE[kind](layer, x));
    } else if (kind === "MaxPooling2D") {
      const masks = poolMasks(layer, values.get(item.parents.get(layer.name)[0]));
      replaced.set(layer.name, (x) => maskedMaxPool(layer, x, masks));
    }
  }
  const score = (features) => {
    const inputs = new Map(known);
    inputs.set(layerName, features);
    return run(item, null, inputs, replaced).get(LOGIT).sum();
  };
  const features = values.get(layerName);
  const grads = tf.grad(score)(features);
  const cam = tf.sum(tf.mul(features, tf.mean(grads, [1, 2], true)), -1).squeeze([0]);
  // The largest value of either class's positive part: max |cam|.
  const top = tf.max(tf.abs(cam));
  const normalise = (map) => {
    const positive = tf.relu(map);
    return tf.where(tf.greater(top, 0), tf.div(positive, tf.maximum(top, 1e-30)), positive);
  };
  return { [classes[1]]: normalise(cam), [classes[0]]: normalise(tf.neg(cam)) };
}

/**
 * Everything the page shows for one model and one photo, as plain arrays:
 * P(class 1), the activations of `layers` and, for each of `gradcamLayers`,
 * the map of each of `classes` with its shape.
 */
export function analyseModel(item, pixels, { layers, gradcamLayers, classes }) {
  const [height, width] = item.entry.input_size;
  let result;
  // Only plain arrays leave: every tensor made here is freed on return.
  const clock = [performance.now()];
  tf.tidy(() => {
    const input = tf.tensor4d(pixels, [1, height, width, 3]);
    const values = run(item, input);
    const pDog = values.get(LOGIT).sigmoid().dataSync()[0];
    clock.push(performance.now());
    const activations = {};
    for (const name of layers) {
      const value = values.get(name);
      activations[name] = { shape: value.shape.slice(1), data: value.dataSync().slice() };
    }
    clock.push(performance.now());
    const gradcam = {};
    for (const name of gradcamLayers) {
      const maps = gradcamMaps(item, values, name, classes);
      gradcam[name] = { shape: maps[classes[0]].shape };
      for (const label of classes) gradcam[name][label] = maps[label].dataSync().slice();
    }
    clock.push(performance.now());
    // Milliseconds; reading a tensor's data waits for its computation.
    const milliseconds = {
      forward: clock[1] - clock[0],
      activations: clock[2] - clock[1],
      gradcam: clock[3] - clock[2],
    };
    result = { pDog, activations, gradcam, milliseconds };
  });
  return result;
}

/**
 * Load the manifest's models (`models/NAME/model.json`, as
 * modern_convnets.lab.export_lab writes them), telling `onProgress` the
 * fraction downloaded; returns the items `analyseModel` takes, by name.
 */
export async function loadModels(entries, onProgress) {
  const done = new Array(entries.length).fill(0);
  const loaded = await Promise.all(
    entries.map((entry, i) =>
      tf.loadLayersModel(entry.path, {
        onProgress: (fraction) => {
          done[i] = fraction;
          onProgress(done.reduce((a, b) => a + b, 0) / entries.length);
        },
      }),
    ),
  );
  return new Map(
    entries.map((entry, i) => [
      entry.name,
      { entry, model: loaded[i], parents: parentsOf(loaded[i]) },
    ]),
  );
}
