import { ILabSource, readLabFiles } from '../labfiles';

/** A workspace of `items` (path → text, or null for a folder) that records its reads. */
function workspace(items: Record<string, string | null>) {
  const reads: string[] = [];
  const typed: string[] = [];
  const source: ILabSource = {
    async type(path) {
      typed.push(path);
      if (!(path in items)) {
        throw new Error('not found');
      }
      return items[path] === null ? 'directory' : 'file';
    },
    async read(path) {
      reads.push(path);
      const text = items[path];
      if (typeof text !== 'string') {
        throw new Error('Forbidden');
      }
      return new Blob([text]);
    }
  };
  return { source, reads, typed };
}

async function text(file: File): Promise<string> {
  return new TextDecoder().decode(
    new Uint8Array(await new Response(file).arrayBuffer())
  );
}

describe('readLabFiles', () => {
  it('reads each file under its own name and leaves folders out, naming them', async () => {
    const { source, reads } = workspace({
      'runs/input.dat': 'abc',
      'runs/out': null,
      'job.sh': '#!/bin/bash\n'
    });
    const { files, folders } = await readLabFiles(
      ['runs/input.dat', 'runs/out', 'job.sh'],
      source
    );
    expect(files.map(f => f.name)).toEqual(['input.dat', 'job.sh']);
    expect(await text(files[0])).toBe('abc');
    expect(files[1].size).toBe(12);
    expect(folders).toEqual(['runs/out']);
    expect(reads).toEqual(['runs/input.dat', 'job.sh']);
  });

  it('trusts the types the file browser already knows', async () => {
    const { source, typed } = workspace({ 'a.txt': 'x', d: null });
    const { files, folders } = await readLabFiles(['a.txt', 'd'], source, {
      'a.txt': 'file',
      d: 'directory'
    });
    expect(typed).toEqual([]);
    expect(files.map(f => f.name)).toEqual(['a.txt']);
    expect(folders).toEqual(['d']);
  });

  it('names the file that could not be read', async () => {
    const { source } = workspace({ 'ok.txt': 'x' });
    const reading = readLabFiles(['ok.txt', 'gone.txt'], source, {
      'gone.txt': 'file'
    });
    await expect(reading).rejects.toThrow('gone.txt: Forbidden');
  });
});
