/**
 * The plan of a chunked copy into Lab's workspace: the byte ranges read from the facility
 * and the `chunk` numbers of Jupyter's contents API (`PUT /api/contents/<path>`), which
 * JupyterLab's own uploader uses for large files: 1 creates the file, 2, 3, ... append,
 * -1 appends the last piece and ends the upload. A file that fits in one piece is saved
 * in one plain request, without chunks.
 */

/** The size of one piece: 4 MiB of file, about 5.3 MiB of base64 in a request. */
export const COPY_CHUNK_SIZE = 4 * 1024 * 1024;

/** One request of a copy. */
export interface ICopyPiece {
  offset: number;
  length: number;
  /** The contents API's `chunk` field; undefined for a single plain save. */
  chunk: number | undefined;
}

/** The pieces of a `size`-byte file copied `chunkSize` bytes at a time. */
export function copyPlan(
  size: number,
  chunkSize: number = COPY_CHUNK_SIZE
): ICopyPiece[] {
  if (chunkSize < 1) {
    throw new RangeError('chunkSize must be positive');
  }
  if (size <= chunkSize) {
    return [{ offset: 0, length: Math.max(0, size), chunk: undefined }];
  }
  const pieces: ICopyPiece[] = [];
  for (let offset = 0, index = 1; offset < size; offset += chunkSize, index++) {
    const length = Math.min(chunkSize, size - offset);
    const last = offset + length >= size;
    pieces.push({ offset, length, chunk: last ? -1 : index });
  }
  return pieces;
}
