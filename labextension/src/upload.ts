/**
 * Uploads from Lab's workspace to a facility: the source that reads Lab's files through
 * the Jupyter server, and the file browser's "Upload to <folder> on <facility>" command,
 * which sends the selected files to the folder the HPC panel shows.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';

import { type ILabSource, readLabFiles } from './labfiles';
import type { ReadLabFiles } from './widgets/files';
import type { HPCPanel } from './widgets/panel';

export const UPLOAD_COMMAND = 'hpc:upload-lab-files';

/** Lab's workspace, read through the contents API and the server's /files/ handler. */
export function labSource(app: JupyterFrontEnd): ILabSource {
  const contents = app.serviceManager.contents;
  const settings = app.serviceManager.serverSettings;
  return {
    async type(path) {
      return (await contents.get(path, { content: false })).type;
    },
    async read(path) {
      const url = await contents.getDownloadUrl(path);
      const response = await ServerConnection.makeRequest(url, {}, settings);
      if (!response.ok) {
        throw new Error(`${response.status} ${response.statusText}`.trim());
      }
      return response.blob();
    }
  };
}

/** A reader of Lab's files for the panel (drag and drop from Lab's file browser). */
export function labFileReader(app: JupyterFrontEnd): ReadLabFiles {
  const source = labSource(app);
  return (paths, knownTypes) => readLabFiles(paths, source, knownTypes);
}

/** Register the upload command and put it in the menu of Lab's file browser items. */
export function registerLabUpload(
  app: JupyterFrontEnd,
  trans: TranslationBundle,
  fileBrowser: IDefaultFileBrowser | null,
  panel: HPCPanel
): void {
  const selection = (): Record<string, string> => {
    const types: Record<string, string> = {};
    for (const item of fileBrowser?.selectedItems() ?? []) {
      types[item.path] = item.type;
    }
    return types;
  };
  app.commands.addCommand(UPLOAD_COMMAND, {
    label: () => {
      const target = panel.files.uploadTarget;
      return target
        ? trans.__('Upload to %1 on %2', target.path, target.facility)
        : trans.__('Upload to HPC Facility (open a folder in the HPC panel)');
    },
    describedBy: {
      args: {
        type: 'object',
        properties: { paths: { type: 'array', items: { type: 'string' } } }
      }
    },
    isVisible: args =>
      !!args.paths ||
      Object.values(selection()).some(type => type !== 'directory'),
    isEnabled: () => panel.files.uploadTarget !== null,
    execute: async args => {
      const types = args.paths ? {} : selection();
      const paths = (args.paths as string[] | undefined) ?? Object.keys(types);
      if (!panel.files.uploadTarget) {
        Notification.warning(
          trans.__(
            'Open a folder of a facility in the HPC panel first: files are uploaded there.'
          )
        );
        return;
      }
      app.shell.activateById(panel.id); // where the progress shows
      await panel.files.uploadLabFiles(paths, types);
    }
  });
  app.contextMenu.addItem({
    command: UPLOAD_COMMAND,
    selector: '.jp-DirListing-item[data-isdir="false"]',
    rank: 4
  });
}
