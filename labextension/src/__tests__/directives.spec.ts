import {
  formatSlurmTime,
  isBatchScript,
  jobRequest,
  parsePbs,
  parseSbatch,
  parseSlurmTime,
  prefill,
  shellWords
} from '../directives';

const SCRIPT = `#!/bin/bash
#SBATCH --job-name=relax
#SBATCH -p debug -N 2   # two nodes
#SBATCH --time 1-02:00:00
#SBATCH --account="proj 42"
#SBATCH --exclusive
echo start
#SBATCH --partition=ignored
`;

describe('shellWords', () => {
  it('splits on blanks and honours quotes and backslashes', () => {
    expect(shellWords(` -J "a b" 'c d' e\\ f `)).toEqual([
      '-J',
      'a b',
      'c d',
      'e f'
    ]);
  });

  it('rejects an unclosed quote', () => {
    expect(() => shellWords('-J "open')).toThrow('unclosed');
  });
});

describe('parseSbatch', () => {
  it('reads long and short options up to the first command', () => {
    expect(parseSbatch(SCRIPT)).toEqual({
      name: 'relax',
      partition: 'debug',
      nodes: '2',
      time: '1-02:00:00',
      account: 'proj 42'
    });
  });

  it('lets a later directive win and reads -t=, -D and --chdir', () => {
    const script = '#SBATCH -t 10\n#SBATCH -t=20\n#SBATCH -D /scratch\n';
    expect(parseSbatch(script)).toEqual({ time: '20', workdir: '/scratch' });
    expect(parseSbatch('#SBATCH --chdir=/work\n')).toEqual({
      workdir: '/work'
    });
  });

  it('skips a line it cannot read instead of failing', () => {
    expect(parseSbatch('#SBATCH -J "broken\n#SBATCH -p gpu\n')).toEqual({
      partition: 'gpu'
    });
  });

  it('ignores directives that are not at the start of a line block', () => {
    expect(parseSbatch('#!/bin/sh\nsrun x\n#SBATCH -J late\n')).toEqual({});
  });
});

describe('parsePbs and prefill', () => {
  const pbs =
    '#!/bin/bash\n#PBS -N sim\n#PBS -q prod\n#PBS -A astro\n#PBS -l select=4:ncpus=64,walltime=02:00:00\n';

  it('reads name, queue, account, nodes and walltime', () => {
    expect(parsePbs(pbs)).toEqual({
      name: 'sim',
      partition: 'prod',
      account: 'astro',
      nodes: '4',
      time: '02:00:00'
    });
  });

  it('fills every field, #SBATCH before #PBS', () => {
    expect(prefill(pbs + '#SBATCH -J slurmname\n')).toEqual({
      name: 'slurmname',
      partition: 'prod',
      account: 'astro',
      nodes: '4',
      time: '02:00:00',
      workdir: ''
    });
  });
});

describe('Slurm times', () => {
  it.each([
    ['30', 1800],
    ['5:30', 330],
    ['1:00:00', 3600],
    ['2-0', 172800],
    ['1-02:03', 93780],
    ['1-02:03:04', 93784]
  ])('reads %s as %d seconds', (text, seconds) => {
    expect(parseSlurmTime(text)).toBe(seconds);
  });

  it('reads unlimited as null and rejects nonsense', () => {
    expect(parseSlurmTime('UNLIMITED')).toBeNull();
    expect(() => parseSlurmTime('soon')).toThrow('not a time');
  });

  it('formats durations', () => {
    expect(formatSlurmTime(3661)).toBe('01:01:01');
    expect(formatSlurmTime(93784)).toBe('1-02:03:04');
  });
});

describe('jobRequest', () => {
  it('sends only what differs from the script', () => {
    const fields = { ...prefill(SCRIPT), nodes: '4', workdir: 'runs' };
    expect(jobRequest(SCRIPT, fields)).toEqual({
      script: SCRIPT,
      nodes: 4,
      workdir: 'runs'
    });
  });

  it('converts a changed time limit to seconds', () => {
    const fields = { ...prefill(SCRIPT), time: '0:30:00' };
    expect(jobRequest(SCRIPT, fields).time_limit).toBe(1800);
  });

  it('names the field it cannot use', () => {
    const base = prefill('echo\n');
    expect(() => jobRequest('echo\n', { ...base, nodes: 'two' })).toThrow(
      'nodes'
    );
    expect(() => jobRequest('echo\n', { ...base, nodes: '0' })).toThrow(
      'nodes'
    );
    expect(() => jobRequest('echo\n', { ...base, time: 'later' })).toThrow(
      'time'
    );
  });

  it('sends nothing for empty fields', () => {
    expect(jobRequest('echo\n', prefill('echo\n'))).toEqual({
      script: 'echo\n'
    });
  });
});

describe('isBatchScript', () => {
  it('knows batch script endings', () => {
    expect(isBatchScript('a/run.sh')).toBe(true);
    expect(isBatchScript('job.SBATCH')).toBe(true);
    expect(isBatchScript('job.pbs')).toBe(true);
    expect(isBatchScript('notes.txt')).toBe(false);
  });
});
