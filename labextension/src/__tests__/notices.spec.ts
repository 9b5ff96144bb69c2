import { NOTICE_INTERVAL, NoticeWatcher } from '../notices';
import type { HPCService } from '../service';
import type { HPC } from '../tokens';

function facility(name: string, capabilities: HPC.Capability[]): HPC.IFacility {
  return { name, capabilities } as unknown as HPC.IFacility;
}

function incident(id: string): HPC.INotice {
  return {
    id,
    kind: 'incident',
    title: `incident ${id}`,
    start: null,
    end: null,
    systems: [],
    status: 'ongoing'
  };
}

/** A service answering `facilities` and `status` from tables, counting status calls. */
function service(notices: Record<string, HPC.INotice[]>) {
  const asked: string[] = [];
  const fake = {
    facilities: async () => [
      facility('alps', ['status', 'jobs.list']),
      facility('plain', ['jobs.list']),
      facility('broken', ['status'])
    ],
    status: async (name: string): Promise<HPC.IFacilityStatus> => {
      asked.push(name);
      if (name === 'broken') {
        throw new Error('down');
      }
      return {
        facility: name,
        system: 's',
        systems: null,
        notices: notices[name] ?? null,
        partitions: null,
        allocations: null,
        sources: []
      };
    }
  };
  return { service: fake as unknown as HPCService, asked };
}

describe('NoticeWatcher', () => {
  it('asks only active facilities with status, at most once per interval', async () => {
    const notices: Record<string, HPC.INotice[]> = { alps: [incident('1')] };
    const { service: api, asked } = service(notices);
    let now = 1_000_000;
    let active = ['alps', 'plain', 'broken'];
    const told: string[] = [];
    const watcher = new NoticeWatcher({
      service: api,
      active: () => active,
      notify: (name, notice) => told.push(`${name}:${notice.id}`),
      now: () => now,
      poll: false
    });
    await watcher.check();
    expect(asked).toEqual(['alps', 'broken']);
    expect(told).toEqual(['alps:1']);

    // Within the interval nothing is asked, even with a new notice waiting.
    notices.alps = [incident('1'), incident('2')];
    now += NOTICE_INTERVAL - 1;
    await watcher.check();
    expect(asked).toEqual(['alps', 'broken']);

    // After it, only the new notice is told.
    now += 1;
    await watcher.check();
    expect(told).toEqual(['alps:1', 'alps:2']);

    // A facility with no active jobs any more is not asked.
    active = [];
    now += NOTICE_INTERVAL;
    const before = asked.length;
    await watcher.check();
    expect(asked.length).toBe(before);
    watcher.dispose();
    expect(watcher.isDisposed).toBe(true);
  });
});
