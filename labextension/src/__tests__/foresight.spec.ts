import {
  accountChoices,
  accountLabel,
  estimateText,
  formatAmount,
  formatNumber,
  newNotices,
  noticeMessage,
  noticeWindow,
  partState,
  sourcesText
} from '../foresight';
import type { HPC } from '../tokens';

// Translation as JupyterLab does it without a language pack: %n filled in.
const trans = {
  __: (text: string, ...args: unknown[]) =>
    text.replace(/%(\d)/g, (_, n) => String(args[Number(n) - 1]))
};
const LOCALE = 'en-US';
const time = (seconds: number) => new Date(seconds * 1000).toISOString();

function allocation(
  account: string,
  extra: Partial<HPC.IAllocation> = {}
): HPC.IAllocation {
  return {
    account,
    unit: 'node_hours',
    allocated: 2000,
    used: 800,
    remaining: 1200,
    default: null,
    scope: 'project',
    note: null,
    ...extra
  };
}

function status(extra: Partial<HPC.IFacilityStatus> = {}): HPC.IFacilityStatus {
  return {
    facility: 'alps',
    system: 'daint',
    systems: null,
    notices: null,
    partitions: null,
    allocations: null,
    sources: [],
    ...extra
  };
}

function notice(id: string, extra: Partial<HPC.INotice> = {}): HPC.INotice {
  return {
    id,
    kind: 'maintenance',
    title: `notice ${id}`,
    start: 1000,
    end: 2000,
    systems: ['daint'],
    status: null,
    ...extra
  };
}

describe('formatAmount', () => {
  it('says amounts in the facility unit, fewer decimals the larger', () => {
    expect(formatAmount(1200, 'node_hours', trans, LOCALE)).toBe(
      '1,200 node hours'
    );
    expect(formatAmount(12.345, 'cpu_hours', trans, LOCALE)).toBe(
      '12.3 CPU hours'
    );
    expect(formatAmount(0.125, 'gpu_hours', trans, LOCALE)).toBe(
      '0.13 GPU hours'
    );
    expect(formatAmount(3 * 1024 ** 3, 'bytes', trans, LOCALE)).toBe('3.0 GiB');
    expect(formatAmount(5000, 'inodes', trans, LOCALE)).toBe('5,000 files');
    expect(formatAmount(7, 'service_units', trans, LOCALE)).toBe(
      '7 service units'
    );
    expect(formatAmount(7, null, trans, LOCALE)).toBe('7');
    expect(formatNumber(-1234.5, LOCALE)).toBe('-1,235');
  });
});

describe('accountChoices', () => {
  it('gives one choice per account, charged to its time allocation', () => {
    const choices = accountChoices([
      allocation('proj', { unit: 'bytes', remaining: 10 }),
      allocation('proj', { remaining: 1200 }),
      allocation('proj', { scope: 'user', remaining: 50, default: true }),
      allocation('other', {
        unit: null,
        allocated: null,
        used: null,
        remaining: null
      })
    ]);
    expect(choices.map(c => c.account)).toEqual(['proj', 'other']);
    // The user's own share binds before the project's; storage never.
    expect(choices[0].allocation?.remaining).toBe(50);
    expect(choices[0].isDefault).toBe(true);
    expect(choices[1].allocation?.remaining).toBeNull();
  });

  it('keeps an account with storage only, by name', () => {
    const [choice] = accountChoices([allocation('store', { unit: 'inodes' })]);
    expect(choice.allocation).toBeNull();
    expect(accountLabel(choice, trans, LOCALE)).toBe('store');
  });

  it('labels an account with what is left, or its name alone', () => {
    const [left, named] = accountChoices([
      allocation('hpcproj'),
      allocation('bare', { allocated: null, used: null, remaining: null })
    ]);
    expect(accountLabel(left, trans, LOCALE)).toBe(
      'hpcproj — 1,200 node hours left'
    );
    expect(accountLabel(named, trans, LOCALE)).toBe('bare');
    expect(accountLabel({ ...left, isDefault: true }, trans, LOCALE)).toBe(
      'hpcproj (default) — 1,200 node hours left'
    );
  });
});

describe('estimateText', () => {
  const check = (extra: Partial<HPC.ISubmitCheck>): HPC.ISubmitCheck => ({
    node_hours: 4,
    charge: null,
    unit: null,
    allocation: null,
    warnings: [],
    ...extra
  });

  it('gives node hours without an allocation', () => {
    expect(estimateText(check({}), trans, LOCALE)).toBe(
      'Estimated use: 4 node hours.'
    );
  });

  it('gives the charge to the account and what it has left', () => {
    const text = estimateText(
      check({
        node_hours: 2.5,
        charge: 2.5,
        unit: 'node_hours',
        allocation: allocation('hpcproj')
      }),
      trans,
      LOCALE
    );
    expect(text).toBe(
      'Estimated charge: 2.5 node hours to hpcproj (1,200 node hours left).'
    );
  });

  it('says when there is no estimate', () => {
    expect(estimateText(check({ node_hours: null }), trans, LOCALE)).toMatch(
      /^No estimate/
    );
  });
});

describe('partState', () => {
  it('tells a reported part, even an empty one, from a missing one', () => {
    const answer = status({
      notices: [],
      allocations: null,
      partitions: null,
      sources: [
        { part: 'notices', source: 'reservations', fetched_at: 5, error: null },
        {
          part: 'allocations',
          source: 'sacctmgr',
          fetched_at: 5,
          error: 'sacctmgr timed out'
        }
      ]
    });
    expect(partState(answer, 'notices', trans)).toEqual({ kind: 'reported' });
    expect(partState(answer, 'allocations', trans)).toEqual({
      kind: 'missing',
      failed: true,
      text: 'Could not be asked (sacctmgr: sacctmgr timed out)'
    });
    expect(partState(answer, 'partitions', trans)).toEqual({
      kind: 'missing',
      failed: false,
      text: 'not reported'
    });
    expect(sourcesText(answer, 'notices', time)).toBe(
      'reservations, 1970-01-01T00:00:05.000Z'
    );
    expect(sourcesText(answer, 'allocations', time)).toBe('');
  });
});

describe('notices', () => {
  it('says when a notice holds', () => {
    expect(noticeWindow(notice('a'), trans, time)).toBe(
      '1970-01-01T00:16:40.000Z – 1970-01-01T00:33:20.000Z'
    );
    expect(noticeWindow(notice('b', { end: null }), trans, time)).toBe(
      'from 1970-01-01T00:16:40.000Z'
    );
    expect(noticeWindow(notice('c', { start: null }), trans, time)).toBe(
      'until 1970-01-01T00:33:20.000Z'
    );
    expect(noticeWindow(notice('d', { start: null, end: null }), trans)).toBe(
      ''
    );
  });

  it('picks incidents and maintenance not shown yet, once each', () => {
    const shown = new Set<string>();
    const answer = status({
      notices: [
        notice('m1'),
        notice('i1', { kind: 'incident', start: null, end: null }),
        notice('r1', { kind: 'reservation' }),
        notice('old', { end: 500 })
      ]
    });
    expect(newNotices(answer, shown, 900).map(n => n.id)).toEqual(['m1', 'i1']);
    expect(newNotices(answer, shown, 900)).toEqual([]);
    // The same id at another facility is another notice.
    expect(
      newNotices({ ...answer, facility: 'other' }, shown, 900).map(n => n.id)
    ).toEqual(['m1', 'i1']);
    // A new one among them is the only one told.
    const more = { ...answer, notices: [...answer.notices!, notice('m2')] };
    expect(newNotices(more, shown, 900).map(n => n.id)).toEqual(['m2']);
  });

  it('copes with notices not reported', () => {
    expect(newNotices(status(), new Set(), 0)).toEqual([]);
  });

  it('words a notification', () => {
    expect(
      noticeMessage(
        'alps',
        notice('i', { kind: 'incident', title: 'Lustre slow', end: null }),
        trans,
        time
      )
    ).toBe(
      'Incident at alps, where your jobs are: Lustre slow (from 1970-01-01T00:16:40.000Z)'
    );
  });
});
