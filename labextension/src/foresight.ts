/**
 * Words and figures of a facility's status (GET .../status) and of a job request's check
 * (POST .../jobs/check): allocations with what is left, the estimated charge, the parts of
 * the status a facility did not report, and which notices are new to this session.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { formatSize } from './paths';
import type { HPC } from './tokens';

type Trans = Pick<TranslationBundle, '__'>;

/** Units an allocation of storage is counted in: never what a job is charged in. */
const STORAGE_UNITS: ReadonlySet<string> = new Set(['bytes', 'inodes']);

/** A number for a person, in their locale: fewer decimals the larger it is. */
export function formatNumber(value: number, locale?: string): string {
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 1 ? 1 : 2;
  return value.toLocaleString(locale, { maximumFractionDigits: digits });
}

/** An amount in an allocation's unit: `1,200 node hours`, `3.0 GiB`, `12 files`. */
export function formatAmount(
  value: number,
  unit: string | null,
  trans: Trans,
  locale?: string
): string {
  if (unit === 'bytes') {
    return formatSize(value);
  }
  const count = formatNumber(value, locale);
  switch (unit) {
    case null:
    case '':
      return count;
    case 'node_hours':
      return trans.__('%1 node hours', count);
    case 'cpu_hours':
      return trans.__('%1 CPU hours', count);
    case 'gpu_hours':
      return trans.__('%1 GPU hours', count);
    case 'billing_hours':
      return trans.__('%1 billing hours', count);
    case 'inodes':
      return trans.__('%1 files', count);
    default:
      // The facility's own unit, in its own word.
      return `${count} ${unit.replace(/_/g, ' ')}`;
  }
}

/** An account the submit dialog offers, with what is left of it where the facility tells. */
export interface IAccountChoice {
  account: string;
  /** The allocation a job on it is charged to, or null when there is none in a time unit. */
  allocation: HPC.IAllocation | null;
  isDefault: boolean;
}

/**
 * The accounts of a status's allocations, one each, in the facility's order: with the
 * allocation a job would be charged to (a time unit, not bytes or files; the user's own
 * share before the project's, one with figures before a name alone), as the server's check
 * picks it.
 */
export function accountChoices(
  allocations: readonly HPC.IAllocation[]
): IAccountChoice[] {
  const choices = new Map<string, IAccountChoice>();
  for (const allocation of allocations) {
    const choice = choices.get(allocation.account) ?? {
      account: allocation.account,
      allocation: null,
      isDefault: false
    };
    choice.isDefault = choice.isDefault || allocation.default === true;
    if (!STORAGE_UNITS.has(allocation.unit ?? '')) {
      const rank = (a: HPC.IAllocation) =>
        (a.remaining === null ? 2 : 0) + (a.scope === 'user' ? 0 : 1);
      if (!choice.allocation || rank(allocation) < rank(choice.allocation)) {
        choice.allocation = allocation;
      }
    }
    choices.set(allocation.account, choice);
  }
  return [...choices.values()];
}

/** What is left of an allocation (`1,200 node hours left`), or null when not told. */
export function leftText(
  allocation: HPC.IAllocation | null,
  trans: Trans,
  locale?: string
): string | null {
  if (!allocation || allocation.remaining === null) {
    return null;
  }
  return trans.__(
    '%1 left',
    formatAmount(allocation.remaining, allocation.unit, trans, locale)
  );
}

/** An account as the picker shows it: `hpcproj — 1,200 node hours left`, or its name. */
export function accountLabel(
  choice: IAccountChoice,
  trans: Trans,
  locale?: string
): string {
  const name = choice.isDefault
    ? trans.__('%1 (default)', choice.account)
    : choice.account;
  const left = leftText(choice.allocation, trans, locale);
  return left ? `${name} — ${left}` : name;
}

/** The estimate line of a check: node hours, and the charge in the allocation's unit. */
export function estimateText(
  check: HPC.ISubmitCheck,
  trans: Trans,
  locale?: string
): string {
  if (check.node_hours === null) {
    return trans.__(
      'No estimate: the request gives no time limit (the facility applies its default).'
    );
  }
  const hours = formatAmount(check.node_hours, 'node_hours', trans, locale);
  const allocation = check.allocation;
  if (check.charge === null || !allocation) {
    return trans.__('Estimated use: %1.', hours);
  }
  const charge = formatAmount(check.charge, check.unit, trans, locale);
  const left = leftText(allocation, trans, locale);
  return left
    ? trans.__(
        'Estimated charge: %1 to %2 (%3).',
        charge,
        allocation.account,
        left
      )
    : trans.__('Estimated charge: %1 to %2.', charge, allocation.account);
}

/** A part of the status that is there, or why it is not. */
export type PartState =
  { kind: 'reported' } | { kind: 'missing'; text: string; failed: boolean };

/**
 * Whether the facility reported `part`: a null part says why (the failing call's error,
 * from `sources`) or 'not reported'; never passed off as an empty part.
 */
export function partState(
  status: HPC.IFacilityStatus,
  part: HPC.StatusPart,
  trans: Trans
): PartState {
  if (status[part] !== null) {
    return { kind: 'reported' };
  }
  const errors = status.sources
    .filter(source => source.part === part && source.error)
    .map(source => `${source.source}: ${source.error}`);
  return errors.length
    ? {
        kind: 'missing',
        failed: true,
        text: trans.__('Could not be asked (%1)', errors.join('; '))
      }
    : { kind: 'missing', failed: false, text: trans.__('not reported') };
}

/** Where a part came from and when: `sacctmgr, 17:05:09`. */
export function sourcesText(
  status: HPC.IFacilityStatus,
  part: HPC.StatusPart,
  time: (seconds: number) => string = localTime
): string {
  return status.sources
    .filter(source => source.part === part && !source.error)
    .map(source => `${source.source}, ${time(source.fetched_at)}`)
    .join('; ');
}

/** Unix seconds in the user's locale and time zone. */
export function localTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString();
}

/** When a notice holds: `from … to …`, `from …`, `until …`, or '' when not told. */
export function noticeWindow(
  notice: HPC.INotice,
  trans: Trans,
  time: (seconds: number) => string = localTime
): string {
  const { start, end } = notice;
  if (start !== null && end !== null) {
    return trans.__('%1 – %2', time(start), time(end));
  }
  if (start !== null) {
    return trans.__('from %1', time(start));
  }
  if (end !== null) {
    return trans.__('until %1', time(end));
  }
  return '';
}

/** The notices a user hears about while their jobs run: incidents and maintenance. */
const NOTIFIED_KINDS: ReadonlySet<HPC.INotice['kind']> = new Set([
  'incident',
  'maintenance'
]);

/**
 * The notices of `status` not shown yet this session (an incident or a maintenance that
 * has not ended, by facility and id); they are added to `shown`.
 */
export function newNotices(
  status: HPC.IFacilityStatus,
  shown: Set<string>,
  now: number
): HPC.INotice[] {
  const fresh: HPC.INotice[] = [];
  for (const notice of status.notices ?? []) {
    const key = `${status.facility}\u0000${notice.id}`;
    if (
      !NOTIFIED_KINDS.has(notice.kind) ||
      (notice.end !== null && notice.end <= now) ||
      shown.has(key)
    ) {
      continue;
    }
    shown.add(key);
    fresh.push(notice);
  }
  return fresh;
}

/** What a notification of a notice says. */
export function noticeMessage(
  facility: string,
  notice: HPC.INotice,
  trans: Trans,
  time: (seconds: number) => string = localTime
): string {
  const when = noticeWindow(notice, trans, time);
  const title = when ? `${notice.title} (${when})` : notice.title;
  return notice.kind === 'incident'
    ? trans.__('Incident at %1, where your jobs are: %2', facility, title)
    : trans.__('Maintenance at %1, where your jobs are: %2', facility, title);
}
