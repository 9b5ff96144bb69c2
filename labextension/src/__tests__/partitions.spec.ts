import { initialPartition, partitionChoices } from '../partitions';
import type { HPC } from '../tokens';

function partition(
  name: string,
  extra: Partial<HPC.IPartition> = {}
): HPC.IPartition {
  return {
    name,
    default: false,
    state: 'UP',
    max_time: null,
    nodes: null,
    ...extra
  };
}

describe('partitionChoices', () => {
  it('puts the default partition first, then the others by name', () => {
    const choices = partitionChoices([
      partition('normal'),
      partition('debug', { max_time: 1800 }),
      partition('batch', { default: true })
    ]);
    expect(choices.map(c => c.name)).toEqual(['batch', 'debug', 'normal']);
    expect(choices[0].isDefault).toBe(true);
    expect(choices[1].maxTime).toBe(1800);
  });

  it("keeps the script's partition when the facility does not list it", () => {
    const choices = partitionChoices(
      [partition('normal', { default: true })],
      ' hidden '
    );
    expect(choices.map(c => [c.name, c.fromScript])).toEqual([
      ['normal', false],
      ['hidden', true]
    ]);
  });

  it('does not repeat a listed partition the script names', () => {
    const choices = partitionChoices(
      [partition('normal', { default: true }), partition('debug')],
      'debug'
    );
    expect(choices.map(c => c.name)).toEqual(['normal', 'debug']);
    expect(choices.every(c => !c.fromScript)).toBe(true);
  });

  it('drops duplicates and nameless entries, and shows a state other than up', () => {
    const choices = partitionChoices([
      partition('a'),
      partition('a'),
      partition(''),
      partition('b', { state: 'DRAIN' })
    ]);
    expect(choices.map(c => [c.name, c.state])).toEqual([
      ['a', ''],
      ['b', 'DRAIN']
    ]);
  });
});

describe('partitionChoices with an unknown default', () => {
  it('marks none as default and sorts by name when the facility does not say', () => {
    const choices = partitionChoices([
      partition('short', { default: null }),
      partition('debug', { default: null })
    ]);
    expect(choices.map(c => [c.name, c.isDefault])).toEqual([
      ['debug', false],
      ['short', false]
    ]);
    expect(initialPartition(choices)).toBe('');
  });
});

describe('initialPartition', () => {
  it("selects the script's partition, else the default, else none", () => {
    const choices = partitionChoices(
      [partition('x'), partition('y', { default: true })],
      ''
    );
    expect(initialPartition(choices, 'x')).toBe('x');
    expect(initialPartition(choices)).toBe('y');
    expect(initialPartition(partitionChoices([partition('x')]))).toBe('');
  });
});
