/*
 * The lab page: the guide's trained models on the reader's own photo, in
 * the browser, with TensorFlow.js on WebAssembly. Nothing is uploaded.
 *
 * Mirrors, in Python, modern_convnets.explain.explain_photos and
 * plot_explanations: for each model, P(dog), the Grad-CAM overlays for each
 * class and a layer's activations; the page adds the choice of layers. What
 * it shows and how it draws it come from the manifest, lab.json, which
 * modern_convnets.lab writes from modern_convnets.panel: class names, the
 * layers, the overlay's alpha, colour maps, mosaic columns and margin.
 *
 * This module is the page; the work is done by
 * - pixels.js: decoding and resizing (photos.read_photo, photos.resize_bilinear);
 * - models.js: P(dog), activations, Grad-CAM (explain.explain_pixels);
 * - drawing.js: overlays and mosaics (heatmaps.overlay, activation_plots.channel_mosaic).
 * Their numbers and pixels are checked against Python's by
 * tests/website/test_lab_in_browser.py.
 *
 * A photo chosen while the models are loading waits, and runs once they are
 * ready (the latest one, if several were chosen).
 *
 * Tests drive the page through window.modernConvnetsLab and these stable
 * hooks: [data-testid="prediction"][data-model=NAME] with data-p-dog once a
 * photo is processed, canvas[data-testid="gradcam"][data-class=NAME],
 * canvas[data-testid="activations"], input[type=file], and the status
 * (#mc-lab-status) with data-kind "info", "waiting", "done" or "error".
 */

import { drawRGBA, mosaicRGBA, overlayRGBA, photoRGBA } from "./drawing.js";
import { analyseModel, loadModels } from "./models.js";
import { PhotoError, decode, resizeBilinear } from "./pixels.js";

const root = document.getElementById("mc-lab");
const status = document.getElementById("mc-lab-status");
const progress = document.getElementById("mc-lab-progress");
const fileInput = document.getElementById("mc-lab-file");
const drop = document.getElementById("mc-lab-drop");
const samples = document.getElementById("mc-lab-samples");
const photoCanvas = document.getElementById("mc-lab-photo");

const TITLES = { small_convnet: "Small convnet", mini_xception: "Mini-Xception" };

const lab = {
  manifest: null,
  models: new Map(), // name -> {entry, model, parents}, once loaded
  cards: new Map(), // name -> the model's result panel
  photo: null, // {pixels: Float32Array (h, w, 3) at the input size, name, width, height}
  ready: null,
  busy: Promise.resolve(),
  processed: 0, // photos handled, successfully or not
};

let loaded = false;
let loading = "Loading TensorFlow.js…"; // what the page is doing while not ready
let queued = null; // {blob, name}: the photo chosen before the models were ready

function say(message, kind = "info") {
  status.textContent = message;
  status.dataset.kind = kind;
}

/** Say what loading is doing, and that a chosen photo waits for it. */
function sayLoading(message) {
  loading = message;
  if (queued) {
    say(`${message} “${queued.name}” will run as soon as the models are ready.`, "waiting");
  } else {
    say(message);
  }
}

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A fraction as a percentage: whole percents from 10%, two digits below. */
function percent(fraction) {
  const value = 100 * fraction;
  return `${value >= 10 ? Math.round(value) : Number(value.toPrecision(2))}%`;
}

// ---- The result panels ------------------------------------------------------

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function options(select, names) {
  for (const name of names) select.append(element("option", { value: name }, name));
}

/** What is known of a model before any photo: its accuracy and download. */
function facts(entry) {
  const accuracy = (100 * entry.test_accuracy).toFixed(1);
  return (
    `${TITLES[entry.name]} classified ${accuracy}% of the ` +
    `${entry.test_photos.toLocaleString("en")} held-out photos correctly ` +
    `(photos it never trained on); its weights are a ${megabytes(entry.download_bytes)} download.`
  );
}

/** The result panel of one model: facts, prediction, Grad-CAM, activations. */
function buildCards(entry, classes) {
  const section = document.querySelector(`section.mc-lab-model[data-model="${entry.name}"]`);
  const id = (what) => `mc-lab-${entry.name}-${what}`;
  const about = element("p", { class: "mc-lab-facts", "data-testid": "facts" }, facts(entry));
  const prediction = element(
    "p",
    { "data-testid": "prediction", "data-model": entry.name, class: "mc-lab-prediction" },
    "Waiting for a photo.",
  );
  const meter = element("div", { class: "mc-lab-meter", "aria-hidden": "true" });
  const meterDog = element("span", { class: "mc-lab-meter-dog" });
  meter.append(meterDog);

  const gradcamLabel = element("label", { for: id("gradcam-layer") }, "Grad-CAM at layer ");
  const gradcamLayer = element("select", { id: id("gradcam-layer") });
  options(gradcamLayer, entry.gradcam_layers);
  const figures = element("div", { class: "mc-lab-gradcam" });
  const gradcam = {};
  // Class 1 first, as explain.plot_explanations.
  for (const label of [...classes].reverse()) {
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

  const gradcamControl = element("p", { class: "mc-lab-control" });
  gradcamControl.append(gradcamLabel, gradcamLayer);
  const layerControl = element("p", { class: "mc-lab-control" });
  layerControl.append(layerLabel, layer);
  section.append(about, prediction, meter, gradcamControl, figures, layerControl, mosaicFigure);
  gradcamLayer.addEventListener("change", () => refresh(entry.name));
  layer.addEventListener("change", () => refresh(entry.name));
  return { prediction, meterDog, gradcamLayer, gradcam, layer, mosaic, mosaicCaption };
}

/** Run one model on pixels, for the layers chosen on its panel. */
function analyse(name, pixels) {
  const cards = lab.cards.get(name);
  return analyseModel(lab.models.get(name), pixels, {
    layers: [cards.layer.value],
    gradcamLayers: [cards.gradcamLayer.value],
    classes: lab.manifest.classes,
  });
}

function showModel(name, result) {
  const { entry } = lab.models.get(name);
  const cards = lab.cards.get(name);
  const [cat, dog] = lab.manifest.classes;
  const drawing = lab.manifest.drawing;
  const pDog = result.pDog;
  cards.prediction.dataset.pDog = String(pDog);
  cards.prediction.textContent =
    `P(${dog}) = ${pDog.toFixed(3)}, P(${cat}) = ${(1 - pDog).toFixed(3)}: ` +
    `${TITLES[name]} says ${pDog >= 0.5 ? dog : cat}.`;
  cards.meterDog.style.width = `${(100 * pDog).toFixed(1)}%`;
  const layerName = cards.gradcamLayer.value;
  const maps = result.gradcam[layerName];
  const [height, width] = entry.input_size;
  // Both maps share one scale (models.js): the stronger peaks at 1.
  const peaks = Object.fromEntries(
    Object.keys(cards.gradcam).map((label) => [label, maps[label].reduce((a, b) => Math.max(a, b), 0)]),
  );
  const strongest = Object.keys(peaks).reduce((a, b) => (peaks[b] > peaks[a] ? b : a));
  for (const [label, { canvas, caption }] of Object.entries(cards.gradcam)) {
    const rgba = overlayRGBA(lab.photo.pixels, height, width, maps[label], ...maps.shape, drawing);
    drawRGBA(canvas, rgba, width, height);
    const where = `at ${layerName} (${maps.shape[0]} × ${maps.shape[1]} map)`;
    let text;
    if (!(peaks[label] > 0)) {
      text = `No evidence for “${label}” at ${layerName}: the map is empty.`;
    } else if (label === strongest) {
      text = `Evidence for “${label}” ${where}: the higher peak, which sets the shared scale.`;
    } else {
      text =
        `Evidence for “${label}” ${where}, on the same scale: ` +
        `its peak is ${percent(peaks[label])} of the “${strongest}” map's.`;
    }
    caption.textContent = text;
    canvas.setAttribute("aria-label", `Grad-CAM heatmap over the photo. ${text}`);
  }
  const layer = entry.layers.find((l) => l.name === cards.layer.value);
  const activation = result.activations[layer.name];
  const drawn = mosaicRGBA(activation, layer.mosaic_columns, drawing);
  drawRGBA(cards.mosaic, drawn.rgba, drawn.width, drawn.height);
  const [h, w] = activation.shape;
  const text =
    `${layer.name}: ${drawn.channels} channels of ${h} × ${w}` +
    (drawn.blank ? `, ${drawn.blank} of them zero everywhere (grey)` : "") +
    ".";
  cards.mosaicCaption.textContent = text;
  cards.mosaic.setAttribute("aria-label", `Activations of ${text}`);
}

/** Run both models on the current photo and show the results. */
function showAll() {
  const timings = {};
  for (const name of lab.models.keys()) {
    const result = analyse(name, lab.photo.pixels);
    const start = performance.now();
    showModel(name, result);
    timings[name] = { ...result.milliseconds, draw: performance.now() - start };
  }
  return timings;
}

function refresh(name) {
  if (!loaded || !lab.photo) return;
  showModel(name, analyse(name, lab.photo.pixels));
}

// ---- Photos -----------------------------------------------------------------

/** Decode, resize and analyse a photo; errors become a message, not a frozen page. */
async function runPhoto(blob, name) {
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
    const decodedMs = performance.now() - start;
    const timings = showAll();
    const total = performance.now() - start;
    lab.lastTimings = { decode_and_resize: decodedMs, ...timings, total };
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
}

/**
 * Use a photo: run it now, after the photos before it, or, while the models
 * are loading, once they are ready. Resolves when it has been shown.
 */
function usePhoto(blob, name) {
  if (!loaded) {
    queued = { blob, name }; // the latest choice wins
    sayLoading(loading);
    return lab.ready.then(() => lab.busy, () => {});
  }
  lab.busy = lab.busy.then(() => runPhoto(blob, name));
  return lab.busy;
}

function pickFile(files) {
  if (!files || !files.length) return;
  usePhoto(files[0], files[0].name);
}

/** The file input and the drop zone: usable at once, before the models. */
function enableFiles() {
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

function enableSamples() {
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
}

// ---- Start ------------------------------------------------------------------

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

/** The download's size, once known: the models' (manifest) and TensorFlow.js's (measured). */
function showDownload() {
  const target = document.getElementById("mc-lab-download");
  if (!target) return;
  const models = lab.manifest.models.reduce((sum, entry) => sum + entry.download_bytes, 0);
  const vendor = performance
    .getEntriesByType("resource")
    .filter((entry) => new URL(entry.name).pathname.includes("/lab/vendor/"))
    .reduce((sum, entry) => sum + entry.encodedBodySize, 0);
  target.textContent =
    `${megabytes(models + vendor)}: ${megabytes(models)} of model weights and ` +
    `${megabytes(vendor)} of TensorFlow.js`;
}

async function start() {
  if (typeof tf === "undefined" || !tf.wasm) {
    say("TensorFlow.js did not load, so the lab cannot run. Reload the page to try again.", "error");
    root.classList.add("mc-lab--stopped");
    return;
  }
  enableFiles();
  try {
    await chooseBackend();
    const response = await fetch("lab.json");
    if (!response.ok) throw new Error(`lab.json: HTTP ${response.status}`);
    lab.manifest = await response.json();
    for (const entry of lab.manifest.models) {
      lab.cards.set(entry.name, buildCards(entry, lab.manifest.classes));
    }
    enableSamples();
    sayLoading(`Loading the models on ${lab.backendName}…`);
    const begin = performance.now();
    lab.models = await loadModels(lab.manifest.models, (fraction) => {
      progress.value = fraction;
    });
    progress.value = 1;
    const seconds = (performance.now() - begin) / 1000;
    showDownload();
    // A first run compiles the kernels: do it before the reader's photo.
    const [height, width] = lab.manifest.models[0].input_size;
    for (const name of lab.models.keys()) {
      analyse(name, new Float32Array(height * width * 3));
    }
    loaded = true;
    root.classList.add("mc-lab--ready");
    say(`Ready: both models loaded in ${seconds.toFixed(1)} s and run on ${lab.backendName}. Choose a photo.`);
    if (queued) {
      const { blob, name } = queued;
      queued = null;
      usePhoto(blob, name);
    }
  } catch (error) {
    console.error(error);
    say(`The models could not be loaded (${error.message}). Reload the page to try again.`, "error");
    root.classList.add("mc-lab--stopped");
    throw error;
  }
}

// For tests and the curious: run and draw everything on given pixels.
lab.resizeBilinear = resizeBilinear;
lab.analyse = (name, pixels, opts) =>
  analyseModel(lab.models.get(name), pixels, { classes: lab.manifest.classes, ...opts });
lab.overlayRGBA = (pixels, height, width, map, mapHeight, mapWidth) =>
  overlayRGBA(pixels, height, width, map, mapHeight, mapWidth, lab.manifest.drawing);
lab.mosaicRGBA = (activation, columns) => mosaicRGBA(activation, columns, lab.manifest.drawing);
lab.usePhoto = usePhoto;
lab.numTensors = () => tf.memory().numTensors;
window.modernConvnetsLab = lab;

// Opened from disk, the browser does not run modules: the page's inline
// script says why. Modules run once the document is parsed.
if (root) {
  lab.ready = start();
  lab.ready.catch(() => {});
}
