/*
 * The lab's drawing: the photo, the Grad-CAM overlays and the activation
 * mosaics as RGBA pixels, drawn on canvases.
 *
 * Mirrors, in Python, pixel for pixel:
 * - modern_convnets.heatmaps.overlay: the map resized to the photo
 *   (bilinear, half-pixel centres), clipped to [0, 1], coloured by the
 *   colour map's 256-entry table, blended over the photo with weight alpha
 *   and rounded half to even;
 * - modern_convnets.activation_plots.channel_mosaic: channels in rows of
 *   `columns`, `margin` transparent pixels apart, each stretched to its own
 *   [min, max]; channels that are zero everywhere in the blank colour;
 * - modern_convnets.explain.plot_explanations: which layers, columns and
 *   colours, through the manifest's `drawing` (alpha, colour maps, margin,
 *   blank colour), written by modern_convnets.lab from
 *   modern_convnets.panel.
 */

import { resizeBilinear } from "./pixels.js";

/** Round to the nearest integer, ties to even, as numpy.round. */
export function roundHalfEven(x) {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** A colour map's table index for a value in [0, 1], as matplotlib's. */
function colourIndex(value, entries) {
  return Math.min(Math.floor(value * entries), entries - 1);
}

/** The photo as the model sees it: (height, width, 3) floats as RGBA bytes. */
export function photoRGBA(pixels, width, height) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = roundHalfEven(pixels[i * 3 + c]);
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/**
 * A Grad-CAM map (mapHeight, mapWidth) coloured and blended over the photo
 * (height, width, 3): heatmaps.overlay(photo, map, alpha, cmap).
 */
export function overlayRGBA(pixels, height, width, map, mapHeight, mapWidth, drawing) {
  const resized = resizeBilinear(map, mapHeight, mapWidth, 1, height, width, 1);
  const table = drawing.colormaps.gradcam.table;
  const alpha = drawing.overlay_alpha;
  // numpy: (1 - alpha) * photo in float32, alpha * colour * 255 in float64.
  const photoWeight = Math.fround(1 - alpha);
  const rgba = new Uint8ClampedArray(height * width * 4);
  for (let i = 0; i < height * width; i++) {
    const value = Math.min(Math.max(resized[i], 0), 1);
    const colour = table[colourIndex(value, table.length)];
    for (let c = 0; c < 3; c++) {
      const photo = Math.fround(photoWeight * pixels[i * 3 + c]);
      rgba[i * 4 + c] = roundHalfEven(photo + alpha * (colour[c] * 255));
    }
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/**
 * Feature maps {shape: [height, width, channels], data} tiled into one RGBA
 * image, `columns` channels per row: activation_plots.channel_mosaic(maps, columns,
 * cmap, margin). Returns the pixels, the size and how many channels are
 * blank.
 */
export function mosaicRGBA(activation, columns, drawing) {
  const [height, width, channels] = activation.shape;
  const data = activation.data;
  const margin = drawing.mosaic_margin;
  const rows = Math.ceil(channels / columns);
  const mosaicWidth = columns * (width + margin) - margin;
  const mosaicHeight = rows * (height + margin) - margin;
  const rgba = new Uint8ClampedArray(mosaicWidth * mosaicHeight * 4); // margins transparent
  const table = drawing.colormaps.activations.table.map((rgb) =>
    rgb.map((v) => roundHalfEven(v * 255)),
  );
  const blankColour = drawing.blank_colour.map((v) => roundHalfEven(v * 255));
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
        // A constant channel is drawn as zeros (grids.to_display).
        const colour = empty
          ? blankColour
          : table[colourIndex(range ? (value - low) / range : 0, table.length)];
        const o = ((top + y) * mosaicWidth + left + x) * 4;
        rgba[o] = colour[0];
        rgba[o + 1] = colour[1];
        rgba[o + 2] = colour[2];
        rgba[o + 3] = 255;
      }
    }
  }
  return { rgba, width: mosaicWidth, height: mosaicHeight, channels, blank };
}

/** Show RGBA pixels on a canvas, resizing it to them. */
export function drawRGBA(canvas, rgba, width, height) {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
}
