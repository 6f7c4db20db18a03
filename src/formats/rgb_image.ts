/**
 * The decoded image every codec of this package yields and the datasets carry.
 *
 * @module
 */

/** An RGB image: `width·height·3` bytes, row-major, top row first. */
export interface RgbImage {
  /** `width·height·3` bytes: R, G, B per pixel. */
  data: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}
