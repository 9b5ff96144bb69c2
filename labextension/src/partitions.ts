/**
 * The partition (queue) choices of the submit dialog: the facility's partitions with the
 * default one first, and the script's own partition kept even when the facility does not
 * list it (it may be hidden from listings, or the listing may be partial).
 */
import type { HPC } from './tokens';

/** One entry of the partition choice list. */
export interface IPartitionChoice {
  /** The partition's name (what the job request carries). */
  name: string;
  /** The facility's default partition (false also when it is not known). */
  isDefault: boolean;
  /** Named by the script but not listed by the facility. */
  fromScript: boolean;
  /** The longest time limit allowed, in seconds, when the facility says. */
  maxTime: number | null;
  /** The partition's state when it is not plainly up (`DOWN`, `DRAIN`, ...), else ''. */
  state: string;
}

/**
 * The choices for a form: the default partition first, then the others by name, then
 * the script's partition if the facility did not list it.
 */
export function partitionChoices(
  partitions: readonly HPC.IPartition[],
  scriptPartition = ''
): IPartitionChoice[] {
  const seen = new Set<string>();
  const unique = partitions.filter(partition => {
    if (!partition.name || seen.has(partition.name)) {
      return false;
    }
    seen.add(partition.name);
    return true;
  });
  // `default` may be null (unknown): only a partition known to be the default comes first.
  const isDefault = (partition: HPC.IPartition) => partition.default === true;
  const sorted = [...unique].sort((a, b) =>
    isDefault(a) !== isDefault(b)
      ? isDefault(a)
        ? -1
        : 1
      : a.name.localeCompare(b.name)
  );
  const choices: IPartitionChoice[] = sorted.map(partition => ({
    name: partition.name,
    isDefault: isDefault(partition),
    fromScript: false,
    maxTime: partition.max_time,
    state: /^up$/i.test(partition.state) ? '' : partition.state
  }));
  const own = scriptPartition.trim();
  // A Slurm script may name several partitions (`-p a,b`): keep the text as it is.
  if (own && !seen.has(own)) {
    choices.push({
      name: own,
      isDefault: false,
      fromScript: true,
      maxTime: null,
      state: ''
    });
  }
  return choices;
}

/**
 * The choice to select first: the script's partition if it names one, else the default
 * (the first choice), else none ('').
 */
export function initialPartition(
  choices: readonly IPartitionChoice[],
  scriptPartition = ''
): string {
  const own = scriptPartition.trim();
  if (own) {
    return own;
  }
  return choices.find(choice => choice.isDefault)?.name ?? '';
}
