import { copyPlan, COPY_CHUNK_SIZE } from '../chunks';

describe('copyPlan', () => {
  it('saves a small file in one plain request', () => {
    expect(copyPlan(10, 100)).toEqual([
      { offset: 0, length: 10, chunk: undefined }
    ]);
    expect(copyPlan(0, 100)).toEqual([
      { offset: 0, length: 0, chunk: undefined }
    ]);
    expect(copyPlan(100, 100)).toHaveLength(1);
  });

  it('numbers chunks from 1 and marks the last one -1', () => {
    expect(copyPlan(250, 100)).toEqual([
      { offset: 0, length: 100, chunk: 1 },
      { offset: 100, length: 100, chunk: 2 },
      { offset: 200, length: 50, chunk: -1 }
    ]);
    expect(copyPlan(200, 100).map(p => p.chunk)).toEqual([1, -1]);
  });

  it('covers a 40 MiB file exactly, one 4 MiB piece at a time', () => {
    const size = 40 * 1024 * 1024 + 7;
    const plan = copyPlan(size);
    expect(plan).toHaveLength(11);
    expect(plan.every(p => p.length <= COPY_CHUNK_SIZE)).toBe(true);
    expect(plan.reduce((sum, p) => sum + p.length, 0)).toBe(size);
    expect(plan[plan.length - 1]).toEqual({
      offset: 40 * 1024 * 1024,
      length: 7,
      chunk: -1
    });
  });

  it('refuses a chunk size below one byte', () => {
    expect(() => copyPlan(10, 0)).toThrow(RangeError);
  });
});
