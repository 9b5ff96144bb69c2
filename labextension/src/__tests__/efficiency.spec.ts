import { efficiencyFigures, outcomeMark, percent } from '../efficiency';
import type { HPC } from '../tokens';

const trans = {
  __: (text: string, ...args: unknown[]) =>
    text.replace(/%(\d)/g, (_, n) => String(args[Number(n) - 1]))
};
const GiB = 1024 ** 3;

function efficiency(extra: Partial<HPC.IEfficiency> = {}): HPC.IEfficiency {
  return {
    outcome: 'completed',
    summary: 'Completed.',
    source: 'sacct',
    elapsed: null,
    time_limit: null,
    time_used: null,
    cpus: null,
    cpu_time: null,
    cpu_efficiency: null,
    memory_used: null,
    memory_requested: null,
    memory_efficiency: null,
    exit_code: 0,
    signal: null,
    ...extra
  };
}

describe('percent', () => {
  it('rounds, and never calls a little nothing', () => {
    expect(percent(0.424)).toBe('42%');
    expect(percent(0.001)).toBe('<1%');
    expect(percent(0)).toBe('0%');
    expect(percent(1.5)).toBe('150%');
  });
});

describe('efficiencyFigures', () => {
  it('gives the figures the accounting told', () => {
    const figures = efficiencyFigures(
      efficiency({
        cpus: 4,
        cpu_efficiency: 0.25,
        memory_used: 1 * GiB,
        memory_requested: 4 * GiB,
        memory_efficiency: 0.25,
        elapsed: 600,
        time_limit: 3600,
        time_used: 600 / 3600
      }),
      trans
    );
    expect(figures.map(f => [f.key, f.value, f.marked])).toEqual([
      ['cpu', '25% of 4 CPUs', false],
      ['memory', '1.0 GiB of 4.0 GiB requested (25%)', false],
      ['time', '10m 00s of 1h 00m limit (17%)', false]
    ]);
  });

  it('leaves out a figure not told, never shows it as zero', () => {
    expect(efficiencyFigures(efficiency(), trans)).toEqual([]);
    const figures = efficiencyFigures(
      efficiency({ memory_used: 2 * GiB, elapsed: 42 }),
      trans
    );
    expect(figures.map(f => f.value)).toEqual(['2.0 GiB', '42s']);
  });

  it('marks memory for an OOM and time for a timeout', () => {
    const oom = efficiency({
      outcome: 'out_of_memory',
      memory_used: 4 * GiB,
      memory_requested: 4 * GiB,
      elapsed: 60
    });
    expect(outcomeMark(oom, trans)).toBe('Out of memory');
    expect(
      efficiencyFigures(oom, trans)
        .filter(f => f.marked)
        .map(f => f.key)
    ).toEqual(['memory']);
    const late = efficiency({
      outcome: 'timeout',
      elapsed: 3600,
      time_limit: 3600
    });
    expect(outcomeMark(late, trans)).toBe('Out of time');
    expect(
      efficiencyFigures(late, trans)
        .filter(f => f.marked)
        .map(f => f.key)
    ).toEqual(['time']);
    expect(outcomeMark(efficiency(), trans)).toBeNull();
  });
});
