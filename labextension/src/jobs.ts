/**
 * Job states, filters and the tracker behind notifications: which jobs were started from
 * this Lab, and which of their state changes a user hears about; and the line that says how
 * current a job listing is.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { HPC } from './tokens';

/** States after which a job never changes again. */
export const FINAL_STATES: ReadonlySet<HPC.JobState> = new Set<HPC.JobState>([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL'
]);

/** States a notification is shown for, and how it looks. */
export const NOTIFIED: Readonly<
  Partial<Record<HPC.JobState, 'info' | 'success' | 'error' | 'warning'>>
> = {
  RUNNING: 'info',
  COMPLETED: 'success',
  FAILED: 'error',
  TIMEOUT: 'warning',
  OUT_OF_MEMORY: 'error',
  NODE_FAIL: 'error'
};

export function isFinal(state: HPC.JobState): boolean {
  return FINAL_STATES.has(state);
}

/** A change of a job's place in the queue (POST .../jobs/{id}/{action}). */
export type JobAction = 'hold' | 'release' | 'requeue';

/**
 * The queue actions a job offers now: hold a pending job, release one its user held,
 * requeue a running or suspended one; each only where the facility declares it.
 */
export function jobActions(
  job: HPC.IJob,
  capabilities: readonly HPC.Capability[]
): JobAction[] {
  const actions: JobAction[] = [];
  if (capabilities.includes('jobs.hold') && job.state === 'PENDING') {
    // An administrator's hold (JobHeldAdmin) is not the user's to release.
    if (job.reason === 'JobHeldUser') {
      actions.push('release');
    } else if (job.reason !== 'JobHeldAdmin') {
      actions.push('hold');
    }
  }
  if (
    capabilities.includes('jobs.requeue') &&
    (job.state === 'RUNNING' || job.state === 'SUSPENDED')
  ) {
    actions.push('requeue');
  }
  return actions;
}

/** A job's key across facilities and systems. */
export function jobKey(facility: string, system: string, id: string): string {
  return `${facility}\u0000${system}\u0000${id}`;
}

/** Jobs whose id, name, state, partition or reason contains `text` (case-insensitive). */
export function filterJobs(
  jobs: readonly HPC.IJob[],
  text: string
): HPC.IJob[] {
  const needle = text.trim().toLowerCase();
  if (!needle) {
    return [...jobs];
  }
  return jobs.filter(job =>
    [job.id, job.name, job.state, job.partition ?? '', job.reason ?? '']
      .join('\n')
      .toLowerCase()
      .includes(needle)
  );
}

/** Active jobs first, then by submit time, newest first. */
export function sortJobs(jobs: readonly HPC.IJob[]): HPC.IJob[] {
  return [...jobs].sort((a, b) => {
    const finalA = isFinal(a.state) ? 1 : 0;
    const finalB = isFinal(b.state) ? 1 : 0;
    if (finalA !== finalB) {
      return finalA - finalB;
    }
    return (b.submit_time ?? 0) - (a.submit_time ?? 0);
  });
}

/** A duration for people: `42s`, `3m 05s`, `2h 01m`, `1d 04h`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (value: number) => String(value).padStart(2, '0');
  if (s < 60) {
    return `${s}s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  }
  if (s < 86400) {
    return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m`;
  }
  return `${Math.floor(s / 86400)}d ${two(Math.floor((s % 86400) / 3600))}h`;
}

/** A change worth telling the user about. */
export interface ITransition {
  facility: string;
  system: string;
  id: string;
  name: string;
  state: HPC.JobState;
  exitCode: number | null;
}

/** What the tracker keeps between reloads. */
export interface ITrackerState {
  [key: string]: { name: string; state: HPC.JobState };
}

/**
 * The jobs submitted from this Lab and the last state the user was told of. Server
 * events and job listings both feed it; a state is announced once, whichever came first.
 */
export class JobTracker {
  private jobs = new Map<string, { name: string; state: HPC.JobState }>();

  /** Start following a job just submitted. */
  track(job: HPC.IJob): void {
    this.jobs.set(jobKey(job.facility, job.system, job.id), {
      name: job.name,
      state: job.state
    });
  }

  isTracked(facility: string, system: string, id: string): boolean {
    return this.jobs.has(jobKey(facility, system, id));
  }

  /** The number of jobs followed. */
  get size(): number {
    return this.jobs.size;
  }

  /**
   * Record a job's state; return the transition to announce, if any. A job that has
   * ended is forgotten once announced.
   */
  update(
    facility: string,
    system: string,
    id: string,
    state: HPC.JobState,
    name?: string,
    exitCode: number | null = null
  ): ITransition | null {
    const key = jobKey(facility, system, id);
    const known = this.jobs.get(key);
    if (!known || known.state === state) {
      return null;
    }
    const jobName = name || known.name;
    if (isFinal(state)) {
      this.jobs.delete(key);
    } else {
      this.jobs.set(key, { name: jobName, state });
    }
    if (!(state in NOTIFIED)) {
      return null;
    }
    return { facility, system, id, name: jobName, state, exitCode };
  }

  /**
   * Feed a whole listing of one facility and system; return the transitions. An array is
   * followed by its id (what its submit answered) as the sum of its records (`arrayJobs`).
   */
  updateAll(jobs: readonly HPC.IJob[]): ITransition[] {
    const transitions: ITransition[] = [];
    const arrays = arrayJobs(jobs);
    const ids = new Set(arrays.map(array => array.id));
    for (const job of [...jobs.filter(job => !ids.has(job.id)), ...arrays]) {
      const change = this.update(
        job.facility,
        job.system,
        job.id,
        job.state,
        job.name,
        job.exit_code
      );
      if (change) {
        transitions.push(change);
      }
    }
    return transitions;
  }

  toJSON(): ITrackerState {
    return Object.fromEntries(this.jobs);
  }

  restore(state: ITrackerState | null | undefined): void {
    this.jobs.clear();
    for (const [key, value] of Object.entries(state ?? {})) {
      if (value && typeof value.state === 'string') {
        this.jobs.set(key, {
          name: String(value.name ?? ''),
          state: value.state
        });
      }
    }
  }
}

/** Which jobs the panel lists: active ones, finished ones (history) or all. */
export type JobView = 'all' | 'active' | 'history';

export const JOB_VIEWS: readonly JobView[] = ['all', 'active', 'history'];

/** The jobs of a view. */
export function viewJobs(jobs: readonly HPC.IJob[], view: JobView): HPC.IJob[] {
  switch (view) {
    case 'active':
      return jobs.filter(job => !isFinal(job.state));
    case 'history':
      return jobs.filter(job => isFinal(job.state));
    default:
      return [...jobs];
  }
}

/** How long a job waited, ran and may still run, in seconds (null when unknown). */
export interface IJobTimes {
  /** From submit to start (to now while pending). */
  waited: number | null;
  /** From start to end (to now while running). */
  elapsed: number | null;
  /** What is left of the time limit while the job runs. */
  remaining: number | null;
}

/** The durations of `job` at `now` (Unix seconds). */
export function jobTimes(job: HPC.IJob, now: number): IJobTimes {
  const final = isFinal(job.state);
  const start =
    job.start_time !== null && job.start_time > 0 ? job.start_time : null;
  let waited: number | null = null;
  if (job.submit_time !== null) {
    if (start !== null) {
      waited = Math.max(0, start - job.submit_time);
    } else if (!final) {
      waited = Math.max(0, now - job.submit_time);
    }
  }
  // A job that ended without an end time (cancelled, say) ran for an unknown time.
  const end = job.end_time ?? (final ? null : now);
  const elapsed =
    start !== null && end !== null ? Math.max(0, end - start) : null;
  const remaining =
    elapsed !== null &&
    !final &&
    job.end_time === null &&
    job.time_limit !== null
      ? Math.max(0, job.time_limit - elapsed)
      : null;
  return { waited, elapsed, remaining };
}

/** Why a pending job waits, as the facility says it (`Priority`, `Resources`, ...). */
export function pendingReason(job: HPC.IJob): string | null {
  if (job.state !== 'PENDING' || !job.reason) {
    return null;
  }
  const reason = job.reason.trim();
  return reason && reason.toLowerCase() !== 'none' ? reason : null;
}

/** A job listing as the jobs section sees it (JobMonitor.IListing, without the jobs). */
export interface IListingState {
  error: { message: string; isFacilityAuth: boolean } | null;
  stale: HPC.IStaleness | null;
  listedAt: Date | null;
  updated: Date;
}

/** The line above the jobs: how current they are, or why they could not be listed. */
export interface IListingStatus {
  level: 'info' | 'warning' | 'error';
  text: string;
}

/** A time of day, with its date when it is not today. */
export function clockTime(when: Date, now: Date = new Date()): string {
  return when.toDateString() === now.toDateString()
    ? when.toLocaleTimeString()
    : when.toLocaleString();
}

/**
 * What to say about a listing. A stale one (the server's last good listing, the facility
 * failing since) says so with both times; a failed one says why and, when jobs listed
 * before are still shown, how old they are. Never "updated" unless the listing is current.
 */
export function listingStatus(
  listing: IListingState,
  trans: Pick<TranslationBundle, '__'>,
  clock: (when: Date) => string = clockTime
): IListingStatus {
  const { error, stale, listedAt } = listing;
  if (error) {
    const why = error.isFacilityAuth
      ? trans.__('Not logged in to this facility (see above).')
      : trans.__('Could not list jobs: %1', error.message);
    return {
      level: 'error',
      text: listedAt
        ? trans.__('%1 Showing the jobs as of %2.', why, clock(listedAt))
        : why
    };
  }
  if (stale) {
    return {
      level: 'warning',
      text: trans.__(
        'Showing jobs as of %1: listing them again has failed since %2: %3',
        clock(new Date(stale.listed_at * 1000)),
        clock(new Date(stale.failed_at * 1000)),
        stale.message
      )
    };
  }
  return {
    level: 'info',
    text: trans.__('Updated %1', clock(listing.updated))
  };
}

/**
 * Each job array in a listing as one job with the array's id `A`: running while any of its
 * records runs, pending while any waits, else ended as its tasks did (completed only if all
 * did, else the first other way one ended, in task order), as the server's `array_jobs`.
 */
export function arrayJobs(jobs: readonly HPC.IJob[]): HPC.IJob[] {
  const arrays = new Map<string, HPC.IJob[]>();
  for (const job of jobs) {
    if (job.array_job_id) {
      const records = arrays.get(job.array_job_id) ?? [];
      records.push(job);
      arrays.set(job.array_job_id, records);
    }
  }
  const order = (job: HPC.IJob): number => {
    const task = Number(job.array_task_id ?? '');
    return Number.isInteger(task) && job.array_task_id !== '' ? task : -1;
  };
  return [...arrays.entries()].map(([id, unordered]) => {
    const records = [...unordered].sort((a, b) => order(a) - order(b));
    const states = records.map(job => job.state);
    let state: HPC.JobState;
    if (states.includes('RUNNING')) {
      state = 'RUNNING';
    } else if (states.some(s => !isFinal(s))) {
      state = states.includes('PENDING')
        ? 'PENDING'
        : (states.find(s => !isFinal(s)) as HPC.JobState);
    } else {
      state = states.find(s => s !== 'COMPLETED') ?? 'COMPLETED';
    }
    const code = records.find(job => job.exit_code)?.exit_code ?? 0;
    return {
      ...records[0],
      id,
      state,
      raw_state: state,
      exit_code: isFinal(state) ? code : null,
      array_job_id: id,
      array_task_id: null
    };
  });
}
