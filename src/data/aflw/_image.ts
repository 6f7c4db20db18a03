/**
 * Reading one AFLW JPEG, decoded or (for a fast check) probed.
 *
 * @module
 */
import { errorMessage } from "../../util/fs.ts";
import { decodeRgb, jpegInfo } from "../../formats/image.ts";
import type { RgbImage } from "../types.ts";

/** Reads and decodes one AFLW JPEG; errors name the file and, when given, the face. */
export async function readAflwImage(
  path: string,
  faceId?: number,
  decode = true,
): Promise<RgbImage> {
  const of = faceId === undefined ? "" : ` (image of face ${faceId})`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot read AFLW image "${path}"${of}: the file does not exist`);
    }
    throw new Error(`Cannot read AFLW image "${path}"${of}: ${errorMessage(e)}`);
  }
  const kind = faceId === undefined ? "AFLW image" : `AFLW image of face ${faceId}`;
  if (!decode) {
    const info = jpegInfo(bytes, path, kind);
    return { data: new Uint8Array(0), width: info.width, height: info.height };
  }
  return await decodeRgb(bytes, path, kind);
}
