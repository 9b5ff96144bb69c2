import { chunkedCopy } from '../copy';

/** A remote file of `size` bytes (byte i is i % 251) and a recorder of saves. */
function setup(size: number) {
  const file = Uint8Array.from({ length: size }, (_, i) => i % 251);
  const reads: [number, number][] = [];
  const saves: { chunk: number | undefined; bytes: number[] }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const read = async (offset: number, length: number) => {
    reads.push([offset, length]);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return file.slice(offset, offset + length).buffer;
  };
  const save = async (content: string, chunk: number | undefined) => {
    inFlight--;
    saves.push({
      chunk,
      bytes: Array.from(Buffer.from(content, 'base64'))
    });
  };
  return {
    file,
    reads,
    saves,
    read,
    save,
    maxInFlight: () => maxInFlight
  };
}

describe('chunkedCopy', () => {
  it('copies a large file in numbered chunks, one piece in memory at a time', async () => {
    const { file, reads, saves, read, save, maxInFlight } = setup(1000);
    const progress: number[] = [];
    const copied = await chunkedCopy({
      size: 1000,
      read,
      save,
      chunkSize: 300,
      onProgress: copiedSoFar => progress.push(copiedSoFar)
    });
    expect(copied).toBe(1000);
    expect(reads).toEqual([
      [0, 300],
      [300, 300],
      [600, 300],
      [900, 100]
    ]);
    expect(saves.map(s => s.chunk)).toEqual([1, 2, 3, -1]);
    expect(saves.flatMap(s => s.bytes)).toEqual(Array.from(file));
    expect(progress).toEqual([300, 600, 900, 1000]);
    expect(maxInFlight()).toBe(1);
  });

  it('saves a small file in one plain request', async () => {
    const { saves, read, save } = setup(10);
    await chunkedCopy({ size: 10, read, save, chunkSize: 300 });
    expect(saves.map(s => s.chunk)).toEqual([undefined]);
    expect(saves[0].bytes).toHaveLength(10);
  });

  it('ends the upload early when the file shrank since it was listed', async () => {
    const { saves, read, save } = setup(450);
    const copied = await chunkedCopy({
      size: 1000,
      read,
      save,
      chunkSize: 300
    });
    expect(copied).toBe(450);
    expect(saves.map(s => [s.chunk, s.bytes.length])).toEqual([
      [1, 300],
      [-1, 150]
    ]);
  });

  it('closes the upload when the file shrank within the first piece', async () => {
    const { saves, read, save } = setup(100);
    await chunkedCopy({ size: 1000, read, save, chunkSize: 300 });
    expect(saves.map(s => [s.chunk, s.bytes.length])).toEqual([
      [1, 100],
      [-1, 0]
    ]);
  });

  it('copies only the listed size of a file that grew', async () => {
    const { saves, read, save } = setup(2000);
    expect(await chunkedCopy({ size: 600, read, save, chunkSize: 300 })).toBe(
      600
    );
    expect(saves.map(s => s.chunk)).toEqual([1, -1]);
  });

  it('stops at the first failure', async () => {
    const { read } = setup(1000);
    let saved = 0;
    await expect(
      chunkedCopy({
        size: 1000,
        read,
        save: async () => {
          if (++saved === 2) {
            throw new Error('disk full');
          }
        },
        chunkSize: 300
      })
    ).rejects.toThrow('disk full');
    expect(saved).toBe(2);
  });
});
