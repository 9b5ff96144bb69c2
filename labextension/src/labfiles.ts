/**
 * Files of Lab's workspace (the Jupyter server's contents) as browser `File`s, so the side
 * panel uploads them to a facility exactly as it uploads files dropped from the desktop.
 * Free of JupyterLab imports; `upload.ts` supplies the source that reads through the server.
 */
import { baseName } from './paths';

/** How Lab's workspace is read. */
export interface ILabSource {
  /** The item's type in the contents API: 'file', 'notebook' or 'directory'. */
  type(path: string): Promise<string>;
  /** The file's bytes. The browser keeps a large Blob on disk, not in memory. */
  read(path: string): Promise<Blob>;
}

/** The files to upload, and the selected items that are not uploaded (folders). */
export interface ILabFiles {
  files: File[];
  folders: string[];
}

/**
 * Read the items at `paths` one after another (one file's body in flight at a time).
 * Folders are left out and named; a file that cannot be read rejects with its path.
 */
export async function readLabFiles(
  paths: readonly string[],
  source: ILabSource,
  knownTypes: Readonly<Record<string, string>> = {}
): Promise<ILabFiles> {
  const result: ILabFiles = { files: [], folders: [] };
  for (const path of paths) {
    const type = knownTypes[path] ?? (await source.type(path));
    if (type === 'directory') {
      result.folders.push(path);
      continue;
    }
    let blob: Blob;
    try {
      blob = await source.read(path);
    } catch (error) {
      throw new Error(`${path}: ${(error as Error).message}`);
    }
    result.files.push(new File([blob], baseName(path)));
  }
  return result;
}
