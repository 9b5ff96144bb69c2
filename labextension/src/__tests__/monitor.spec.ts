import { Signal } from '@lumino/signaling';

import type { ITransition } from '../jobs';
import { EVENTS_FALLBACK_INTERVAL, JobMonitor } from '../monitor';
import { HPCRequestError, type HPCService } from '../service';
import { HPC } from '../tokens';

function job(id: string, state: HPC.JobState): HPC.IJob {
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
    submit_time: 1,
    start_time: null,
    end_time: null,
    time_limit: null,
    exit_code: state === 'COMPLETED' ? 0 : null,
    workdir: null,
    stdout: null,
    stderr: null,
    reason: null,
    array_job_id: null,
    array_task_id: null,
    efficiency: null,
    depends_on: [],
    dependency: null,
    origin: null
  };
}

const FACILITY: HPC.IFacility = {
  name: 'local',
  kind: 'local',
  default_system: 'localhost',
  systems: [],
  capabilities: ['jobs.list', 'jobs.submit'],
  auth: { status: 'none', message: null },
  poll_interval: 1,
  python: null
};

/**
 * A service whose job listing answers from `listing` (or fails with `failure`), marked
 * with `stale` when set, as the server answers GET .../jobs.
 */
class FakeService {
  listing: HPC.IJob[] = [];
  stale: HPC.IStaleness | null = null;
  failure: HPCRequestError | null = null;
  /** Set: answered as HPCService answers a 304, with the very object answered before. */
  unchanged: HPC.IJobList | null = null;
  calls = 0;
  async listJobs(facility: string): Promise<HPC.IJobList> {
    this.calls++;
    if (this.failure) {
      throw this.failure;
    }
    if (this.unchanged) {
      return this.unchanged;
    }
    const jobs = this.listing.filter(j => j.facility === facility);
    return this.stale ? { jobs, stale: this.stale } : { jobs };
  }
}

class EventSource {
  constructor() {
    this.stream = new Signal<this, { schema_id: string }>(this);
  }
  readonly stream: Signal<this, { schema_id: string }>;
}

function setup() {
  const service = new FakeService();
  const events = new EventSource();
  const monitor = new JobMonitor({
    service: service as unknown as HPCService,
    events: events.stream
  });
  const listings: JobMonitor.IListing[] = [];
  const transitions: ITransition[] = [];
  monitor.listed.connect((_, listing) => listings.push(listing));
  monitor.transition.connect((_, change) => transitions.push(change));
  return { service, events, monitor, listings, transitions };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) {
    await new Promise(resolve => setTimeout(resolve, 10));
  }
  expect(check()).toBe(true);
}

describe('JobMonitor', () => {
  it('lists the chosen facility and reports failures', async () => {
    const { service, monitor, listings } = setup();
    service.listing = [job('1', 'RUNNING')];
    monitor.facility = FACILITY;
    await until(() => listings.length > 0);
    expect(listings[0].facility).toBe('local');
    expect(listings[0].jobs.map(j => j.id)).toEqual(['1']);

    service.failure = new HPCRequestError(401, 'facility_auth', 'log in');
    await monitor.refresh();
    await until(() => listings.some(l => l.error !== null));
    expect(listings[listings.length - 1].error?.isFacilityAuth).toBe(true);
    monitor.dispose();
  });

  it('announces state events of jobs submitted here, once', async () => {
    const { events, monitor, transitions } = setup();
    monitor.track(job('7', 'PENDING'));
    const emit = (state: HPC.JobState) =>
      events.stream.emit({
        schema_id: HPC.JOB_STATE_EVENT,
        facility: 'local',
        system: 'localhost',
        job_id: '7',
        state
      } as { schema_id: string });
    emit('RUNNING');
    emit('RUNNING');
    events.stream.emit({ schema_id: 'https://example.org/other' });
    emit('COMPLETED');
    expect(transitions.map(t => t.state)).toEqual(['RUNNING', 'COMPLETED']);
    monitor.dispose();
  });

  it('finds a change in a listing when no event came', async () => {
    const { service, monitor, transitions } = setup();
    service.listing = [job('3', 'PENDING')];
    monitor.track(job('3', 'PENDING'));
    service.listing = [job('3', 'COMPLETED')];
    await monitor.refresh();
    await until(() => transitions.length > 0);
    expect(transitions[0]).toMatchObject({
      id: '3',
      state: 'COMPLETED',
      exitCode: 0
    });
    monitor.dispose();
  });
});

describe('JobMonitor in an outage', () => {
  it('never passes a failure off as no jobs', async () => {
    const { service, monitor, listings } = setup();
    const down = new HPCRequestError(502, 'unavailable', 'cannot be reached');

    // Nothing listed yet: the error, with no jobs and no time
    service.failure = down;
    monitor.facility = FACILITY;
    await until(() => listings.length > 0);
    expect(listings[0]).toMatchObject({
      jobs: [],
      error: down,
      listedAt: null
    });

    // Listed once, then failing: the jobs listed before, with their time
    service.failure = null;
    service.listing = [job('1', 'RUNNING')];
    await monitor.refresh();
    await until(() => listings[listings.length - 1].error === null);
    const good = listings[listings.length - 1];
    expect(good.stale).toBeNull();
    expect(good.listedAt).toBe(good.updated);
    service.failure = down;
    await monitor.refresh();
    await until(() => listings[listings.length - 1].error !== null);
    const kept = listings[listings.length - 1];
    expect(kept.jobs.map(j => j.id)).toEqual(['1']);
    expect(kept.listedAt).toBe(good.listedAt);
    monitor.dispose();
  });

  it('passes a stale listing on as stale, and announces nothing from it', async () => {
    const { service, monitor, listings, transitions } = setup();
    monitor.track(job('5', 'RUNNING'));
    service.listing = [job('5', 'PENDING')];
    service.stale = {
      message: 'cannot be reached',
      reason: 'unavailable',
      listed_at: 1000,
      failed_at: 1030
    };
    monitor.facility = FACILITY;
    await until(() => listings.length > 0);
    const stale = listings[listings.length - 1];
    expect(stale.error).toBeNull();
    expect(stale.stale).toEqual(service.stale);
    expect(stale.listedAt).toEqual(new Date(1000 * 1000));
    expect(stale.jobs.map(j => j.id)).toEqual(['5']);
    expect(transitions).toEqual([]);

    // Fresh again: no mark; the state the old listing had is not taken for a change
    // (RUNNING is not announced a second time), and the next real change is
    service.stale = null;
    service.listing = [job('5', 'RUNNING')];
    await monitor.refresh();
    await until(() => listings[listings.length - 1].stale === null);
    service.listing = [job('5', 'COMPLETED')];
    await monitor.refresh();
    await until(() => transitions.length > 0);
    expect(transitions.map(t => t.state)).toEqual(['COMPLETED']);
    monitor.dispose();
  });
});

describe('JobMonitor.activeFacilities', () => {
  it('names the facilities with waiting or running jobs', async () => {
    const { service, monitor, listings } = setup();
    service.listing = [job('1', 'COMPLETED')];
    monitor.facility = FACILITY;
    await until(() => listings.length > 0);
    expect([...monitor.activeFacilities()]).toEqual([]);
    service.listing = [job('1', 'COMPLETED'), job('2', 'PENDING')];
    await monitor.refresh();
    await until(() => listings.length > 1);
    expect([...monitor.activeFacilities()]).toEqual(['local']);
    // A job submitted here to another facility counts too.
    monitor.tracker.track({ ...job('3', 'RUNNING'), facility: 'alps' });
    expect([...monitor.activeFacilities()].sort()).toEqual(['alps', 'local']);
    monitor.dispose();
  });
});

describe('JobMonitor while hidden', () => {
  it('lists only facilities with jobs submitted here', async () => {
    const { service, monitor, listings } = setup();
    monitor.visible = false;
    monitor.facility = FACILITY;
    await monitor.refresh();
    expect(service.calls).toBe(0);
    monitor.visible = true;
    await until(() => listings.length > 0);
    expect(service.calls).toBeGreaterThan(0);
    monitor.dispose();
  });
});

describe('JobMonitor polling', () => {
  it('polls slowly while events tell of changes, at the facility pace without', () => {
    const { monitor } = setup();
    const alone = new JobMonitor({
      service: new FakeService() as unknown as HPCService
    });
    monitor.facility = { ...FACILITY, poll_interval: 5 };
    alone.facility = { ...FACILITY, poll_interval: 5 };
    expect(monitor.pollInterval).toBe(EVENTS_FALLBACK_INTERVAL);
    expect(alone.pollInterval).toBe(5000);
    monitor.dispose();
    alone.dispose();
  });

  it('polls at the facility pace while the listing is stale, as no event tells', async () => {
    const { service, monitor, listings } = setup();
    service.stale = {
      message: 'cannot be reached',
      reason: 'unavailable',
      listed_at: 1000,
      failed_at: 1030
    };
    monitor.facility = { ...FACILITY, poll_interval: 5 };
    await until(() => listings.length > 0);
    expect(monitor.pollInterval).toBe(5000);

    service.stale = null;
    await monitor.refresh();
    await until(() => listings[listings.length - 1].stale === null);
    expect(monitor.pollInterval).toBe(EVENTS_FALLBACK_INTERVAL);
    monitor.dispose();
  });

  it('polls at the facility pace while a dependency reason catches up', async () => {
    const { service, monitor, listings } = setup();
    const waiting = {
      ...job('2', 'PENDING'),
      reason: 'Dependency',
      depends_on: ['1'],
      dependency: 'afterok' as const
    };
    service.listing = [job('1', 'RUNNING'), waiting];
    monitor.facility = { ...FACILITY, poll_interval: 5 };
    await until(() => listings.length > 0);
    expect(monitor.pollInterval).toBe(EVENTS_FALLBACK_INTERVAL);

    // The job it waits for ended; its reason has not caught up yet: no event will tell
    service.listing = [job('1', 'CANCELLED'), waiting];
    await monitor.refresh();
    await until(() => listings.length > 1);
    expect(monitor.pollInterval).toBe(5000);

    // Decided: back to the slow fallback
    service.listing = [
      job('1', 'CANCELLED'),
      { ...waiting, reason: 'DependencyNeverSatisfied' }
    ];
    await monitor.refresh();
    await until(() => listings.length > 2);
    expect(monitor.pollInterval).toBe(EVENTS_FALLBACK_INTERVAL);
    monitor.dispose();
  });

  it('passes an unchanged listing on as the same jobs, announcing nothing', async () => {
    const { service, monitor, listings, transitions } = setup();
    monitor.track(job('4', 'PENDING'));
    const answer = { jobs: [job('4', 'RUNNING')] };
    service.unchanged = answer;
    monitor.facility = FACILITY;
    await until(() => listings.length > 0);
    await monitor.refresh();
    await until(() => listings.length > 1);

    // The first answer announces the change; the same answer again (a 304) does not
    expect(transitions.map(t => t.state)).toEqual(['RUNNING']);
    expect(listings[1].jobs).toBe(listings[0].jobs);
    expect(listings[1].jobs).toBe(answer.jobs);
    monitor.dispose();
  });
});
