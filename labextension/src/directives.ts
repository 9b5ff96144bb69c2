/**
 * Batch script directives (`#SBATCH`, and `#PBS` for PBS scripts) read into the fields of
 * the submit dialog, and the dialog's fields turned back into a job request.
 *
 * The server reads `#SBATCH` lines itself (hpc_jupyter/backends/directives.py); the dialog
 * sends only what differs from them, so an unchanged field keeps the script's own wording.
 */
import type { HPC } from './tokens';

/** The fields of the submit dialog, as text, the way a user types them. */
export interface IJobFields {
  name: string;
  partition: string;
  account: string;
  nodes: string;
  /** A Slurm time: `minutes`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`. */
  time: string;
  workdir: string;
}

export const EMPTY_FIELDS: IJobFields = {
  name: '',
  partition: '',
  account: '',
  nodes: '',
  time: '',
  workdir: ''
};

const SBATCH_SHORT: Record<string, keyof IJobFields> = {
  '-J': 'name',
  '-p': 'partition',
  '-A': 'account',
  '-N': 'nodes',
  '-t': 'time',
  '-D': 'workdir'
};

const SBATCH_LONG: Record<string, keyof IJobFields> = {
  'job-name': 'name',
  partition: 'partition',
  account: 'account',
  nodes: 'nodes',
  time: 'time',
  chdir: 'workdir'
};

/** Split a directive line into words like a POSIX shell (quotes, backslashes). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) {
        quote = null;
      } else if (char === '\\' && quote === '"' && i + 1 < text.length) {
        current += text[++i];
      } else {
        current += char;
      }
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) {
        words.push(current);
        current = '';
        inWord = false;
      }
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) {
    throw new Error(`unclosed ${quote} quote`);
  }
  if (inWord) {
    words.push(current);
  }
  return words;
}

/** The directive lines with `prefix`, in order, stopping at the first command (like sbatch). */
function directiveBodies(script: string, prefix: string): string[] {
  const bodies: string[] = [];
  const lines = script.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const stripped = lines[index].trim();
    if (index === 0 && stripped.startsWith('#!')) {
      continue;
    }
    if (stripped && !stripped.startsWith('#')) {
      break;
    }
    if (stripped.startsWith(prefix)) {
      bodies.push(stripped.slice(prefix.length).split(' #', 1)[0]);
    }
  }
  return bodies;
}

/** The fields set by `#SBATCH` lines; later lines win, unreadable lines are skipped. */
export function parseSbatch(script: string): Partial<IJobFields> {
  const fields: Partial<IJobFields> = {};
  for (const body of directiveBodies(script, '#SBATCH')) {
    let words: string[];
    try {
      words = shellWords(body);
    } catch {
      continue; // the server reports the bad line when the script is submitted
    }
    for (let i = 0; i < words.length; i++) {
      const word = words[i];
      if (word.startsWith('--')) {
        const eq = word.indexOf('=');
        const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
        let value = eq < 0 ? '' : word.slice(eq + 1);
        if (eq < 0 && i + 1 < words.length && !words[i + 1].startsWith('-')) {
          value = words[++i];
        }
        const field = SBATCH_LONG[name];
        if (field) {
          fields[field] = value;
        }
      } else if (word.slice(0, 2) in SBATCH_SHORT || /^-[a-zA-Z]/.test(word)) {
        let value = word.slice(2);
        if (!value && i + 1 < words.length) {
          value = words[++i];
        }
        const field = SBATCH_SHORT[word.slice(0, 2)];
        if (field) {
          fields[field] = value.replace(/^=/, '');
        }
      }
    }
  }
  return fields;
}

/** The fields set by `#PBS` lines (`-N`, `-q`, `-A`, `-l nodes=..,walltime=..`). */
export function parsePbs(script: string): Partial<IJobFields> {
  const fields: Partial<IJobFields> = {};
  for (const body of directiveBodies(script, '#PBS')) {
    let words: string[];
    try {
      words = shellWords(body);
    } catch {
      continue;
    }
    for (let i = 0; i < words.length; i++) {
      const flag = words[i];
      const value = flag.length > 2 ? flag.slice(2) : (words[++i] ?? '');
      switch (flag.slice(0, 2)) {
        case '-N':
          fields.name = value;
          break;
        case '-q':
          fields.partition = value;
          break;
        case '-A':
          fields.account = value;
          break;
        case '-d':
          fields.workdir = value;
          break;
        case '-l':
          for (const resource of value.split(',')) {
            const [key, ...rest] = resource.split('=');
            const amount = rest.join('=');
            if (key === 'walltime') {
              fields.time = amount;
            } else if (key === 'nodes' || key === 'select') {
              fields.nodes = amount.split(':', 1)[0];
            }
          }
          break;
        default:
          break;
      }
    }
  }
  return fields;
}

/** The dialog's first values: `#SBATCH` directives, then `#PBS` ones, then empty. */
export function prefill(script: string): IJobFields {
  return { ...EMPTY_FIELDS, ...parsePbs(script), ...parseSbatch(script) };
}

/**
 * Seconds in a Slurm time limit, or null for an unlimited one.
 *
 * @throws Error when the text is not a time.
 */
export function parseSlurmTime(text: string): number | null {
  const value = text.trim();
  if (/^(unlimited|infinite)$/i.test(value)) {
    return null;
  }
  const match = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(value);
  if (!match) {
    throw new Error(`"${text}" is not a time`);
  }
  const [, days, a, b, c] = match;
  const n = (part: string | undefined) =>
    part === undefined ? 0 : Number(part);
  let seconds: number;
  if (days !== undefined) {
    // D-HH, D-HH:MM, D-HH:MM:SS
    seconds = n(days) * 86400 + n(a) * 3600 + n(b) * 60 + n(c);
  } else if (c !== undefined) {
    seconds = n(a) * 3600 + n(b) * 60 + n(c); // HH:MM:SS
  } else if (b !== undefined) {
    seconds = n(a) * 60 + n(b); // MM:SS
  } else {
    seconds = n(a) * 60; // minutes
  }
  return seconds;
}

/** A duration as Slurm writes it: `D-HH:MM:SS`, or `HH:MM:SS` under a day. */
export function formatSlurmTime(seconds: number): string {
  const two = (value: number) => String(value).padStart(2, '0');
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = Math.floor(seconds % 60);
  const clock = `${two(hours)}:${two(minutes)}:${two(rest)}`;
  return days ? `${days}-${clock}` : clock;
}

/**
 * The job request for `script` with the dialog's `fields`: a field is sent only when it
 * is set and differs from what the script's `#SBATCH` lines already say.
 *
 * @throws Error naming the field whose value cannot be used.
 */
export function jobRequest(
  script: string,
  fields: IJobFields
): HPC.IJobRequest {
  const own = { ...EMPTY_FIELDS, ...parseSbatch(script) };
  const request: HPC.IJobRequest = { script };
  const changed = (key: keyof IJobFields) =>
    fields[key].trim() !== '' && fields[key].trim() !== own[key].trim();
  for (const key of ['name', 'partition', 'account', 'workdir'] as const) {
    if (changed(key)) {
      request[key] = fields[key].trim();
    }
  }
  if (changed('nodes')) {
    const nodes = Number(fields.nodes.trim());
    if (!Number.isInteger(nodes) || nodes < 1) {
      throw new Error('nodes');
    }
    request.nodes = nodes;
  }
  if (changed('time')) {
    let seconds: number | null;
    try {
      seconds = parseSlurmTime(fields.time);
    } catch {
      throw new Error('time');
    }
    if (seconds !== null) {
      if (seconds < 1) {
        throw new Error('time');
      }
      request.time_limit = seconds;
    }
  }
  return request;
}

/** File name endings offered "Submit to HPC facility…". */
export const BATCH_SCRIPT_EXTENSIONS = ['.sh', '.sbatch', '.slurm', '.pbs'];

/** Whether `path` names a batch script by its ending. */
export function isBatchScript(path: string): boolean {
  const lower = path.toLowerCase();
  return BATCH_SCRIPT_EXTENSIONS.some(ending => lower.endsWith(ending));
}
