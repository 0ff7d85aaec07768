/*
 * The lab's pixels: a photo file decoded, turned upright and resized to the
 * model's input size.
 *
 * Mirrors, in Python:
 * - modern_convnets.photos.read_photo: decoded to RGB, turned upright by
 *   the EXIF orientation tag, transparent parts laid over white;
 * - modern_convnets.photos.resize_bilinear: bilinear interpolation with
 *   half-pixel centres in float32, as tf.image.resize.
 */

/** The largest photo decoded: 8,000 × 10,000 pixels, 320 MB of RGBA. */
export const MAX_PIXELS = 80e6;

/** A photo that cannot be used; its message is shown to the reader as it is. */
export class PhotoError extends Error {}

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
 * Resize interleaved values (`channels` per pixel) to (height, width, kept)
 * float32, keeping the first `kept` channels, as
 * tf.image.resize(..., "bilinear"): RGB photos keep 3 of RGBA's 4 channels,
 * a Grad-CAM map keeps its 1.
 */
export function resizeBilinear(data, inHeight, inWidth, channels, height, width, kept = 3) {
  const ys = resizeWeights(height, inHeight);
  const xs = resizeWeights(width, inWidth);
  const out = new Float32Array(height * width * kept);
  for (let y = 0; y < height; y++) {
    const top = ys.lower[y] * inWidth;
    const bottom = ys.upper[y] * inWidth;
    const dy = ys.lerp[y];
    for (let x = 0; x < width; x++) {
      const left = xs.lower[x];
      const right = xs.upper[x];
      const dx = xs.lerp[x];
      for (let c = 0; c < kept; c++) {
        const tl = data[(top + left) * channels + c];
        const tr = data[(top + right) * channels + c];
        const bl = data[(bottom + left) * channels + c];
        const br = data[(bottom + right) * channels + c];
        const upperRow = f32(tl + f32(f32(tr - tl) * dx));
        const lowerRow = f32(bl + f32(f32(br - bl) * dx));
        out[(y * width + x) * kept + c] = f32(upperRow + f32(f32(lowerRow - upperRow) * dy));
      }
    }
  }
  return out;
}

/** Decode a file or blob to opaque RGBA pixels, turned upright by its EXIF tag. */
export async function decode(blob, name) {
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
  // Transparent parts are laid over white, as photos.read_photo does.
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, width, height);
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = context.getImageData(0, 0, width, height);
  canvas.width = canvas.height = 0; // free the backing store now
  return { data, width, height, channels: 4 };
}
