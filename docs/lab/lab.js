/*
 * The lab: the guide's trained models on the reader's own photo, in the
 * browser, with TensorFlow.js on WebAssembly. Nothing is uploaded.
 *
 * It computes what the Python package computes, so that its numbers can be
 * checked against Keras (tests/website/test_lab_in_browser.py):
 * - pixels: decoded RGB, resized to the model's input size by bilinear
 *   interpolation with half-pixel centres in float32, as tf.image.resize
 *   (modern_convnets.data.resize_bilinear);
 * - P(dog): the sigmoid of the last Dense layer's logit;
 * - Grad-CAM (modern_convnets.gradcam) on the logit, its negative for the
 *   other class: one gradient gives both maps;
 * - activations: one forward pass that keeps every layer's output.
 *
 * The models are run layer by layer over their graph (`run`), so that any
 * layer's output can be read and replaced by a variable to differentiate.
 *
 * Tests drive the page through window.modernConvnetsLab and these stable
 * hooks: [data-testid="prediction"][data-model=NAME] with data-p-dog once a
 * photo is processed, canvas[data-testid="gradcam"], input[type=file].
 */
"use strict";

(() => {
  const root = document.getElementById("mc-lab");
  if (!root) return;

  const LOGIT = "\u0000logit";
  const MAX_PIXELS = 80e6; // an 8,000 × 10,000 photo: 320 MB of RGBA to decode
  const status = document.getElementById("mc-lab-status");
  const progress = document.getElementById("mc-lab-progress");
  const fileInput = document.getElementById("mc-lab-file");
  const drop = document.getElementById("mc-lab-drop");
  const samples = document.getElementById("mc-lab-samples");
  const photoCanvas = document.getElementById("mc-lab-photo");

  class PhotoError extends Error {}

  function say(message, kind = "info") {
    status.textContent = message;
    status.dataset.kind = kind;
  }

  const lab = {
    manifest: null,
    models: new Map(), // name -> {entry, model, parents, cards}
    photo: null, // {pixels: Float32Array (h, w, 3) at the input size, name, width, height}
    ready: null,
    busy: Promise.resolve(),
    processed: 0, // photos handled, successfully or not
  };
  window.modernConvnetsLab = lab;

  // ---- Pixels ------------------------------------------------------------

  const f32 = Math.fround;

  /** Source rows or columns and weights of a half-pixel bilinear resize. */
  function resizeWeights(outSize, inSize) {
    const scale = f32(inSize / outSize);
    const lower = new Int32Array(outSize);
    const upper = new Int32Array(outSize);
    const lerp = new Float32Array(outSize);
    for (let i = 0; i < outSize; i++) {
      const source = f32(f32(f32(i + 0.5) * scale) - 0.5);
      const floor = Math.floor(source);
      lower[i] = Math.max(floor, 0);
      upper[i] = Math.min(Math.ceil(source), inSize - 1);
      lerp[i] = f32(source - floor);
    }
    return { lower, upper, lerp };
  }

  /**
   * Resize interleaved pixels (`channels` per pixel, RGB first) to
   * (height, width, 3) float32, as tf.image.resize(..., "bilinear").
   */
  function resizeBilinear(data, inHeight, inWidth, channels, height, width) {
    const ys = resizeWeights(height, inHeight);
    const xs = resizeWeights(width, inWidth);
    const out = new Float32Array(height * width * 3);
    for (let y = 0; y < height; y++) {
      const top = ys.lower[y] * inWidth;
      const bottom = ys.upper[y] * inWidth;
      const dy = ys.lerp[y];
      for (let x = 0; x < width; x++) {
        const left = xs.lower[x];
        const right = xs.upper[x];
        const dx = xs.lerp[x];
        for (let c = 0; c < 3; c++) {
          const tl = data[(top + left) * channels + c];
          const tr = data[(top + right) * channels + c];
          const bl = data[(bottom + left) * channels + c];
          const br = data[(bottom + right) * channels + c];
          const upperRow = f32(tl + f32(f32(tr - tl) * dx));
          const lowerRow = f32(bl + f32(f32(br - bl) * dx));
          out[(y * width + x) * 3 + c] = f32(upperRow + f32(f32(lowerRow - upperRow) * dy));
        }
      }
    }
    return out;
  }

  /** Decode a file or blob to opaque RGBA pixels, turned upright by its EXIF tag. */
  async function decode(blob, name) {
    if (!blob.size) throw new PhotoError(`“${name}” is empty (0 bytes): choose a photo.`);
    let bitmap;
    try {
      bitmap = await createImageBitmap(blob, { imageOrientation: "from-image" });
    } catch (error) {
      throw new PhotoError(
        `“${name}” could not be read as an image: it is not one, or it is damaged. ` +
          "Photos in JPEG, PNG, WebP or GIF format work.",
      );
    }
    const { width, height } = bitmap;
    if (width * height > MAX_PIXELS) {
      bitmap.close();
      throw new PhotoError(
        `“${name}” is ${width.toLocaleString("en")} × ${height.toLocaleString("en")} pixels, ` +
          `more than this page decodes (${MAX_PIXELS / 1e6} megapixels): scale it down first.`,
      );
    }
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    // Transparent parts are laid over white, as modern_convnets.explain does.
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
    const { data } = context.getImageData(0, 0, width, height);
    canvas.width = canvas.height = 0; // free the backing store now
    return { data, width, height, channels: 4 };
  }

  // ---- Models --------------------------------------------------------------

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

  /** Grad-CAM maps for both classes at one layer, each divided by its maximum. */
  function gradcamMaps(item, values, layerName) {
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
    const normalise = (map) => {
      const positive = tf.relu(map);
      const top = tf.max(positive);
      return tf.where(tf.greater(top, 0), tf.div(positive, tf.maximum(top, 1e-30)), positive);
    };
    return { dog: normalise(cam), cat: normalise(tf.neg(cam)) };
  }

  /**
   * Everything the page shows for one model and one photo, as plain arrays.
   * `options.layers`: the layers whose activations to return (default: the
   * selected one); `options.gradcamLayers` likewise.
   */
  function analyseModel(item, pixels, options = {}) {
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
      for (const name of options.layers || [item.cards.layer.value]) {
        const value = values.get(name);
        activations[name] = { shape: value.shape.slice(1), data: value.dataSync().slice() };
      }
      clock.push(performance.now());
      const gradcam = {};
      for (const name of options.gradcamLayers || [item.cards.gradcamLayer.value]) {
        const maps = gradcamMaps(item, values, name);
        const shape = maps.dog.shape;
        gradcam[name] = {
          shape,
          dog: maps.dog.dataSync().slice(),
          cat: maps.cat.dataSync().slice(),
          overlay: {
            dog: overlayPixels(pixels, height, width, maps.dog),
            cat: overlayPixels(pixels, height, width, maps.cat),
          },
        };
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

  // ---- Drawing ---------------------------------------------------------------

  /** The map resized to the photo, coloured, blended: modern_convnets.gradcam.overlay. */
  function overlayPixels(pixels, height, width, map) {
    const resized = tf.image
      .resizeBilinear(map.expandDims(-1), [height, width], false, true)
      .dataSync();
    const table = lab.manifest.colormaps.gradcam.table;
    const alpha = lab.manifest.gradcam_alpha;
    const rgba = new Uint8ClampedArray(height * width * 4);
    for (let i = 0; i < height * width; i++) {
      const value = Math.min(Math.max(resized[i], 0), 1);
      const colour = table[Math.min(Math.floor(value * 256), 255)];
      for (let c = 0; c < 3; c++) {
        rgba[i * 4 + c] = Math.round((1 - alpha) * pixels[i * 3 + c] + alpha * colour[c]);
      }
      rgba[i * 4 + 3] = 255;
    }
    return rgba;
  }

  function drawRGBA(canvas, rgba, width, height) {
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
  }

  function photoRGBA(pixels, width, height) {
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.round(pixels[i * 3 + c]);
      rgba[i * 4 + 3] = 255;
    }
    return rgba;
  }

  /** Channels side by side, each stretched to its own range (plotting.channel_mosaic). */
  function drawMosaic(canvas, activation) {
    const [height, width, channels] = activation.shape;
    const data = activation.data;
    const columns = channels <= 32 ? 8 : 16;
    const rows = Math.ceil(channels / columns);
    const margin = Math.max(1, Math.floor(height / 16));
    const mosaicWidth = columns * (width + margin) - margin;
    const mosaicHeight = rows * (height + margin) - margin;
    const rgba = new Uint8ClampedArray(mosaicWidth * mosaicHeight * 4);
    const table = lab.manifest.colormaps.activations.table;
    let blank = 0;
    for (let k = 0; k < channels; k++) {
      let low = Infinity;
      let high = -Infinity;
      for (let i = k; i < data.length; i += channels) {
        low = Math.min(low, data[i]);
        high = Math.max(high, data[i]);
      }
      const empty = low === 0 && high === 0;
      blank += empty;
      const range = high - low;
      const top = Math.floor(k / columns) * (height + margin);
      const left = (k % columns) * (width + margin);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const value = data[(y * width + x) * channels + k];
          const colour = empty
            ? [176, 176, 176]
            : table[Math.min(Math.floor((range ? (value - low) / range : 0) * 256), 255)];
          const o = ((top + y) * mosaicWidth + left + x) * 4;
          rgba[o] = colour[0];
          rgba[o + 1] = colour[1];
          rgba[o + 2] = colour[2];
          rgba[o + 3] = 255;
        }
      }
    }
    drawRGBA(canvas, rgba, mosaicWidth, mosaicHeight);
    return { channels, blank };
  }

  // ---- The page --------------------------------------------------------------

  const TITLES = { small_convnet: "Small convnet", mini_xception: "Mini-Xception" };

  function element(tag, attributes = {}, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function options(select, names) {
    for (const name of names) select.append(element("option", { value: name }, name));
  }

  /** The result panel of one model: prediction, Grad-CAM, activations. */
  function buildCards(entry) {
    const section = document.querySelector(`section.mc-lab-model[data-model="${entry.name}"]`);
    const id = (what) => `mc-lab-${entry.name}-${what}`;
    const prediction = element("p", {
      "data-testid": "prediction",
      "data-model": entry.name,
      class: "mc-lab-prediction",
    }, "Waiting for a photo.");
    const meter = element("div", { class: "mc-lab-meter", "aria-hidden": "true" });
    const meterDog = element("span", { class: "mc-lab-meter-dog" });
    meter.append(meterDog);

    const gradcamLabel = element("label", { for: id("gradcam-layer") }, "Grad-CAM at layer ");
    const gradcamLayer = element("select", { id: id("gradcam-layer") });
    options(gradcamLayer, entry.gradcam_layers);
    const figures = element("div", { class: "mc-lab-gradcam" });
    const gradcam = {};
    for (const label of ["dog", "cat"]) {
      const figure = element("figure");
      const canvas = element("canvas", {
        "data-testid": "gradcam",
        "data-model": entry.name,
        "data-class": label,
        width: entry.input_size[1],
        height: entry.input_size[0],
        role: "img",
        "aria-label": `Grad-CAM heatmap for ${label}: no photo yet`,
      });
      const caption = element("figcaption", {}, `Evidence for “${label}”`);
      figure.append(canvas, caption);
      figures.append(figure);
      gradcam[label] = { canvas, caption };
    }

    const layerLabel = element("label", { for: id("layer") }, "Activations of layer ");
    const layer = element("select", { id: id("layer") });
    options(layer, entry.layers.map((l) => l.name));
    const mosaicFigure = element("figure", { class: "mc-lab-mosaic" });
    const mosaic = element("canvas", {
      "data-testid": "activations",
      "data-model": entry.name,
      role: "img",
      "aria-label": "Activations: no photo yet",
    });
    const mosaicCaption = element("figcaption", {}, "");
    mosaicFigure.append(mosaic, mosaicCaption);

    section.append(
      prediction,
      meter,
      element("p", { class: "mc-lab-control" }),
      figures,
      element("p", { class: "mc-lab-control" }),
      mosaicFigure,
    );
    section.children[2].append(gradcamLabel, gradcamLayer);
    section.children[4].append(layerLabel, layer);
    gradcamLayer.addEventListener("change", () => refresh(entry.name));
    layer.addEventListener("change", () => refresh(entry.name));
    return { prediction, meterDog, gradcamLayer, gradcam, layer, mosaic, mosaicCaption };
  }

  function showModel(item, result) {
    const cards = item.cards;
    const pDog = result.pDog;
    const verdict = pDog >= 0.5 ? "dog" : "cat";
    cards.prediction.dataset.pDog = String(pDog);
    cards.prediction.textContent =
      `P(dog) = ${pDog.toFixed(3)}, P(cat) = ${(1 - pDog).toFixed(3)}: ` +
      `${TITLES[item.entry.name]} says ${verdict}.`;
    cards.meterDog.style.width = `${(100 * pDog).toFixed(1)}%`;
    const layerName = cards.gradcamLayer.value;
    const maps = result.gradcam[layerName];
    const [height, width] = item.entry.input_size;
    for (const label of ["dog", "cat"]) {
      const { canvas, caption } = cards.gradcam[label];
      drawRGBA(canvas, maps.overlay[label], width, height);
      const empty = !maps[label].some((v) => v > 0);
      const text = empty
        ? `No evidence for “${label}” at ${layerName}: the map is empty.`
        : `Evidence for “${label}” at ${layerName} (${maps.shape[0]} × ${maps.shape[1]} map).`;
      caption.textContent = text;
      canvas.setAttribute("aria-label", `Grad-CAM heatmap over the photo. ${text}`);
    }
    const name = cards.layer.value;
    const drawn = drawMosaic(cards.mosaic, result.activations[name]);
    const [h, w] = result.activations[name].shape;
    const text =
      `${name}: ${drawn.channels} channels of ${h} × ${w}` +
      (drawn.blank ? `, ${drawn.blank} of them zero everywhere (grey)` : "") + ".";
    cards.mosaicCaption.textContent = text;
    cards.mosaic.setAttribute("aria-label", `Activations of ${text}`);
  }

  /** Run both models on the current photo and show the results. */
  function showAll() {
    const timings = {};
    for (const item of lab.models.values()) {
      const result = analyseModel(item, lab.photo.pixels);
      const start = performance.now();
      showModel(item, result);
      timings[item.entry.name] = { ...result.milliseconds, draw: performance.now() - start };
    }
    return timings;
  }

  function refresh(name) {
    if (!lab.photo) return;
    const item = lab.models.get(name);
    showModel(item, analyseModel(item, lab.photo.pixels));
  }

  /** Decode, resize and analyse a photo; errors become a message, not a frozen page. */
  function usePhoto(blob, name) {
    lab.busy = lab.busy.then(async () => {
      say(`Reading “${name}”…`);
      const start = performance.now();
      try {
        const decoded = await decode(blob, name);
        const [height, width] = lab.manifest.models[0].input_size;
        const pixels = resizeBilinear(
          decoded.data, decoded.height, decoded.width, decoded.channels, height, width,
        );
        lab.photo = { pixels, name, width: decoded.width, height: decoded.height };
        drawRGBA(photoCanvas, photoRGBA(pixels, width, height), width, height);
        photoCanvas.setAttribute("aria-label", `${name}, resized to ${width} × ${height} pixels`);
        const decoded_ms = performance.now() - start;
        const timings = showAll();
        const total = performance.now() - start;
        lab.lastTimings = { decode_and_resize: decoded_ms, ...timings, total };
        say(
          `“${name}” (${decoded.width} × ${decoded.height} pixels): both models ran in ` +
            `${Math.round(total)} ms on ${lab.backendName}.`,
          "done",
        );
      } catch (error) {
        if (!(error instanceof PhotoError)) console.warn(error);
        const message =
          error instanceof PhotoError
            ? error.message
            : `Something went wrong with “${name}”: ${error.message}. Try another photo.`;
        say(message, "error");
      } finally {
        lab.processed += 1;
      }
    });
    return lab.busy;
  }

  function pickFile(files) {
    if (!files || !files.length) return;
    usePhoto(files[0], files[0].name);
  }

  // ---- Start -----------------------------------------------------------------

  async function chooseBackend() {
    const base = new URL("vendor/", document.baseURI).href;
    // Threads need a cross-origin-isolated page; this site is not one.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    tf.wasm.setWasmPaths(base);
    let ok = false;
    try {
      ok = await tf.setBackend("wasm");
    } catch (error) {
      console.warn("WebAssembly backend unavailable:", error);
    }
    if (!ok) await tf.setBackend("cpu");
    await tf.ready();
    const simd = ok && (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
    lab.backendName =
      tf.getBackend() === "wasm" ? `WebAssembly${simd ? " (SIMD)" : ""}` : "the plain JavaScript backend";
  }

  async function loadModels() {
    const response = await fetch("lab.json");
    if (!response.ok) throw new Error(`lab.json: HTTP ${response.status}`);
    lab.manifest = await response.json();
    const entries = lab.manifest.models;
    const done = new Array(entries.length).fill(0);
    const start = performance.now();
    const loaded = await Promise.all(
      entries.map((entry, i) =>
        tf.loadLayersModel(entry.path, {
          onProgress: (fraction) => {
            done[i] = fraction;
            progress.value = done.reduce((a, b) => a + b, 0) / entries.length;
          },
        }),
      ),
    );
    entries.forEach((entry, i) => {
      const model = loaded[i];
      lab.models.set(entry.name, { entry, model, parents: parentsOf(model), cards: buildCards(entry) });
    });
    progress.value = 1;
    return performance.now() - start;
  }

  function enable() {
    for (const sample of lab.manifest.samples) {
      const button = element("button", { type: "button" });
      const name = sample.path.split("/").pop();
      button.textContent = name;
      button.setAttribute("aria-label", `Use the held-out photo ${name} (a ${sample.label})`);
      button.addEventListener("click", async () => {
        try {
          const response = await fetch(sample.path);
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          await usePhoto(await response.blob(), name);
        } catch (error) {
          say(`The sample photo ${name} could not be loaded (${error.message}).`, "error");
        }
      });
      samples.append(button);
    }
    samples.disabled = false;
    fileInput.disabled = false;
    fileInput.addEventListener("change", () => {
      pickFile(fileInput.files);
      fileInput.value = ""; // choosing the same file again still runs
    });
    drop.addEventListener("dragover", (event) => {
      event.preventDefault();
      drop.classList.add("mc-lab-drop--over");
    });
    drop.addEventListener("dragleave", () => drop.classList.remove("mc-lab-drop--over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("mc-lab-drop--over");
      pickFile(event.dataTransfer.files);
    });
  }

  async function start() {
    if (location.protocol === "file:") {
      say(
        "The lab needs this site to be served over HTTP: opened from disk, the browser " +
          "refuses to load the models. Run `nox -s serve`, or `python -m http.server -d site`, " +
          "and open the address it prints.",
        "error",
      );
      root.classList.add("mc-lab--stopped");
      return;
    }
    if (typeof tf === "undefined" || !tf.wasm) {
      say("TensorFlow.js did not load, so the lab cannot run. Reload the page to try again.", "error");
      root.classList.add("mc-lab--stopped");
      return;
    }
    try {
      await chooseBackend();
      say(`Loading the models on ${lab.backendName}…`);
      const seconds = (await loadModels()) / 1000;
      // A first run compiles the kernels: do it before the reader's photo.
      const [height, width] = lab.manifest.models[0].input_size;
      for (const item of lab.models.values()) {
        analyseModel(item, new Float32Array(height * width * 3));
      }
      enable();
      root.classList.add("mc-lab--ready");
      say(`Ready: both models loaded in ${seconds.toFixed(1)} s and run on ${lab.backendName}. Choose a photo.`);
    } catch (error) {
      console.error(error);
      say(`The models could not be loaded (${error.message}). Reload the page to try again.`, "error");
      root.classList.add("mc-lab--stopped");
      throw error;
    }
  }

  // For tests and the curious: run everything on given pixels.
  lab.resizeBilinear = resizeBilinear;
  lab.analyse = (name, pixels, opts) => analyseModel(lab.models.get(name), pixels, opts);
  lab.usePhoto = usePhoto;
  lab.numTensors = () => tf.memory().numTensors;
  lab.ready = new Promise((resolve, reject) => {
    const go = () => start().then(resolve, reject);
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
    else go();
  });
  lab.ready.catch(() => {});
})();
