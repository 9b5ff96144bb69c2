import { toBase64 } from '../bytes';

describe('toBase64', () => {
  it('encodes like Node does, across slices', () => {
    const bytes = new Uint8Array(100000).map((_, i) => (i * 7) % 256);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect(toBase64(new Uint8Array())).toBe('');
  });
});
