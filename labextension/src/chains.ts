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

/**
 * A pending job's dependency reason in words; null for any other reason. `known` gives the
 * jobs listed with it, to name the one that ended otherwise than the dependency asks.
 */
export function dependencyReason(
  job: HPC.IJob,
  trans: Pick<TranslationBundle, '__'>,
  known: (id: string) => HPC.IJob | undefined = () => undefined
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
    const ended = job.depends_on
      .map(known)
      .find(other => other !== undefined && spoils(job, other));
    if (ended) {
      return trans.__(
        'Its dependency can no longer be met: job %1 ended %2',
        ended.id,
        ended.state
      );
    }
    return trans.__(
      'Its dependency can no longer be met (a job it waits for ended otherwise): it will never start; cancel it'
    );
  }
  return null;
}

/** Whether `other` having ended as it did means `job`'s dependency can never be met. */
function spoils(job: HPC.IJob, other: HPC.IJob): boolean {
  if (!FINAL.has(other.state)) {
    return false;
  }
  const completed = other.state === 'COMPLETED';
  return job.dependency === 'afternotok' ? completed : !completed;
}

const FINAL = new Set<HPC.JobState>([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL'
]);

/**
 * Whether a listed job still says it waits (`Dependency`) though the jobs listed with it
 * decide its dependency: all it waits for have ended, or one ended so that it can never be
 * met. The facility is about to start it, or say `DependencyNeverSatisfied`; that change of
 * reason comes with no state event, so the listing is asked again at the facility's pace
 * until the reason has caught up, rather than at the slow fallback. (One of two jobs
 * completed while the other runs decides nothing: the reason rightly stays.)
 */
export function dependencySettling(jobs: readonly HPC.IJob[]): boolean {
  const ended = new Map(
    jobs.filter(other => FINAL.has(other.state)).map(other => [other.id, other])
  );
  return jobs.some(job => {
    if (job.state !== 'PENDING' || job.reason !== WAITING) {
      return false;
    }
    const done = job.depends_on.flatMap(id => ended.get(id) ?? []);
    if (done.length === 0) {
      return false;
    }
    return (
      done.length === job.depends_on.length ||
      (job.dependency !== 'afterany' && done.some(other => spoils(job, other)))
    );
  });
}
