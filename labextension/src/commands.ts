/**
 * The commands of hpc-jupyter: open a remote file or a job log in a tab, and submit a
 * batch script (from Lab's file browser or the open editor) to a facility.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  MainAreaWidget,
  Notification,
  showDialog,
  WidgetTracker
} from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentWidget } from '@jupyterlab/docregistry';
import type { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import type { TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';

import { chunkedCopy } from './copy';
import { isBatchScript, jobRequest, prefill } from './directives';
import { noticeMessage } from './foresight';
import { isFinal, ITransition, NOTIFIED } from './jobs';
import type { JobMonitor } from './monitor';
import { formatSize } from './paths';
import { resubmitFields, resubmitRequest } from './provenance';
import type { HPCService } from './service';
import type { HPC } from './tokens';
import { FacilityStatusView } from './widgets/status';
import { JobLogViewer, RemoteFileViewer } from './widgets/viewer';
import { SubmitForm } from './widgets/submit';

export namespace CommandIDs {
  export const openFile = 'hpc:open-remote-file';
  export const openLog = 'hpc:open-job-log';
  export const submitFile = 'hpc:submit-file';
  export const submitEditor = 'hpc:submit-editor';
  export const download = 'hpc:copy-remote-file-to-lab';
  export const openStatus = 'hpc:open-facility-status';
  export const resubmitJob = 'hpc:resubmit-job';
}

export interface ICommandContext {
  app: JupyterFrontEnd;
  service: HPCService;
  monitor: JobMonitor;
  trans: TranslationBundle;
  fileBrowser: IDefaultFileBrowser | null;
  files: WidgetTracker<MainAreaWidget<RemoteFileViewer>>;
  logs: WidgetTracker<MainAreaWidget<JobLogViewer>>;
}

/** The selected file of Lab's file browser, if exactly one file is selected. */
function selectedFile(browser: IDefaultFileBrowser | null): string | null {
  if (!browser) {
    return null;
  }
  const items = Array.from(browser.selectedItems());
  return items.length === 1 && items[0].type !== 'directory'
    ? items[0].path
    : null;
}

export function registerCommands(context: ICommandContext): void {
  const { app, service, monitor, trans, fileBrowser, files, logs } = context;
  const { commands } = app;

  commands.addCommand(CommandIDs.openFile, {
    label: trans.__('Open Remote File (read-only)'),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          facility: { type: 'string' },
          path: { type: 'string' }
        }
      }
    },
    execute: args => {
      const facility = String(args.facility);
      const path = String(args.path);
      const open = files.find(
        w => w.content.facility === facility && w.content.path === path
      );
      if (open) {
        app.shell.activateById(open.id);
        return open;
      }
      const content = new RemoteFileViewer({ service, trans, facility, path });
      const widget = new MainAreaWidget({ content });
      widget.id = `hpc-file-${UUID.uuid4()}`;
      widget.title.label = PathExt.basename(path);
      widget.title.caption = trans.__('%1 on %2 (read-only)', path, facility);
      widget.title.closable = true;
      void files.add(widget);
      app.shell.add(widget, 'main');
      return widget;
    }
  });

  commands.addCommand(CommandIDs.openLog, {
    label: trans.__('Open Job Log'),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          facility: { type: 'string' },
          system: { type: 'string' },
          jobId: { type: 'string' }
        }
      }
    },
    execute: args => {
      const facility = String(args.facility);
      const system = String(args.system);
      const jobId = String(args.jobId);
      const open = logs.find(
        w =>
          w.content.facility === facility &&
          w.content.system === system &&
          w.content.jobId === jobId
      );
      if (open) {
        app.shell.activateById(open.id);
        return open;
      }
      const content = new JobLogViewer({
        service,
        trans,
        facility,
        system,
        jobId
      });
      const widget = new MainAreaWidget({ content });
      widget.id = `hpc-log-${UUID.uuid4()}`;
      widget.title.label = trans.__('Job %1 log', jobId);
      widget.title.caption = trans.__('Log of job %1 on %2', jobId, facility);
      widget.title.closable = true;
      void logs.add(widget);
      app.shell.add(widget, 'main');
      return widget;
    }
  });

  commands.addCommand(CommandIDs.submitFile, {
    label: trans.__('Submit to HPC facility…'),
    describedBy: {
      args: { type: 'object', properties: { path: { type: 'string' } } }
    },
    isVisible: args => {
      const path =
        (args.path as string | undefined) ?? selectedFile(fileBrowser);
      return !!path && isBatchScript(path);
    },
    execute: async args => {
      const path =
        (args.path as string | undefined) ?? selectedFile(fileBrowser);
      if (!path) {
        return;
      }
      const model = await app.serviceManager.contents.get(path, {
        type: 'file',
        format: 'text',
        content: true
      });
      await submitScript(context, path, String(model.content));
    }
  });

  const currentDocument = (): IDocumentWidget | null => {
    const widget = app.shell.currentWidget as IDocumentWidget | null;
    return widget && widget.context && typeof widget.context.path === 'string'
      ? widget
      : null;
  };
  commands.addCommand(CommandIDs.submitEditor, {
    label: trans.__('Submit Current File to HPC facility…'),
    describedBy: { args: { type: 'object', properties: {} } },
    isEnabled: () => {
      const widget = currentDocument();
      return !!widget && isBatchScript(widget.context.path);
    },
    execute: async () => {
      const widget = currentDocument();
      if (!widget) {
        return;
      }
      await submitScript(
        context,
        widget.context.path,
        widget.context.model.toString()
      );
    }
  });

  commands.addCommand(CommandIDs.resubmitJob, {
    label: trans.__('Resubmit Job…'),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          facility: { type: 'string' },
          system: { type: 'string' },
          jobId: { type: 'string' }
        },
        required: ['facility', 'jobId']
      }
    },
    // A job's details give the job; without one there is nothing to resubmit.
    isEnabled: args =>
      typeof args.facility === 'string' && typeof args.jobId === 'string',
    execute: async args => {
      const facility = args.facility as string;
      const jobId = args.jobId as string;
      let submission: HPC.ISubmission;
      try {
        submission = await service.jobSubmission(
          facility,
          jobId,
          (args.system as string | undefined) || undefined
        );
      } catch (error) {
        Notification.error(
          trans.__(
            'Cannot resubmit job %1: %2',
            jobId,
            (error as Error).message
          )
        );
        return;
      }
      await submitScript(
        context,
        trans.__('job %1', jobId),
        submission.request.script,
        submission
      );
    }
  });

  commands.addCommand(CommandIDs.download, {
    label: trans.__("Copy Remote File to Lab's Current Folder"),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          facility: { type: 'string' },
          path: { type: 'string' },
          size: { type: 'number' }
        }
      }
    },
    execute: async args => {
      const facility = String(args.facility);
      const path = String(args.path);
      const name = PathExt.basename(path);
      const dir = fileBrowser?.model.path ?? '';
      const target = PathExt.join(dir, name);
      const contents = app.serviceManager.contents;
      const exists = await contents.get(target, { content: false }).then(
        () => true,
        () => false
      );
      if (exists) {
        const answer = await showDialog({
          title: trans.__('Replace %1?', target || name),
          body: trans.__(
            '%1 already exists in Lab and will be replaced by %2 from %3.',
            target,
            path,
            facility
          ),
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.warnButton({ label: trans.__('Replace') })
          ]
        });
        if (!answer.button.accept) {
          return;
        }
      }
      let size = Number(args.size ?? NaN);
      let started = false;
      const progress = Notification.emit(
        trans.__('Copying %1 from %2…', path, facility),
        'in-progress',
        { autoClose: false, progress: 0 }
      );
      try {
        if (!Number.isFinite(size) || size < 0) {
          size = (await service.stat(facility, path)).size;
        }
        await chunkedCopy({
          size,
          read: (offset, length) =>
            service.readFile(facility, path, offset, length),
          save: (content, chunk) => {
            started = true;
            return contents.save(target, {
              type: 'file',
              format: 'base64',
              content,
              ...(chunk === undefined ? {} : { chunk })
            });
          },
          onProgress: (copied, total) =>
            void Notification.update({
              id: progress,
              message: trans.__(
                'Copying %1 from %2: %3 of %4',
                path,
                facility,
                formatSize(copied),
                formatSize(total)
              ),
              progress: total ? copied / total : 1
            })
        });
        Notification.update({
          id: progress,
          type: 'success',
          message: trans.__('Copied %1 from %2 to %3.', path, facility, target),
          autoClose: 5000,
          progress: undefined
        });
      } catch (error) {
        // A partial copy is worse than none: it looks like the file.
        if (started) {
          await contents.delete(target).catch(() => undefined);
        }
        Notification.update({
          id: progress,
          type: 'error',
          message: trans.__(
            'Copying %1 failed: %2',
            path,
            (error as Error).message
          ),
          autoClose: false,
          progress: undefined
        });
      }
    }
  });

  const statusViews = new Map<string, MainAreaWidget<FacilityStatusView>>();
  commands.addCommand(CommandIDs.openStatus, {
    label: trans.__('Show Facility Status'),
    describedBy: {
      args: {
        type: 'object',
        properties: { facility: { type: 'string' } }
      }
    },
    execute: args => {
      const facility = String(args.facility);
      const open = statusViews.get(facility);
      if (open && !open.isDisposed) {
        app.shell.activateById(open.id);
        void open.content.load(false);
        return open;
      }
      const content = new FacilityStatusView({ service, trans, facility });
      const widget = new MainAreaWidget({ content });
      widget.id = `hpc-status-${UUID.uuid4()}`;
      widget.title.label = trans.__('%1 status', facility);
      widget.title.caption = trans.__('What %1 says about itself', facility);
      widget.title.closable = true;
      statusViews.set(facility, widget);
      app.shell.add(widget, 'main');
      return widget;
    }
  });

  monitor.transition.connect((_, change) => notify(context, change));
}

/** Tell the user of an incident or maintenance at a facility where their jobs are. */
export function notifyNotice(
  context: Pick<ICommandContext, 'app' | 'trans'>,
  facility: string,
  notice: HPC.INotice
): void {
  const { app, trans } = context;
  Notification.emit(
    noticeMessage(facility, notice, trans),
    notice.kind === 'incident' ? 'error' : 'warning',
    {
      autoClose: false,
      actions: [
        {
          label: trans.__('Show status'),
          callback: () =>
            void app.commands.execute(CommandIDs.openStatus, { facility })
        }
      ]
    }
  );
}

/**
 * The partitions asked for per facility, for the page's lifetime: they change rarely and
 * a dialog should not wait for them each time.
 */
const partitionCache = new Map<string, Promise<HPC.IPartition[]>>();

/** Ask for the facility and the job's settings, then submit `script`. */
export async function submitScript(
  context: ICommandContext,
  path: string,
  script: string,
  again?: HPC.ISubmission
): Promise<HPC.IJob | null> {
  const { service, monitor, trans, app } = context;
  const name = PathExt.basename(path);
  let facilities: HPC.IFacility[];
  try {
    facilities = (await service.facilities()).filter(f =>
      f.capabilities.includes('jobs.submit')
    );
  } catch (error) {
    Notification.error(
      trans.__('Could not load the facilities: %1', (error as Error).message)
    );
    return null;
  }
  if (!facilities.length) {
    Notification.error(trans.__('No facility here can take a batch job.'));
    return null;
  }
  const dir = PathExt.dirname(path);
  // Asked once per dialog and facility (the server keeps it a minute anyway).
  const statuses = new Map<string, Promise<HPC.IFacilityStatus>>();
  const form = new SubmitForm({
    trans,
    facilities,
    facility: again?.facility ?? monitor.facility?.name ?? null,
    fields: again ? resubmitFields(again) : prefill(script),
    script: again?.request.script,
    // A `local` facility's root is this server's root, so the script's own folder is
    // there too; elsewhere the facility's home is the sensible default.
    workdirFor: facility => (facility.kind === 'local' && dir ? dir : ''),
    partitionsFor: facility => {
      if (!facility.capabilities.includes('jobs.partitions')) {
        return null;
      }
      let pending = partitionCache.get(facility.name);
      if (!pending) {
        pending = service.partitions(facility.name);
        partitionCache.set(facility.name, pending);
        // A failure is not kept: the next dialog asks again.
        pending.catch(() => partitionCache.delete(facility.name));
      }
      return pending;
    },
    statusFor: facility => {
      if (!facility.capabilities.includes('status')) {
        return null;
      }
      let pending = statuses.get(facility.name);
      if (!pending) {
        pending = service.status(facility.name);
        statuses.set(facility.name, pending);
      }
      return pending;
    },
    checkFor: (facility, fields) => {
      if (!facility.capabilities.includes('status')) {
        return null;
      }
      let request: HPC.IJobRequest;
      try {
        request = jobRequest(script, fields);
      } catch (error) {
        return Promise.reject(new Error(requestProblem(error, trans)));
      }
      return service.checkJob(facility.name, request);
    }
  });
  const result = await showDialog({
    title: again
      ? trans.__('Resubmit job %1', again.job_id)
      : trans.__('Submit %1 to an HPC facility', name),
    body: form,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Submit') })
    ]
  });
  if (!result.button.accept || !result.value) {
    return null;
  }
  const { facility, fields } = result.value;
  const edited = result.value.script ?? script;
  let request: HPC.IJobRequest;
  try {
    request = again
      ? resubmitRequest(again, edited, fields, facility)
      : { ...jobRequest(script, fields), origin: { via: 'panel' } };
  } catch (error) {
    Notification.error(requestProblem(error, trans));
    return null;
  }
  try {
    // A resubmission to the same facility goes to the same system.
    const system = again?.facility === facility ? again.system : undefined;
    const job = await service.submitJob(
      facility,
      request,
      UUID.uuid4(),
      system
    );
    monitor.track(job);
    Notification.success(
      trans.__('Submitted %1 as job %2 on %3.', name, job.id, facility),
      {
        autoClose: 5000,
        actions: [
          {
            label: trans.__('Open log'),
            callback: () =>
              void app.commands.execute(CommandIDs.openLog, {
                facility: job.facility,
                system: job.system,
                jobId: job.id
              })
          }
        ]
      }
    );
    return job;
  } catch (error) {
    Notification.error(
      trans.__('Submitting %1 failed: %2', name, (error as Error).message)
    );
    return null;
  }
}

/** What is wrong with the dialog's fields, from `jobRequest`'s error. */
function requestProblem(error: unknown, trans: TranslationBundle): string {
  return (error as Error).message === 'nodes'
    ? trans.__('Nodes must be a whole number of at least 1.')
    : trans.__(
        'The time limit must be minutes, MM:SS, HH:MM:SS or D-HH:MM:SS.'
      );
}

/** Tell the user that a job started from this Lab changed state. */
function notify(context: ICommandContext, change: ITransition): void {
  const { trans, app } = context;
  const label = change.name ? `${change.id} (${change.name})` : change.id;
  let message: string;
  switch (change.state) {
    case 'RUNNING':
      message = trans.__('Job %1 on %2 is running.', label, change.facility);
      break;
    case 'COMPLETED':
      message = trans.__('Job %1 on %2 completed.', label, change.facility);
      break;
    case 'TIMEOUT':
      message = trans.__(
        'Job %1 on %2 reached its time limit.',
        label,
        change.facility
      );
      break;
    default:
      message = trans.__(
        'Job %1 on %2 ended: %3 (exit code %4).',
        label,
        change.facility,
        change.state,
        change.exitCode === null ? '—' : String(change.exitCode)
      );
  }
  Notification.emit(message, NOTIFIED[change.state] ?? 'info', {
    // An ending stays until dismissed; "running" goes by.
    autoClose: isFinal(change.state) ? false : 5000,
    actions: [
      {
        label: trans.__('Open log'),
        callback: () =>
          void app.commands.execute(CommandIDs.openLog, {
            facility: change.facility,
            system: change.system,
            jobId: change.id
          })
      }
    ]
  });
}
