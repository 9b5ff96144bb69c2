/**
 * JobMonitor: the live job list of the facility shown in the panel, and the watch over
 * jobs submitted from this Lab.
 *
 * Live through the server's `job_state` events (the job watcher's), with polling of the
 * jobs listing as the fallback and the refresh after each event. The server lists a
 * facility at most once per poll interval however many clients ask, so polling is cheap;
 * with the event stream at hand the fallback poll is slow (`EVENTS_FALLBACK_INTERVAL`),
 * and every poll is conditional (`If-None-Match`): an unchanged listing costs a 304, and
 * its jobs are passed on as the very same array, so views can skip redrawing them.
 *
 * An outage is never passed off as "no jobs": a listing the server marks stale is passed on
 * with its `stale` mark, and after an error the jobs last listed here are passed on with
 * the error and their time, never an empty list in their place.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import type { IDisposable } from '@lumino/disposable';

import { dependencySettling } from './chains';
import { ITransition, JobTracker } from './jobs';
import { HPCRequestError, type HPCService } from './service';
import { HPC } from './tokens';

/** The slowest polling gets when the server keeps failing, in ms. */
const MAX_INTERVAL = 60 * 1000;

/**
 * How often the listing is polled while the server's events tell of every job state
 * change, in ms: the fallback for what events do not carry (a job the facility forgot, a
 * changed reason) and for an event stream that reconnects.
 */
export const EVENTS_FALLBACK_INTERVAL = 30 * 1000;

/** The states of a job that is waiting or running (see `activeFacilities`). */
const ACTIVE_STATES: ReadonlySet<HPC.JobState> = new Set<HPC.JobState>([
  'PENDING',
  'RUNNING'
]);

/** How often the listing is polled before a facility is chosen, in ms. */
const DEFAULT_INTERVAL = 5 * 1000;

export namespace JobMonitor {
  export interface IOptions {
    service: HPCService;
    /** The server's event stream (app.serviceManager.events.stream), if any. */
    events?: ISignal<unknown, { schema_id: string }>;
  }

  /** One facility's jobs, and how current they are, or why they could not be listed. */
  export interface IListing {
    facility: string;
    /** The jobs listed; after an error, the ones last listed here (see `listedAt`). */
    jobs: HPC.IJob[];
    /** Why this listing failed, if it did. */
    error: HPCRequestError | null;
    /** Set when the server could not list the facility again and served its last listing. */
    stale: HPC.IStaleness | null;
    /** When `jobs` were listed (earlier than `updated` when stale or kept); null: never. */
    listedAt: Date | null;
    /** When this listing was asked for. */
    updated: Date;
  }
}

export class JobMonitor implements IDisposable {
  constructor(options: JobMonitor.IOptions) {
    this._service = options.service;
    this._events = options.events ?? null;
    this._events?.connect(this._onEvent, this);
    this._poll = new Poll({
      factory: () => this._tick(),
      frequency: {
        interval: this._interval(true),
        backoff: true,
        max: MAX_INTERVAL
      },
      standby: 'when-hidden',
      name: 'hpc-jupyter:jobs'
    });
  }

  /** The jobs of the watched facility, after every listing. */
  get listed(): ISignal<this, JobMonitor.IListing> {
    return this._listed;
  }

  /** A job submitted from this Lab reached a state worth telling. */
  get transition(): ISignal<this, ITransition> {
    return this._transition;
  }

  readonly tracker = new JobTracker();

  /** The tracked jobs changed (to be saved). */
  get trackerChanged(): ISignal<this, void> {
    return this._trackerChanged;
  }

  /** The facility whose jobs are listed, or null for none. */
  get facility(): HPC.IFacility | null {
    return this._facility;
  }

  set facility(facility: HPC.IFacility | null) {
    this._facility = facility;
    if (facility) {
      // The facility's own poll interval, never faster than 2 s.
      this._pace = Math.max(2, facility.poll_interval) * 1000;
      this._pollAt(this._interval(true));
    }
    void this.refresh();
  }

  /** How often the listing is polled now, in ms (before any backoff after failures). */
  get pollInterval(): number {
    return this._poll.frequency.interval;
  }

  /**
   * Whether the job list is on screen. While it is not, only facilities with jobs
   * submitted from this Lab are listed (for their notifications).
   */
  get visible(): boolean {
    return this._visible;
  }

  set visible(visible: boolean) {
    const shown = visible && !this._visible;
    this._visible = visible;
    if (shown) {
      void this.refresh();
    }
  }

  /** List now (after a submit or a cancel, or on the user's Refresh). */
  async refresh(): Promise<void> {
    await this._poll.refresh();
  }

  /** Follow a job submitted from this Lab and show it at once. */
  track(job: HPC.IJob): void {
    this.tracker.track(job);
    this._trackerChanged.emit();
    void this.refresh();
  }

  /**
   * The facilities the user has PENDING or RUNNING jobs on, as far as this Lab knows: in
   * the last listing of each facility listed here, and the jobs submitted from this Lab.
   */
  activeFacilities(): Set<string> {
    const names = new Set<string>();
    for (const listing of this._last.values()) {
      if (listing.jobs.some(job => ACTIVE_STATES.has(job.state))) {
        names.add(listing.facility);
      }
    }
    for (const [key, job] of Object.entries(this.tracker.toJSON())) {
      if (ACTIVE_STATES.has(job.state)) {
        names.add(key.split('\u0000', 1)[0]);
      }
    }
    return names;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._events?.disconnect(this._onEvent, this);
    // Poll.dispose() leaves a scheduled tick's timer behind; stopping first clears it.
    void this._poll.stop().finally(() => this._poll.dispose());
    Signal.clearData(this);
  }

  private _onEvent(_: unknown, emission: { schema_id: string }): void {
    if (emission.schema_id !== HPC.JOB_STATE_EVENT) {
      return;
    }
    const event = emission as unknown as HPC.IJobStateEvent;
    this._announce(
      this.tracker.update(
        event.facility,
        event.system,
        event.job_id,
        event.state,
        event.name,
        event.exit_code ?? null
      )
    );
    if (event.facility === this._facility?.name) {
      void this._poll.refresh();
    }
  }

  /**
   * The poll interval: the facility's pace, or the slow fallback while events tell of
   * changes and the listing is `current` (neither failed nor stale: an outage and its end
   * come with no event, so they are watched for at the facility's pace; nor waiting for a
   * job's dependency reason to catch up with the job it waited for, which has ended).
   */
  private _interval(current: boolean): number {
    return this._events && current
      ? Math.max(this._pace, EVENTS_FALLBACK_INTERVAL)
      : this._pace;
  }

  private _pollAt(interval: number): void {
    this._poll.frequency = { interval, backoff: true, max: MAX_INTERVAL };
  }

  private _announce(change: ITransition | null): void {
    if (change) {
      this._trackerChanged.emit();
      this._transition.emit(change);
    }
  }

  private async _tick(): Promise<void> {
    // The panel's facility, and every other facility a tracked job still runs on.
    const names = new Set<string>();
    if (this._visible && this._facility?.capabilities.includes('jobs.list')) {
      names.add(this._facility.name);
    }
    for (const key of Object.keys(this.tracker.toJSON())) {
      names.add(key.split('\u0000', 1)[0]);
    }
    let failure: unknown = null;
    for (const name of names) {
      const updated = new Date();
      let listing: JobMonitor.IListing;
      try {
        const answer = await this._service.listJobs(name);
        const { jobs, stale } = answer;
        // The same object again: the server said 304, nothing changed to announce.
        const unchanged = answer === this._answers.get(name);
        this._answers.set(name, answer);
        if (!stale && !unchanged) {
          // A stale listing is older than what events may have told: it announces nothing.
          for (const change of this.tracker.updateAll(jobs)) {
            this._announce(change);
          }
        }
        const listedAt = stale ? new Date(stale.listed_at * 1000) : updated;
        listing = {
          facility: name,
          jobs,
          error: null,
          stale: stale ?? null,
          listedAt,
          updated
        };
        this._last.set(name, listing);
      } catch (caught) {
        const error =
          caught instanceof HPCRequestError
            ? caught
            : new HPCRequestError(0, null, String(caught));
        failure = caught;
        // Keep what was listed before, with its time: an error is never "no jobs".
        const last = this._last.get(name);
        listing = {
          facility: name,
          jobs: last?.jobs ?? [],
          error,
          stale: last?.stale ?? null,
          listedAt: last?.listedAt ?? null,
          updated
        };
      }
      if (name === this._facility?.name) {
        this._pollAt(
          this._interval(
            !listing.error &&
              !listing.stale &&
              !dependencySettling(listing.jobs)
          )
        );
        this._listed.emit(listing);
      }
    }
    if (failure) {
      throw failure; // the poll backs off
    }
  }

  private _service: HPCService;
  private _events: ISignal<unknown, { schema_id: string }> | null;
  private _poll: Poll;
  private _facility: HPC.IFacility | null = null;
  /** The facility's poll interval, in ms (see `_interval`). */
  private _pace = DEFAULT_INTERVAL;
  private _isDisposed = false;
  private _visible = true;
  private _listed = new Signal<this, JobMonitor.IListing>(this);
  /** The last good (or stale) listing of each facility. */
  private _last = new Map<string, JobMonitor.IListing>();
  /** The last answer of each facility's listing (compared by identity: 304 or not). */
  private _answers = new Map<string, HPC.IJobList>();
  private _transition = new Signal<this, ITransition>(this);
  private _trackerChanged = new Signal<this, void>(this);
}
