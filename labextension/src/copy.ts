/**
 * Copy a remote file into Lab's workspace piece by piece (see chunks.ts), so a large file
 * never sits whole in the browser's memory: each piece is read from the facility, turned
 * into base64 and saved through the contents API before the next one is read.
 */
import { toBase64 } from './bytes';
import { copyPlan, COPY_CHUNK_SIZE } from './chunks';

export namespace ChunkedCopy {
  export interface IOptions {
    /** The file's size as listed. */
    size: number;
    /** Read `length` bytes of the remote file from `offset`. */
    read: (offset: number, length: number) => Promise<ArrayBuffer>;
    /** Save one piece (base64) with the contents API's `chunk` number, if any. */
    save: (content: string, chunk: number | undefined) => Promise<unknown>;
    /** Bytes copied so far, of `size`. */
    onProgress?: (copied: number, size: number) => void;
    chunkSize?: number;
  }
}

/**
 * Copy the file; resolve with the number of bytes copied. A file that shrank since it was
 * listed ends early (its last piece closes the upload); one that grew is copied up to
 * the listed size.
 */
export async function chunkedCopy(
  options: ChunkedCopy.IOptions
): Promise<number> {
  const { size, read, save, onProgress } = options;
  const plan = copyPlan(size, options.chunkSize ?? COPY_CHUNK_SIZE);
  let copied = 0;
  for (const piece of plan) {
    const bytes = new Uint8Array(await read(piece.offset, piece.length));
    const short = bytes.byteLength < piece.length;
    const chunk =
      short && piece.chunk !== undefined && piece.chunk !== 1
        ? -1
        : piece.chunk;
    await save(toBase64(bytes.subarray(0, piece.length)), chunk);
    copied += Math.min(bytes.byteLength, piece.length);
    onProgress?.(copied, size);
    if (short && chunk !== piece.chunk) {
      break;
    }
    if (short && piece.chunk === 1) {
      // Shrank within the first piece: close the upload with an empty last piece.
      await save('', -1);
      break;
    }
  }
  return copied;
}
