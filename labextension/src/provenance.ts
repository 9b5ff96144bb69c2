/**
 * Where jobs came from and submitting them again: the "This notebook" filter, the line
 * "Submitted from <notebook> (cell …)", and a resubmission's form fields and request, made
 * from the server's record of the submission (GET .../jobs/{id}/submission).
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { formatSlurmTime, IJobFields, jobRequest, prefill } from './directives';
import type { HPC } from './tokens';

/**
 * Whether `job` was submitted from the notebook at `notebook` (a path from Lab's root), or
 * from it under a name it had before (`formerly`: renamed in Lab, the server's records name
 * it anew a moment later).
 */
export function fromNotebook(
  job: HPC.IJob,
  notebook: string | null,
  formerly: readonly string[] = []
): boolean {
  const from = job.origin?.notebook;
  return !!notebook && !!from && (from === notebook || formerly.includes(from));
}

/** "Submitted from a/b.ipynb (cell 3f2a…)", or null when the job's origin tells no notebook. */
export function originText(
  origin: HPC.IOrigin | null | undefined,
  trans: TranslationBundle
): string | null {
  if (!origin?.notebook) {
    return null;
  }
  return origin.cell
    ? trans.__('%1 (cell %2)', origin.notebook, origin.cell.slice(0, 8))
    : origin.notebook;
}

/** The form's fields for submitting `submission` again: its recorded options over the script's. */
export function resubmitFields(submission: HPC.ISubmission): IJobFields {
  const recorded = submission.request;
  const fields = prefill(recorded.script);
  const text = (value: string | null | undefined, fallback: string) =>
    value ?? fallback;
  return {
    ...fields,
    name: text(recorded.name, fields.name),
    partition: text(recorded.partition, fields.partition),
    account: text(recorded.account, fields.account),
    workdir: text(recorded.workdir, fields.workdir),
    nodes: recorded.nodes ? String(recorded.nodes) : fields.nodes,
    time: recorded.time_limit
      ? formatSlurmTime(recorded.time_limit)
      : fields.time
  };
}

/**
 * The request that submits `submission` again to `facility` with the dialog's `script` and
 * `fields`: what the form does not show (environment, output paths, array, dependencies) as
 * recorded, its origin the panel and the job it repeats. Sent to another facility than the
 * recorded one, it leaves out the dependencies and the job it repeats: job ids name jobs of
 * one facility only.
 */
export function resubmitRequest(
  submission: HPC.ISubmission,
  script: string,
  fields: IJobFields,
  facility: string = submission.facility
): HPC.IJobRequest {
  const here = facility === submission.facility;
  const recorded = submission.request;
  const kept: Partial<HPC.IJobRequest> = {};
  for (const key of ['stdout', 'stderr', 'array'] as const) {
    if (recorded[key]) {
      kept[key] = recorded[key];
    }
  }
  if (recorded.env && Object.keys(recorded.env).length) {
    kept.env = recorded.env;
  }
  if (here && recorded.depends_on?.length) {
    kept.depends_on = recorded.depends_on;
    kept.dependency = recorded.dependency;
  }
  return {
    ...kept,
    ...jobRequest(script, fields),
    origin: here
      ? { via: 'panel', resubmit_of: submission.job_id }
      : { via: 'panel' }
  };
}
