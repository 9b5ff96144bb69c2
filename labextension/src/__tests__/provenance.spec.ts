import type { TranslationBundle } from '@jupyterlab/translation';

import {
  fromNotebook,
  originText,
  resubmitFields,
  resubmitRequest
} from '../provenance';
import type { HPC } from '../tokens';

const trans = {
  __: (text: string, ...args: unknown[]) =>
    args.reduce<string>(
      (out, arg, i) => out.replace(`%${i + 1}`, String(arg)),
      text
    )
} as unknown as TranslationBundle;

const SCRIPT =
  '#!/bin/bash\n#SBATCH --job-name=from-script\n#SBATCH -t 10\necho hi\n';

function submission(request: Partial<HPC.IJobRequest>): HPC.ISubmission {
  return {
    facility: 'alps',
    system: 'daint',
    job_id: '12',
    request: { script: SCRIPT, ...request },
    submitted_at: 1,
    recorded: true
  };
}

describe('fromNotebook', () => {
  it('keeps the jobs whose origin is the notebook', () => {
    const job = { origin: { notebook: 'a/b.ipynb' } } as HPC.IJob;
    expect(fromNotebook(job, 'a/b.ipynb')).toBe(true);
    expect(fromNotebook(job, 'b.ipynb')).toBe(false);
    expect(fromNotebook(job, null)).toBe(false);
    expect(fromNotebook({ origin: null } as HPC.IJob, 'a/b.ipynb')).toBe(false);
  });

  it('keeps them under the names the notebook had before a rename', () => {
    const job = { origin: { notebook: 'Untitled.ipynb' } } as HPC.IJob;
    expect(fromNotebook(job, 'fit.ipynb', ['Untitled.ipynb'])).toBe(true);
    expect(fromNotebook(job, 'fit.ipynb', ['Untitled1.ipynb'])).toBe(false);
    expect(fromNotebook(job, null, ['Untitled.ipynb'])).toBe(false);
  });
});

describe('originText', () => {
  it('names the notebook and the start of the cell id', () => {
    expect(
      originText({ notebook: 'a/b.ipynb', cell: '0123456789abcdef' }, trans)
    ).toBe('a/b.ipynb (cell 01234567)');
    expect(originText({ notebook: 'a/b.ipynb' }, trans)).toBe('a/b.ipynb');
    expect(originText({ via: 'panel' }, trans)).toBeNull();
    expect(originText(null, trans)).toBeNull();
  });
});

describe('resubmit', () => {
  it('fills the form with the recorded options over the script', () => {
    const fields = resubmitFields(
      submission({ name: 'sim', time_limit: 3600, nodes: 2 })
    );
    expect(fields).toEqual({
      name: 'sim',
      partition: '',
      account: '',
      nodes: '2',
      time: '01:00:00',
      workdir: ''
    });
    expect(resubmitFields(submission({})).name).toBe('from-script');
  });

  it('keeps what the form does not show and says which job it repeats', () => {
    const recorded = submission({
      name: 'sim',
      env: { N: '3' },
      stdout: 'out-%j.txt',
      depends_on: ['9'],
      dependency: 'afterany'
    });
    const fields = resubmitFields(recorded);
    fields.time = '20';

    const request = resubmitRequest(recorded, SCRIPT + 'echo more\n', fields);

    expect(request).toEqual({
      script: SCRIPT + 'echo more\n',
      name: 'sim',
      time_limit: 1200,
      env: { N: '3' },
      stdout: 'out-%j.txt',
      depends_on: ['9'],
      dependency: 'afterany',
      origin: { via: 'panel', resubmit_of: '12' }
    });
  });

  it('leaves the recorded dependencies out when sent to another facility', () => {
    const recorded = submission({
      env: { N: '3' },
      depends_on: ['9'],
      dependency: 'afterany'
    });

    // Job 9 of 'alps' is not job 9 of 'local', and job 12 is not a job there
    const request = resubmitRequest(
      recorded,
      SCRIPT,
      resubmitFields(recorded),
      'local'
    );

    expect(request).toEqual({
      script: SCRIPT,
      env: { N: '3' },
      origin: { via: 'panel' }
    });
    expect(
      resubmitRequest(recorded, SCRIPT, resubmitFields(recorded), 'alps')
    ).toMatchObject({
      depends_on: ['9'],
      origin: { via: 'panel', resubmit_of: '12' }
    });
  });
});
