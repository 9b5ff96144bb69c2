/**
 * RemoteJobs: the user's jobs on the panel's facility, live (see JobMonitor), with a
 * filter, a view of active jobs, finished ones (history, as long as the facility reports
 * them) or all, details (pending reason, nodes, times, limits), cancel with confirmation,
 * hold / release / requeue (requeue confirmed) where the facility offers them, a button
 * to follow a job's log, and for a finished job how it went (`jobs.efficiency`). Jobs
 * show the notebook they were submitted from (a click opens it), can be narrowed to the
 * notebook of Lab's current tab ("This notebook"), and submitted again ("Resubmit…").
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { dependencyLine, dependencyReason } from '../chains';
import { efficiencyFigures, outcomeMark } from '../efficiency';
import {
  filterJobs,
  formatDuration,
  isFinal,
  JOB_VIEWS,
  JobAction,
  jobActions,
  jobKey,
  jobTimes,
  JobView,
  listingStatus,
  pendingReason,
  sortJobs,
  viewJobs
} from '../jobs';
import type { JobMonitor } from '../monitor';
import { fromNotebook, originText } from '../provenance';
import { HPCRequestError, type HPCService } from '../service';
import type { HPC } from '../tokens';
import { h, iconButton } from './dom';

export namespace RemoteJobs {
  export interface IOptions {
    service: HPCService;
    monitor: JobMonitor;
    trans: TranslationBundle;
    /** Open a job's log in a tab that follows it. */
    openLog: (job: HPC.IJob) => void;
    /** Open the submit dialog filled with how `job` was submitted. */
    resubmit?: (job: HPC.IJob) => void;
    /** Open a notebook of Lab's workspace (a job's origin). */
    openNotebook?: (path: string) => void;
  }

  /** What is restored on reload. */
  export interface IState {
    view: JobView;
  }
}

export class RemoteJobs extends Widget {
  constructor(options: RemoteJobs.IOptions) {
    super();
    this.addClass('hpc-RemoteJobs');
    this._service = options.service;
    this._monitor = options.monitor;
    this._trans = options.trans;
    this._openLog = options.openLog;
    this._resubmit = options.resubmit ?? null;
    this._openNotebook = options.openNotebook ?? null;
    const trans = this._trans;
    this._thisNotebook = h('input', {
      type: 'checkbox',
      class: 'hpc-RemoteJobs-thisNotebook'
    });
    this._thisNotebook.disabled = true;
    this._thisNotebook.addEventListener('change', () => this._render());
    this._filter = h('input', {
      type: 'search',
      class: 'hpc-RemoteJobs-filter jp-mod-styled',
      placeholder: trans.__('Filter jobs'),
      'aria-label': trans.__('Filter jobs')
    });
    this._filter.addEventListener('input', () => this._render());
    const viewLabels: Record<JobView, string> = {
      all: trans.__('All'),
      active: trans.__('Active'),
      history: trans.__('History')
    };
    this._view = h('select', {
      class: 'hpc-RemoteJobs-view jp-mod-styled',
      'aria-label': trans.__('Which jobs'),
      title: trans.__(
        'Active jobs, finished jobs (as long as the facility reports them) or all'
      )
    });
    this._view.append(
      ...JOB_VIEWS.map(view => h('option', { value: view }, viewLabels[view]))
    );
    this._view.addEventListener('change', () => {
      this._render();
      this._stateChanged.emit();
    });
    this._status = h('div', { class: 'hpc-RemoteJobs-status', role: 'status' });
    this._list = h('ul', {
      class: 'hpc-RemoteJobs-list',
      'aria-label': trans.__('Jobs')
    });
    this.node.append(
      h(
        'div',
        { class: 'hpc-Toolbar' },
        h('span', { class: 'hpc-SectionTitle' }, trans.__('Jobs')),
        this._view,
        h(
          'label',
          {
            class: 'hpc-RemoteJobs-notebookFilter',
            title: trans.__(
              'Only the jobs submitted from the notebook of the current tab'
            )
          },
          this._thisNotebook,
          trans.__('This notebook')
        ),
        this._filter,
        iconButton(
          refreshIcon.element({ tag: 'span' }),
          trans.__('Refresh jobs'),
          'hpc-RemoteJobs-refresh',
          () => void this._monitor.refresh()
        )
      ),
      this._status,
      this._list
    );
    this._monitor.listed.connect(this._onListed, this);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._monitor.listed.disconnect(this._onListed, this);
    super.dispose();
  }

  /** Saved state changed. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get state(): RemoteJobs.IState {
    return { view: this._view.value as JobView };
  }

  restore(state: Partial<RemoteJobs.IState> | null | undefined): void {
    if (state?.view && JOB_VIEWS.includes(state.view)) {
      this._view.value = state.view;
      this._render();
    }
  }

  /**
   * The notebook of Lab's current tab (its path from Lab's root), or null for none, and the
   * paths it had before, renamed since it was opened (its jobs are its jobs under each).
   */
  setNotebook(path: string | null, formerly: readonly string[] = []): void {
    if (path === this._notebook && formerly.length === this._formerly.length) {
      return;
    }
    const renamed = path !== null && formerly.length > this._formerly.length;
    this._notebook = path;
    this._formerly = formerly;
    this._thisNotebook.disabled = path === null;
    this._render();
    if (renamed) {
      void this._monitor.refresh(); // the jobs' origins under the new name
    }
  }

  /** The facility changed: forget the other facility's jobs. */
  setFacility(facility: HPC.IFacility | null): void {
    this._facility = facility;
    this._jobs = [];
    this._listed = false;
    this._stale = false;
    const listable = !!facility?.capabilities.includes('jobs.list');
    this.setHidden(!listable);
    this._status.textContent = listable ? this._trans.__('Loading…') : '';
    this._render();
  }

  private _onListed(_: JobMonitor, listing: JobMonitor.IListing): void {
    if (listing.facility !== this._facility?.name) {
      return;
    }
    // A failed or stale listing keeps its rows under a line saying how old they are; with
    // nothing listed yet the line says why, and the list never claims "No jobs".
    const status = listingStatus(listing, this._trans);
    this._status.textContent = status.text;
    this._status.classList.toggle('hpc-mod-error', status.level === 'error');
    this._status.classList.toggle(
      'hpc-mod-warning',
      status.level === 'warning'
    );
    const listed = listing.listedAt !== null;
    const stale = status.level !== 'info';
    if (
      listing.jobs === this._jobs &&
      listed === this._listed &&
      stale === this._stale &&
      listing.jobs.every(job => isFinal(job.state))
    ) {
      // An unchanged listing (a 304) of finished jobs: the rows shown are still right.
      // (An active job's row shows times that tick, so it is drawn again.)
      return;
    }
    this._jobs = listing.jobs;
    this._listed = listed;
    this._stale = stale;
    this._render();
  }

  private async _cancel(job: HPC.IJob): Promise<void> {
    const trans = this._trans;
    const answer = await showDialog({
      title: trans.__('Cancel job %1?', job.id),
      body: trans.__(
        'Job %1 (%2) on %3 will be cancelled; its work so far may be lost.',
        job.id,
        job.name,
        job.facility
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Keep it') }),
        Dialog.warnButton({ label: trans.__('Cancel job') })
      ]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await this._service.cancelJob(job.facility, job.id, job.system);
    } catch (error) {
      const failure = error as HPCRequestError;
      this._status.textContent = trans.__(
        'Could not cancel job %1: %2',
        job.id,
        failure.message
      );
      this._status.classList.add('hpc-mod-error');
    }
    await this._monitor.refresh();
  }

  private async _act(job: HPC.IJob, action: JobAction): Promise<void> {
    const trans = this._trans;
    if (action === 'requeue') {
      const answer = await showDialog({
        title: trans.__('Requeue job %1?', job.id),
        body: trans.__(
          'Job %1 (%2) on %3 will be stopped and put back in the queue; it starts again from the beginning.',
          job.id,
          job.name,
          job.facility
        ),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Keep it running') }),
          Dialog.warnButton({ label: trans.__('Requeue job') })
        ]
      });
      if (!answer.button.accept) {
        return;
      }
    }
    try {
      await this._service.jobAction(job.facility, job.id, action, job.system);
    } catch (error) {
      const failure = error as HPCRequestError;
      const failed = {
        hold: trans.__('Could not hold job %1: %2', job.id, failure.message),
        release: trans.__(
          'Could not release job %1: %2',
          job.id,
          failure.message
        ),
        requeue: trans.__(
          'Could not requeue job %1: %2',
          job.id,
          failure.message
        )
      };
      this._status.textContent = failed[action];
      this._status.classList.add('hpc-mod-error');
    }
    await this._monitor.refresh();
  }

  private _actions(job: HPC.IJob): HTMLElement | false {
    const actions = jobActions(job, this._facility?.capabilities ?? []);
    const resubmit = this._resubmit;
    const canResubmit =
      !!resubmit && !!this._facility?.capabilities.includes('jobs.submit');
    if (!actions.length && !canResubmit) {
      return false;
    }
    const trans = this._trans;
    const labels: Record<JobAction, string> = {
      hold: trans.__('Hold'),
      release: trans.__('Release'),
      requeue: trans.__('Requeue…')
    };
    return h(
      'div',
      { class: 'hpc-RemoteJobs-actions' },
      ...actions.map(action =>
        this._button(labels[action], `hpc-RemoteJobs-${action}`, () =>
          this._act(job, action)
        )
      ),
      canResubmit &&
        this._button(trans.__('Resubmit…'), 'hpc-RemoteJobs-resubmit', () =>
          resubmit(job)
        )
    );
  }

  private _render(): void {
    const trans = this._trans;
    const facility = this._facility;
    const view = this._view.value as JobView;
    const mine = this._thisNotebook.checked && this._notebook !== null;
    const inView = viewJobs(
      mine
        ? this._jobs.filter(job =>
            fromNotebook(job, this._notebook, this._formerly)
          )
        : this._jobs,
      view
    );
    const jobs = sortJobs(filterJobs(inView, this._filter.value));
    this._list.classList.toggle('hpc-mod-stale', this._stale);
    if (!facility || !this._listed) {
      this._list.replaceChildren();
      return;
    }
    if (!jobs.length) {
      this._list.replaceChildren(
        h(
          'li',
          { class: 'hpc-RemoteJobs-empty' },
          this._filter.value.trim() && inView.length
            ? trans.__('No job matches.')
            : view === 'history'
              ? trans.__(
                  'No finished jobs: the facility reports none (it keeps them for a limited time).'
                )
              : view === 'active'
                ? trans.__('No active jobs.')
                : trans.__('No jobs.')
        )
      );
      return;
    }
    const canCancel = facility.capabilities.includes('jobs.cancel');
    const canLog = facility.capabilities.includes('jobs.output');
    const now = Date.now() / 1000;
    this._list.replaceChildren(
      ...jobs.map(job => {
        const active = !isFinal(job.state);
        const times = jobTimes(job, now);
        const elapsed =
          times.elapsed !== null ? formatDuration(times.elapsed) : '';
        const reason = pendingReason(job);
        const row = h(
          'li',
          {
            class: 'hpc-RemoteJobs-item',
            'data-job-id': job.id,
            'data-state': job.state
          },
          h(
            'div',
            { class: 'hpc-RemoteJobs-summary' },
            h(
              'span',
              {
                class: `hpc-JobState hpc-JobState-${job.state}`,
                title: job.raw_state
              },
              job.state
            ),
            h('span', { class: 'hpc-RemoteJobs-id' }, job.id),
            h(
              'span',
              { class: 'hpc-RemoteJobs-name', title: job.name },
              job.name
            ),
            h(
              'span',
              {
                class: 'hpc-RemoteJobs-elapsed',
                title: reason ? trans.__('Pending: %1', reason) : undefined
              },
              reason ? `(${reason})` : elapsed
            ),
            canLog &&
              this._button(trans.__('Log'), 'hpc-RemoteJobs-log', () =>
                this._openLog(job)
              ),
            canCancel &&
              active &&
              this._button(trans.__('Cancel'), 'hpc-RemoteJobs-cancel', () =>
                this._cancel(job)
              )
          ),
          this._expanded.has(job.id) && this._actions(job),
          this._expanded.has(job.id) && this._details(job),
          this._expanded.has(job.id) && this._efficiency(job)
        );
        row.addEventListener('click', () => {
          if (this._expanded.has(job.id)) {
            this._expanded.delete(job.id);
            // A failed ask is asked again when the details open again.
            const key = jobKey(job.facility, job.system, job.id);
            if (this._efficiencies.get(key) instanceof Error) {
              this._efficiencies.delete(key);
            }
          } else {
            this._expanded.add(job.id);
          }
          this._render();
        });
        return row;
      })
    );
  }

  private _button(
    label: string,
    className: string,
    onClick: () => unknown
  ): HTMLButtonElement {
    const button = h(
      'button',
      { type: 'button', class: `jp-mod-styled hpc-TextButton ${className}` },
      label
    );
    button.addEventListener('click', event => {
      event.stopPropagation();
      void onClick();
    });
    return button;
  }

  private _details(job: HPC.IJob): HTMLElement {
    const trans = this._trans;
    const time = (value: number | null) =>
      value === null ? '—' : new Date(value * 1000).toLocaleString();
    const duration = (value: number | null) =>
      value === null ? '—' : formatDuration(value);
    const times = jobTimes(job, Date.now() / 1000);
    const limit =
      job.time_limit === null
        ? '—'
        : times.remaining !== null
          ? trans.__(
              '%1 (%2 left)',
              formatDuration(job.time_limit),
              formatDuration(times.remaining)
            )
          : formatDuration(job.time_limit);
    const array =
      job.array_job_id !== null
        ? `${job.array_job_id}_${job.array_task_id ?? '*'}`
        : null;
    const rows: [string, string, string][] = [
      ['state', trans.__('State'), `${job.state} (${job.raw_state})`],
      [
        'reason',
        job.state === 'PENDING'
          ? trans.__('Pending reason')
          : trans.__('Reason'),
        dependencyReason(job, trans, id =>
          this._jobs.find(other => other.id === id)
        ) ??
          job.reason ??
          '—'
      ],
      ['partition', trans.__('Partition'), job.partition ?? '—'],
      ['account', trans.__('Account'), job.account ?? '—'],
      [
        'nodes',
        trans.__('Nodes'),
        job.nodes === null ? '—' : String(job.nodes)
      ],
      ['submitted', trans.__('Submitted'), time(job.submit_time)],
      ['started', trans.__('Started'), time(job.start_time)],
      ['ended', trans.__('Ended'), time(job.end_time)],
      ['waited', trans.__('Waited'), duration(times.waited)],
      ['elapsed', trans.__('Run time'), duration(times.elapsed)],
      ['limit', trans.__('Time limit'), limit],
      [
        'exit',
        trans.__('Exit code'),
        job.exit_code === null ? '—' : String(job.exit_code)
      ],
      ['workdir', trans.__('Work directory'), job.workdir ?? '—'],
      ['stdout', trans.__('Output'), job.stdout ?? '—'],
      ['stderr', trans.__('Errors'), job.stderr ?? '—']
    ];
    if (array) {
      rows.splice(1, 0, ['array', trans.__('Array task'), array]);
    }
    const waits = dependencyLine(job, trans);
    if (waits) {
      const after = rows.findIndex(([key]) => key === 'reason') + 1;
      rows.splice(after, 0, ['dependency', trans.__('Dependency'), waits]);
    }
    return h(
      'dl',
      { class: 'hpc-RemoteJobs-details' },
      ...this._origin(job),
      ...rows.flatMap(([key, term, value]) => [
        h('dt', { 'data-field': key }, term),
        h('dd', { 'data-field': key }, value)
      ])
    );
  }

  /** "Submitted from <notebook> (cell …)", the notebook a link that opens it. */
  private _origin(job: HPC.IJob): HTMLElement[] {
    const trans = this._trans;
    const text = originText(job.origin, trans);
    const notebook = job.origin?.notebook;
    if (!text || !notebook) {
      return [];
    }
    const link = h(
      'a',
      {
        class: 'hpc-RemoteJobs-origin',
        href: '#',
        title: trans.__('Open %1', notebook)
      },
      text
    );
    link.addEventListener('click', event => {
      event.preventDefault();
      event.stopPropagation();
      this._openNotebook?.(notebook);
    });
    const again = job.origin?.resubmit_of;
    return [
      h('dt', { 'data-field': 'origin' }, trans.__('Submitted from')),
      h(
        'dd',
        { 'data-field': 'origin' },
        link,
        again ? trans.__(', resubmitting job %1', again) : null
      )
    ];
  }

  /**
   * How a finished job went, for a facility with `jobs.efficiency`: asked once per job
   * (GET .../jobs/{id}), shown under its details when it comes.
   */
  private _efficiency(job: HPC.IJob): HTMLElement | false {
    const facility = this._facility;
    if (
      !isFinal(job.state) ||
      !facility?.capabilities.includes('jobs.efficiency')
    ) {
      return false;
    }
    const trans = this._trans;
    const key = jobKey(job.facility, job.system, job.id);
    const known = this._efficiencies.get(key);
    if (known === undefined) {
      this._efficiencies.set(key, 'loading');
      this._service.job(job.facility, job.id, job.system).then(
        full => {
          this._efficiencies.set(key, full.efficiency ?? null);
          this._render();
        },
        error => {
          this._efficiencies.set(key, error as Error);
          this._render();
        }
      );
    }
    const box = (state: string, ...children: (HTMLElement | string)[]) =>
      h(
        'div',
        { class: 'hpc-Efficiency', 'data-state': state },
        h('div', { class: 'hpc-Efficiency-title' }, trans.__('How it went')),
        ...children
      );
    if (known === undefined || known === 'loading') {
      return box('loading', trans.__('Loading…'));
    }
    if (known instanceof Error) {
      return box(
        'failed',
        h(
          'div',
          { class: 'hpc-mod-error' },
          trans.__('Could not ask how the job went: %1', known.message)
        )
      );
    }
    if (known === null) {
      return box(
        'none',
        trans.__("The facility's accounting has no figures for this job.")
      );
    }
    const mark = outcomeMark(known, trans);
    const node = box(
      'loaded',
      ...(mark ? [h('div', { class: 'hpc-Efficiency-mark' }, mark)] : []),
      h('div', { class: 'hpc-Efficiency-summary' }, known.summary),
      h(
        'dl',
        { class: 'hpc-Efficiency-figures' },
        ...efficiencyFigures(known, trans).flatMap(figure => [
          h('dt', { 'data-field': figure.key }, figure.label),
          h(
            'dd',
            {
              'data-field': figure.key,
              class: figure.marked ? 'hpc-mod-marked' : undefined
            },
            figure.value
          )
        ])
      )
    );
    node.dataset.outcome = known.outcome;
    return node;
  }

  private _service: HPCService;
  private _monitor: JobMonitor;
  private _trans: TranslationBundle;
  private _openLog: (job: HPC.IJob) => void;
  private _resubmit: ((job: HPC.IJob) => void) | null;
  private _openNotebook: ((path: string) => void) | null;
  private _notebook: string | null = null;
  private _formerly: readonly string[] = [];
  private _thisNotebook: HTMLInputElement;
  private _facility: HPC.IFacility | null = null;
  private _jobs: HPC.IJob[] = [];
  /** Whether `_jobs` is a listing at all (false before the first, or while none succeeded). */
  private _listed = false;
  /** Whether `_jobs` is not current (stale, or kept after a failed listing). */
  private _stale = false;
  private _expanded = new Set<string>();
  /** How each finished job went, by `jobKey`: asked for, answered, or why not. */
  private _efficiencies = new Map<
    string,
    HPC.IEfficiency | null | 'loading' | Error
  >();
  private _filter: HTMLInputElement;
  private _view: HTMLSelectElement;
  private _stateChanged = new Signal<this, void>(this);
  private _status: HTMLDivElement;
  private _list: HTMLUListElement;
}
