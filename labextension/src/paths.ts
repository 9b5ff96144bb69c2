/**
 * Remote paths and listings: join, parent, breadcrumbs, sorting and sizes.
 *
 * Facilities give absolute POSIX paths (`/home/user`) or, for the `local` kind, paths
 * relative to its root (`.`, `data/run1`); both are handled alike.
 */
import type { HPC } from './tokens';

/** `name` inside directory `dir`. */
export function joinPath(dir: string, name: string): string {
  if (dir === '' || dir === '.') {
    return name;
  }
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** The directory holding `path` (the root is its own parent). */
export function parentPath(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (trimmed === '/' || trimmed === '.' || trimmed === '') {
    return trimmed || '.';
  }
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) {
    return '.';
  }
  return slash === 0 ? '/' : trimmed.slice(0, slash);
}

/** The last part of a path. */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || trimmed || path;
}

/** One step of the breadcrumbs: what to show and where it leads. */
export interface ICrumb {
  label: string;
  path: string;
}

/** The breadcrumbs from the root to `path`; `rootLabel` names a relative root. */
export function breadcrumbs(path: string, rootLabel: string): ICrumb[] {
  const absolute = path.startsWith('/');
  const crumbs: ICrumb[] = [
    absolute ? { label: '/', path: '/' } : { label: rootLabel, path: '.' }
  ];
  let current = absolute ? '' : '.';
  for (const part of path.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    current = absolute ? `${current}/${part}` : joinPath(current, part);
    crumbs.push({ label: part, path: current });
  }
  return crumbs;
}

export type SortKey = 'name' | 'size' | 'modified';

// One collator for all comparisons: `localeCompare` with options builds one per call,
// which makes sorting a directory of tens of thousands of entries visibly slow.
const NAME_ORDER = new Intl.Collator(undefined, { numeric: true });

/** Entries sorted by `key`, directories first, ties broken by name. */
export function sortEntries(
  entries: readonly HPC.IFileEntry[],
  key: SortKey,
  ascending: boolean
): HPC.IFileEntry[] {
  const sign = ascending ? 1 : -1;
  const byName = (a: HPC.IFileEntry, b: HPC.IFileEntry) =>
    NAME_ORDER.compare(a.name, b.name);
  return [...entries].sort((a, b) => {
    const dirA = a.type === 'directory' ? 0 : 1;
    const dirB = b.type === 'directory' ? 0 : 1;
    if (dirA !== dirB) {
      return dirA - dirB;
    }
    let order = 0;
    if (key === 'size') {
      order = a.size - b.size;
    } else if (key === 'modified') {
      order = a.modified - b.modified;
    }
    return sign * (order || byName(a, b));
  });
}

/** A byte count for people: `0 B`, `1.5 KiB`, `12 MiB`. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** Whether `name` can name a new entry of a directory (no slash, not `.` or `..`). */
export function isValidName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/');
}
