/**
 * What a job waits for, in words for the job details: "Waits for 12, 13 (afterok)", and a
 * pending job's dependency reason ("Waiting for job 12", "Its dependency can no longer be
 * met").
 */

import type { TranslationBundle } from '@jupyterlab/translation';

import type { HPC } from './tokens';

/** The pending reason of a job whose dependency may still be met (Slurm's, and local's). */
export const WAITING = 'Dependency';
/** The pending reason of a job whose dependency can no longer be met. */
export const NEVER = 'DependencyNeverSatisfied';

/** "Waits for 12, 13 (afterok)", or null when the facility tells of no dependency. */
export function dependencyLine(
  job: HPC.IJob,
  trans: Pick<TranslationBundle, '__'>
): string | null {
  if (job.depends_on.length === 0) {
    return null;
  }
  const ids = job.depends_on.join(', ');
  const kind = job.dependency ? ` (${job.dependency})` : '';
  return job.state === 'PENDING'
    ? trans.__('Waits for %1%2', ids, kind)
    : trans.__('Waited for %1%2', ids, kind);
}

/** A pending job's dependency reason in words; null for any other reason. */
export function dependencyReason(
  job: HPC.IJob,
  trans: Pick<TranslationBundle, '__'>
): string | null {
  if (job.state !== 'PENDING') {
    return null;
  }
  const ids = job.depends_on.join(', ');
  if (job.reason === WAITING) {
    if (job.depends_on.length === 0) {
      return trans.__('Waiting for other jobs');
    }
    return job.depends_on.length === 1
      ? trans.__('Waiting for job %1', ids)
      : trans.__('Waiting for jobs %1', ids);
  }
  if (job.reason === NEVER) {
    return trans.__(
      'Its dependency can no longer be met (a job it waits for ended otherwise): it will never start; cancel it'
    );
  }
  return null;
}
