/**
 * How a finished job went (`Job.efficiency`), in compact figures: CPU efficiency, memory
 * peak against what was requested, run time against the limit; out of memory and out of
 * time marked.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { formatDuration } from './jobs';
import { formatSize } from './paths';
import type { HPC } from './tokens';

type Trans = Pick<TranslationBundle, '__'>;

/** One figure of a job's efficiency. */
export interface IFigure {
  key: 'cpu' | 'memory' | 'time';
  label: string;
  value: string;
  /** The figure that explains why the job ended (memory for OOM, time for a timeout). */
  marked: boolean;
}

/** A share as a percentage: `42%`, `<1%`. */
export function percent(share: number): string {
  const value = share * 100;
  return value > 0 && value < 1 ? '<1%' : `${Math.round(value)}%`;
}

/** The outcomes a job's details mark, and their word. */
export function outcomeMark(
  efficiency: HPC.IEfficiency,
  trans: Trans
): string | null {
  switch (efficiency.outcome) {
    case 'out_of_memory':
      return trans.__('Out of memory');
    case 'timeout':
      return trans.__('Out of time');
    default:
      return null;
  }
}

/** The figures the accounting gave (a null one is left out, never shown as zero). */
export function efficiencyFigures(
  efficiency: HPC.IEfficiency,
  trans: Trans
): IFigure[] {
  const figures: IFigure[] = [];
  const e = efficiency;
  if (e.cpu_efficiency !== null) {
    figures.push({
      key: 'cpu',
      label: trans.__('CPU efficiency'),
      value:
        e.cpus !== null
          ? trans.__('%1 of %2 CPUs', percent(e.cpu_efficiency), e.cpus)
          : percent(e.cpu_efficiency),
      marked: false
    });
  }
  if (e.memory_used !== null) {
    const used = formatSize(e.memory_used);
    figures.push({
      key: 'memory',
      label: trans.__('Memory peak'),
      value:
        e.memory_requested !== null
          ? trans.__(
              '%1 of %2 requested (%3)',
              used,
              formatSize(e.memory_requested),
              percent(
                e.memory_efficiency ??
                  e.memory_used / Math.max(1, e.memory_requested)
              )
            )
          : used,
      marked: e.outcome === 'out_of_memory'
    });
  }
  if (e.elapsed !== null) {
    const elapsed = formatDuration(e.elapsed);
    figures.push({
      key: 'time',
      label: trans.__('Run time'),
      value:
        e.time_limit !== null
          ? trans.__(
              '%1 of %2 limit (%3)',
              elapsed,
              formatDuration(e.time_limit),
              percent(e.time_used ?? e.elapsed / Math.max(1, e.time_limit))
            )
          : elapsed,
      marked: e.outcome === 'timeout'
    });
  }
  return figures;
}
