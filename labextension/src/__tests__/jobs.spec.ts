import {
  clockTime,
  filterJobs,
  formatDuration,
  jobActions,
  jobTimes,
  JobTracker,
  listingStatus,
  pendingReason,
  sortJobs,
  viewJobs
} from '../jobs';
import type { HPC } from '../tokens';

function job(
  id: string,
  state: HPC.JobState,
  extra: Partial<HPC.IJob> = {}
): HPC.IJob {
  return {
    id,
    name: `job-${id}`,
    state,
    raw_state: state,
    facility: 'local',
    system: 'localhost',
    user: 'u',
    account: null,
    partition: null,
    nodes: 1,
    submit_time: Number(id),
    start_time: null,
    end_time: null,
    time_limit: null,
    exit_code: null,
    workdir: null,
    stdout: null,
    stderr: null,
    reason: null,
    array_job_id: null,
    array_task_id: null,
    efficiency: null,
    depends_on: [],
    dependency: null,
    origin: null,
    ...extra
  };
}

describe('JobTracker', () => {
  it('announces each notable state of a tracked job once', () => {
    const tracker = new JobTracker();
    tracker.track(job('1', 'PENDING'));
    expect(tracker.update('local', 'localhost', '1', 'PENDING')).toBeNull();
    expect(tracker.update('local', 'localhost', '1', 'RUNNING')).toMatchObject({
      id: '1',
      name: 'job-1',
      state: 'RUNNING'
    });
    expect(tracker.update('local', 'localhost', '1', 'RUNNING')).toBeNull();
    expect(
      tracker.update('local', 'localhost', '1', 'COMPLETED', undefined, 0)
    ).toMatchObject({
      state: 'COMPLETED',
      exitCode: 0
    });
    // ended: forgotten, so a late listing or event says nothing more
    expect(tracker.size).toBe(0);
    expect(tracker.update('local', 'localhost', '1', 'COMPLETED')).toBeNull();
  });

  it('ignores jobs not started here and states not worth a notification', () => {
    const tracker = new JobTracker();
    expect(tracker.update('local', 'localhost', '9', 'RUNNING')).toBeNull();
    tracker.track(job('2', 'PENDING'));
    expect(tracker.update('local', 'localhost', '2', 'SUSPENDED')).toBeNull();
    expect(tracker.update('local', 'localhost', '2', 'CANCELLED')).toBeNull();
    expect(tracker.size).toBe(0);
  });

  it('takes whole listings and survives a reload', () => {
    const tracker = new JobTracker();
    tracker.track(job('1', 'PENDING'));
    tracker.track(job('2', 'PENDING'));
    const saved = JSON.parse(JSON.stringify(tracker.toJSON()));
    const restored = new JobTracker();
    restored.restore(saved);
    const changes = restored.updateAll([
      job('1', 'FAILED', { exit_code: 3 }),
      job('2', 'PENDING'),
      job('3', 'RUNNING')
    ]);
    expect(changes).toEqual([
      {
        facility: 'local',
        system: 'localhost',
        id: '1',
        name: 'job-1',
        state: 'FAILED',
        exitCode: 3
      }
    ]);
    expect(restored.isTracked('local', 'localhost', '2')).toBe(true);
  });

  it('follows an array by its id to the end of its last task', () => {
    // Given an array tracked by its id, as its submit answered it
    const tracker = new JobTracker();
    tracker.track(
      job('7', 'PENDING', { array_job_id: '7', array_task_id: '0-1' })
    );
    const task = (
      index: string,
      state: HPC.JobState,
      code: number | null = null
    ) =>
      job(`7_${index}`, state, {
        array_job_id: '7',
        array_task_id: index,
        exit_code: code
      });
    // When listings show only its tasks
    expect(
      tracker.updateAll([task('0', 'RUNNING'), task('1', 'PENDING')])
    ).toEqual([expect.objectContaining({ id: '7', state: 'RUNNING' })]);
    expect(
      tracker.updateAll([task('0', 'COMPLETED', 0), task('1', 'RUNNING')])
    ).toEqual([]);
    // Then it ends with its last task, as the first task that did not complete
    expect(
      tracker.updateAll([task('0', 'FAILED', 2), task('1', 'COMPLETED', 0)])
    ).toEqual([
      expect.objectContaining({ id: '7', state: 'FAILED', exitCode: 2 })
    ]);
    expect(tracker.size).toBe(0);
  });

  it('restores nothing from garbage', () => {
    const tracker = new JobTracker();
    tracker.restore(null);
    tracker.restore({ x: { name: 'n', state: 42 as unknown as HPC.JobState } });
    expect(tracker.size).toBe(0);
  });
});

describe('job lists', () => {
  const jobs = [
    job('1', 'COMPLETED'),
    job('2', 'RUNNING', { partition: 'gpu' }),
    job('3', 'PENDING', { reason: 'Priority' })
  ];

  it('filters on id, name, state, partition and reason', () => {
    expect(filterJobs(jobs, 'gpu').map(j => j.id)).toEqual(['2']);
    expect(filterJobs(jobs, 'priority').map(j => j.id)).toEqual(['3']);
    expect(filterJobs(jobs, 'completed').map(j => j.id)).toEqual(['1']);
    expect(filterJobs(jobs, '  ').length).toBe(3);
  });

  it('sorts active jobs first, newest first', () => {
    expect(sortJobs(jobs).map(j => j.id)).toEqual(['3', '2', '1']);
  });

  it('formats durations', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(7260)).toBe('2h 01m');
    expect(formatDuration(100800)).toBe('1d 04h');
    expect(formatDuration(-5)).toBe('0s');
  });
});

describe('viewJobs', () => {
  const jobs = [
    job('1', 'RUNNING'),
    job('2', 'COMPLETED'),
    job('3', 'PENDING')
  ];

  it('shows active jobs, finished jobs (history) or all', () => {
    expect(viewJobs(jobs, 'active').map(j => j.id)).toEqual(['1', '3']);
    expect(viewJobs(jobs, 'history').map(j => j.id)).toEqual(['2']);
    expect(viewJobs(jobs, 'all')).toHaveLength(3);
  });
});

describe('jobTimes', () => {
  it('counts the wait of a pending job up to now', () => {
    const pending = job('1', 'PENDING', { submit_time: 100 });
    expect(jobTimes(pending, 160)).toEqual({
      waited: 60,
      elapsed: null,
      remaining: null
    });
  });

  it('counts a running job up to now and what is left of its limit', () => {
    const running = job('1', 'RUNNING', {
      submit_time: 100,
      start_time: 130,
      time_limit: 600
    });
    expect(jobTimes(running, 230)).toEqual({
      waited: 30,
      elapsed: 100,
      remaining: 500
    });
  });

  it('counts a finished job from start to end, with nothing left', () => {
    const done = job('1', 'COMPLETED', {
      submit_time: 100,
      start_time: 110,
      end_time: 170,
      time_limit: 600
    });
    expect(jobTimes(done, 9999)).toEqual({
      waited: 10,
      elapsed: 60,
      remaining: null
    });
  });

  it('does not guess the run time of a job that ended without an end time', () => {
    const cancelled = job('1', 'CANCELLED', {
      submit_time: 100,
      start_time: 110
    });
    expect(jobTimes(cancelled, 9999).elapsed).toBeNull();
  });

  it('knows nothing of a job cancelled before it started', () => {
    const cancelled = job('1', 'CANCELLED', { submit_time: 100 });
    expect(jobTimes(cancelled, 9999)).toEqual({
      waited: null,
      elapsed: null,
      remaining: null
    });
  });
});

describe('pendingReason', () => {
  it("is a pending job's reason, unless it says none", () => {
    expect(pendingReason(job('1', 'PENDING', { reason: 'Priority' }))).toBe(
      'Priority'
    );
    expect(pendingReason(job('1', 'PENDING', { reason: 'None' }))).toBeNull();
    expect(
      pendingReason(job('1', 'RUNNING', { reason: 'Priority' }))
    ).toBeNull();
  });
});

describe('jobActions', () => {
  const all: HPC.Capability[] = ['jobs.cancel', 'jobs.hold', 'jobs.requeue'];

  it('offers hold for a pending job and release for one its user held', () => {
    expect(
      jobActions(job('1', 'PENDING', { reason: 'Resources' }), all)
    ).toEqual(['hold']);
    expect(
      jobActions(job('1', 'PENDING', { reason: 'JobHeldUser' }), all)
    ).toEqual(['release']);
    expect(
      jobActions(job('1', 'PENDING', { reason: 'JobHeldAdmin' }), all)
    ).toEqual([]);
  });

  it('offers requeue for running and suspended jobs only', () => {
    expect(jobActions(job('1', 'RUNNING'), all)).toEqual(['requeue']);
    expect(jobActions(job('1', 'SUSPENDED'), all)).toEqual(['requeue']);
    expect(jobActions(job('1', 'COMPLETING'), all)).toEqual([]);
    expect(jobActions(job('1', 'COMPLETED'), all)).toEqual([]);
  });

  it('offers nothing the facility does not declare', () => {
    expect(jobActions(job('1', 'PENDING'), ['jobs.cancel'])).toEqual([]);
    expect(jobActions(job('1', 'RUNNING'), ['jobs.hold'])).toEqual([]);
    expect(jobActions(job('1', 'PENDING'), ['jobs.requeue'])).toEqual([]);
  });
});

describe('listingStatus', () => {
  // Translation as JupyterLab does it without a language pack: %n filled in.
  const trans = {
    __: (text: string, ...args: unknown[]) =>
      text.replace(/%(\d)/g, (_, n) => String(args[Number(n) - 1]))
  };
  const clock = (when: Date) => when.toISOString().slice(11, 19);
  const at = (time: string) => new Date(`2026-12-04T${time}Z`);
  const down = {
    message: 'FirecREST (alps) cannot be reached.',
    isFacilityAuth: false
  };

  it('says when a current listing was made', () => {
    const status = listingStatus(
      {
        error: null,
        stale: null,
        listedAt: at('14:03:00'),
        updated: at('14:03:00')
      },
      trans,
      clock
    );
    expect(status).toEqual({ level: 'info', text: 'Updated 14:03:00' });
  });

  it('marks a stale listing with its age, since when it fails, and why', () => {
    const stale = {
      message: 'FirecREST (alps) cannot be reached.',
      reason: 'unavailable',
      listed_at: at('14:02:11').getTime() / 1000,
      failed_at: at('14:02:40').getTime() / 1000
    };
    const status = listingStatus(
      { error: null, stale, listedAt: at('14:02:11'), updated: at('14:05:00') },
      trans,
      clock
    );
    expect(status).toEqual({
      level: 'warning',
      text: 'Showing jobs as of 14:02:11: listing them again has failed since 14:02:40: FirecREST (alps) cannot be reached.'
    });
  });

  it('says why a listing failed, and how old the jobs still shown are', () => {
    const never = listingStatus(
      { error: down, stale: null, listedAt: null, updated: at('14:05:00') },
      trans,
      clock
    );
    expect(never).toEqual({
      level: 'error',
      text: 'Could not list jobs: FirecREST (alps) cannot be reached.'
    });
    const kept = listingStatus(
      {
        error: down,
        stale: null,
        listedAt: at('14:02:11'),
        updated: at('14:05:00')
      },
      trans,
      clock
    );
    expect(kept.text).toBe(
      'Could not list jobs: FirecREST (alps) cannot be reached. Showing the jobs as of 14:02:11.'
    );
    const auth = listingStatus(
      {
        error: { message: 'log in', isFacilityAuth: true },
        stale: null,
        listedAt: null,
        updated: at('14:05:00')
      },
      trans,
      clock
    );
    expect(auth.text).toBe('Not logged in to this facility (see above).');
  });

  it('dates times that are not today', () => {
    const now = new Date(2026, 11, 4, 15, 0, 0);
    expect(clockTime(new Date(2026, 11, 4, 14, 2, 11), now)).toBe(
      new Date(2026, 11, 4, 14, 2, 11).toLocaleTimeString()
    );
    expect(clockTime(new Date(2026, 11, 3, 14, 2, 11), now)).toBe(
      new Date(2026, 11, 3, 14, 2, 11).toLocaleString()
    );
  });
});
