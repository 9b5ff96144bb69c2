import {
  dependencyLine,
  dependencyReason,
  dependencySettling
} from '../chains';
import type { HPC } from '../tokens';

// Translation as JupyterLab does it without a language pack: %n filled in.
const trans = {
  __: (text: string, ...args: unknown[]) =>
    text.replace(/%(\d)/g, (_, n) => String(args[Number(n) - 1]))
};

function job(extra: Partial<HPC.IJob>): HPC.IJob {
  return {
    id: '14',
    name: 'next',
    state: 'PENDING',
    raw_state: 'PENDING',
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
    exit_code: null,
    workdir: null,
    stdout: null,
    stderr: null,
    reason: null,
    array_job_id: null,
    array_task_id: null,
    depends_on: [],
    dependency: null,
    origin: null,
    ...extra
  } as HPC.IJob;
}

describe('dependencyLine', () => {
  it('names the jobs waited for and how', () => {
    const waiting = job({ depends_on: ['12', '13'], dependency: 'afterok' });
    expect(dependencyLine(waiting, trans)).toBe('Waits for 12, 13 (afterok)');
    const done = job({
      state: 'COMPLETED',
      depends_on: ['12'],
      dependency: 'afterany'
    });
    expect(dependencyLine(done, trans)).toBe('Waited for 12 (afterany)');
  });

  it('says nothing of a job that depends on none', () => {
    expect(dependencyLine(job({}), trans)).toBeNull();
  });
});

describe('dependencyReason', () => {
  it('says which jobs a waiting job waits for', () => {
    const one = job({ reason: 'Dependency', depends_on: ['12'] });
    expect(dependencyReason(one, trans)).toBe('Waiting for job 12');
    const two = job({ reason: 'Dependency', depends_on: ['12', '13'] });
    expect(dependencyReason(two, trans)).toBe('Waiting for jobs 12, 13');
  });

  it('says when the dependency can no longer be met', () => {
    const never = job({
      reason: 'DependencyNeverSatisfied',
      depends_on: ['12']
    });
    expect(dependencyReason(never, trans)).toMatch(
      /^Its dependency can no longer be met/
    );
  });

  it('names the job that spoiled it when it is listed', () => {
    const never = job({
      reason: 'DependencyNeverSatisfied',
      depends_on: ['12', '13'],
      dependency: 'afterok'
    });
    const listed: Record<string, HPC.IJob> = {
      '12': job({ id: '12', state: 'COMPLETED' }),
      '13': job({ id: '13', state: 'FAILED' })
    };
    expect(dependencyReason(never, trans, id => listed[id])).toBe(
      'Its dependency can no longer be met: job 13 ended FAILED'
    );
  });

  it('leaves other reasons and other states alone', () => {
    expect(dependencyReason(job({ reason: 'Resources' }), trans)).toBeNull();
    const running = job({ state: 'RUNNING', reason: 'Dependency' });
    expect(dependencyReason(running, trans)).toBeNull();
  });
});

describe('dependencySettling', () => {
  const first = (state: HPC.JobState) =>
    job({ id: '12', name: 'first', state });
  const waiting = (reason: string) =>
    job({ reason, depends_on: ['12'], dependency: 'afterok' });

  it('is true while a waiting job still says Dependency for a job that has ended', () => {
    expect(
      dependencySettling([first('CANCELLED'), waiting('Dependency')])
    ).toBe(true);
    expect(
      dependencySettling([first('COMPLETED'), waiting('Dependency')])
    ).toBe(true);
  });

  it('is false while the job waited for runs, or once the reason caught up', () => {
    expect(dependencySettling([first('RUNNING'), waiting('Dependency')])).toBe(
      false
    );
    expect(
      dependencySettling([first('FAILED'), waiting('DependencyNeverSatisfied')])
    ).toBe(false);
    expect(dependencySettling([waiting('Dependency')])).toBe(false);
  });

  it('is false while one of two jobs waited for has ended as the dependency asks', () => {
    const second = (state: HPC.JobState) =>
      job({ id: '13', name: 'second', state });
    const both = (dependency: HPC.IJob['dependency']) =>
      job({ reason: 'Dependency', depends_on: ['12', '13'], dependency });

    // The reason rightly stays "Dependency" until the second job ends: nothing to settle
    expect(
      dependencySettling([
        first('COMPLETED'),
        second('RUNNING'),
        both('afterok')
      ])
    ).toBe(false);
    expect(
      dependencySettling([first('FAILED'), second('RUNNING'), both('afterany')])
    ).toBe(false);
    // but one that ended otherwise decides it at once (never met), as both ending does
    expect(
      dependencySettling([first('FAILED'), second('RUNNING'), both('afterok')])
    ).toBe(true);
    expect(
      dependencySettling([
        first('COMPLETED'),
        second('RUNNING'),
        both('afternotok')
      ])
    ).toBe(true);
    expect(
      dependencySettling([
        first('COMPLETED'),
        second('FAILED'),
        both('afterany')
      ])
    ).toBe(true);
  });
});
