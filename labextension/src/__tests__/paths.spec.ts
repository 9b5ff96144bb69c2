import {
  baseName,
  breadcrumbs,
  formatSize,
  isValidName,
  joinPath,
  parentPath,
  sortEntries
} from '../paths';
import type { HPC } from '../tokens';

function entry(
  name: string,
  type: HPC.FileType,
  size: number,
  modified: number
): HPC.IFileEntry {
  return {
    name,
    path: name,
    type,
    size,
    permissions: '-rw-r--r--',
    user: 'u',
    group: 'g',
    modified,
    link_target: null
  };
}

describe('paths', () => {
  it('joins relative and absolute directories', () => {
    expect(joinPath('.', 'a')).toBe('a');
    expect(joinPath('a', 'b')).toBe('a/b');
    expect(joinPath('/', 'a')).toBe('/a');
    expect(joinPath('/home/u', 'a')).toBe('/home/u/a');
  });

  it('finds parents, the root being its own', () => {
    expect(parentPath('a/b')).toBe('a');
    expect(parentPath('a')).toBe('.');
    expect(parentPath('.')).toBe('.');
    expect(parentPath('/home/u/')).toBe('/home');
    expect(parentPath('/home')).toBe('/');
    expect(parentPath('/')).toBe('/');
  });

  it('names the last part', () => {
    expect(baseName('/home/u/x.txt')).toBe('x.txt');
    expect(baseName('dir/')).toBe('dir');
  });

  it('builds breadcrumbs for both kinds of path', () => {
    expect(breadcrumbs('/home/u', 'root')).toEqual([
      { label: '/', path: '/' },
      { label: 'home', path: '/home' },
      { label: 'u', path: '/home/u' }
    ]);
    expect(breadcrumbs('a/b', 'local')).toEqual([
      { label: 'local', path: '.' },
      { label: 'a', path: 'a' },
      { label: 'b', path: 'a/b' }
    ]);
    expect(breadcrumbs('.', 'local')).toEqual([{ label: 'local', path: '.' }]);
  });

  it('accepts only plain names', () => {
    expect(isValidName('run-1')).toBe(true);
    for (const bad of ['', '.', '..', 'a/b']) {
      expect(isValidName(bad)).toBe(false);
    }
  });

  it('formats sizes', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(12 * 1024 * 1024)).toBe('12 MiB');
  });
});

describe('sortEntries', () => {
  const entries = [
    entry('b.txt', 'file', 10, 3),
    entry('data', 'directory', 4096, 1),
    entry('a10.txt', 'file', 30, 2),
    entry('a9.txt', 'file', 20, 4)
  ];

  it('puts directories first and sorts names naturally', () => {
    expect(sortEntries(entries, 'name', true).map(e => e.name)).toEqual([
      'data',
      'a9.txt',
      'a10.txt',
      'b.txt'
    ]);
  });

  it('sorts by size or time, either way', () => {
    expect(sortEntries(entries, 'size', false).map(e => e.name)).toEqual([
      'data',
      'a10.txt',
      'a9.txt',
      'b.txt'
    ]);
    expect(sortEntries(entries, 'modified', true).map(e => e.name)).toEqual([
      'data',
      'a10.txt',
      'b.txt',
      'a9.txt'
    ]);
  });

  it('leaves its input alone', () => {
    const copy = [...entries];
    sortEntries(entries, 'size', true);
    expect(entries).toEqual(copy);
  });
});
