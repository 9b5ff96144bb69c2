/**
 * hpc-jupyter's JupyterLab plugins: the service that calls /hpc/api, and the side panel
 * with its commands, context menu entry and notifications. Wiring only; the logic lives
 * in the modules imported here.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { IDocumentWidget } from '@jupyterlab/docregistry';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { Widget } from '@lumino/widgets';

import { CommandIDs, notifyNotice, registerCommands } from './commands';
import { hpcIcon } from './icons';
import type { ITrackerState } from './jobs';
import { JobMonitor } from './monitor';
import { NoticeWatcher } from './notices';
import { serverRequester } from './request';
import { HPCService } from './service';
import { IHPCService } from './tokens';
import { labFileReader, registerLabUpload } from './upload';
import { handshakeMessage, HPCPanel } from './widgets/panel';
import type { JobLogViewer, RemoteFileViewer } from './widgets/viewer';

const PANEL_STATE = 'hpc-jupyter:panel-state';
const TRACKED_JOBS = 'hpc-jupyter:tracked-jobs';

const servicePlugin: JupyterFrontEndPlugin<HPCService> = {
  id: 'hpc-jupyter:service',
  description:
    'Calls the hpc-jupyter REST API (/hpc/api) of the Jupyter server.',
  autoStart: true,
  provides: IHPCService,
  activate: (app: JupyterFrontEnd): HPCService =>
    new HPCService(serverRequester(app.serviceManager.serverSettings))
};

const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'hpc-jupyter:panel',
  description:
    'The HPC side panel: facilities, remote files, jobs, submit and notifications.',
  autoStart: true,
  requires: [IHPCService],
  optional: [
    ILayoutRestorer,
    IStateDB,
    ITranslator,
    IDefaultFileBrowser,
    ICommandPalette
  ],
  activate: (
    app: JupyterFrontEnd,
    service: HPCService,
    restorer: ILayoutRestorer | null,
    stateDB: IStateDB | null,
    translator: ITranslator | null,
    fileBrowser: IDefaultFileBrowser | null,
    palette: ICommandPalette | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('hpc_jupyter');
    const monitor = new JobMonitor({
      service,
      events: app.serviceManager.events?.stream
    });
    const files = new WidgetTracker<MainAreaWidget<RemoteFileViewer>>({
      namespace: 'hpc-remote-file'
    });
    const logs = new WidgetTracker<MainAreaWidget<JobLogViewer>>({
      namespace: 'hpc-job-log'
    });
    registerCommands({
      app,
      service,
      monitor,
      trans,
      fileBrowser,
      files,
      logs
    });
    // Incidents and maintenance where the user's jobs wait or run.
    new NoticeWatcher({
      service,
      active: () => monitor.activeFacilities(),
      notify: (facility, notice) =>
        notifyNotice({ app, trans }, facility, notice)
    });

    const panel = new HPCPanel({
      service,
      monitor,
      trans,
      openFile: (facility, path) =>
        void app.commands.execute(CommandIDs.openFile, { facility, path }),
      download: (facility, entry) =>
        void app.commands.execute(CommandIDs.download, {
          facility,
          path: entry.path,
          size: entry.size
        }),
      readLabFiles: labFileReader(app),
      openStatus: facility =>
        void app.commands.execute(CommandIDs.openStatus, { facility }),
      openLog: job =>
        void app.commands.execute(CommandIDs.openLog, {
          facility: job.facility,
          system: job.system,
          jobId: job.id
        }),
      resubmit: job =>
        void app.commands.execute(CommandIDs.resubmitJob, {
          facility: job.facility,
          system: job.system,
          jobId: job.id
        }),
      openNotebook: path =>
        void app.commands.execute('docmanager:open', { path })
    });
    // "This notebook": the notebook of the main area's current tab, under every name it has
    // had while it was the current tab (renamed, its jobs' records follow a moment later).
    const formerly = new WeakMap<IDocumentWidget, string[]>();
    let followed: IDocumentWidget | null = null;
    let followedPath: string | null = null;
    const followNotebook = () => {
      const current = app.shell.currentWidget;
      const document = documentOf(current);
      if (document !== followed) {
        followed?.context.pathChanged.disconnect(onRenamed);
        followed = document;
        followed?.context.pathChanged.connect(onRenamed);
      }
      followedPath = notebookPath(current);
      panel.jobs.setNotebook(
        followedPath,
        (document && formerly.get(document)) ?? []
      );
    };
    const onRenamed = () => {
      if (followed && followedPath) {
        formerly.set(followed, [
          ...(formerly.get(followed) ?? []),
          followedPath
        ]);
      }
      followNotebook();
    };
    app.shell.currentChanged?.connect(followNotebook);
    followNotebook();
    // Hidden until the sidebar shows it (then onAfterShow says so).
    monitor.visible = false;
    panel.title.icon = hpcIcon;
    panel.title.caption = trans.__('HPC facilities');
    app.shell.add(panel, 'left', { rank: 450 });

    if (restorer) {
      restorer.add(panel, 'hpc-jupyter-panel');
      void restorer.restore(files, {
        command: CommandIDs.openFile,
        args: widget => ({
          facility: widget.content.facility,
          path: widget.content.path
        }),
        name: widget => `${widget.content.facility}:${widget.content.path}`
      });
      void restorer.restore(logs, {
        command: CommandIDs.openLog,
        args: widget => ({
          facility: widget.content.facility,
          system: widget.content.system,
          jobId: widget.content.jobId
        }),
        name: widget =>
          `${widget.content.facility}:${widget.content.system}:${widget.content.jobId}`
      });
    }

    app.contextMenu.addItem({
      command: CommandIDs.submitFile,
      selector: '.jp-DirListing-item[data-isdir="false"]',
      rank: 3
    });
    registerLabUpload(app, trans, fileBrowser, panel);
    palette?.addItem({
      command: CommandIDs.submitEditor,
      category: trans.__('HPC')
    });

    void (async () => {
      const [handshake, savedPanel, savedJobs] = await Promise.all([
        service.handshake(),
        stateDB?.fetch(PANEL_STATE).catch(() => undefined),
        stateDB?.fetch(TRACKED_JOBS).catch(() => undefined)
      ]);
      monitor.tracker.restore(savedJobs as ITrackerState | undefined);
      if (handshake.kind !== 'ok') {
        Notification.warning(handshakeMessage(handshake, trans), {
          autoClose: false
        });
      }
      await panel.start(
        handshake,
        (savedPanel as Partial<HPCPanel.IState> | undefined) ?? null
      );
      if (stateDB) {
        panel.stateChanged.connect(() => {
          void stateDB.save(
            PANEL_STATE,
            panel.state as unknown as ReadonlyPartialJSONObject
          );
        });
        monitor.trackerChanged.connect(() => {
          void stateDB.save(
            TRACKED_JOBS,
            monitor.tracker.toJSON() as unknown as ReadonlyPartialJSONObject
          );
        });
      }
    })();
  }
};

export default [servicePlugin, panelPlugin];

/** The document a main-area widget shows, or null when it shows none. */
function documentOf(widget: Widget | null): IDocumentWidget | null {
  const document = widget as IDocumentWidget | null;
  return document?.context?.pathChanged ? document : null;
}

/** The path of the notebook a main-area widget shows, or null when it shows none. */
function notebookPath(widget: Widget | null): string | null {
  const path = (widget as IDocumentWidget | null)?.context?.path;
  return typeof path === 'string' && path.endsWith('.ipynb') ? path : null;
}
