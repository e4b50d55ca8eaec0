import { guardObserver, observeDeadLetters, type TopologyObserver } from '../../../src/topology/observer';
import { DecodeError } from '../../../src/errors';

describe('the runtime’s observer hook', () => {
  it('reports a throwing callback once and carries on; the other callbacks still run', () => {
    const lines: string[] = [];
    const codes: string[] = [];
    const observer: TopologyObserver = {
      batchLearned() {
        throw new Error('gauge exploded');
      },
      deadLettered: (code) => void codes.push(code),
    };
    const guarded = guardObserver(observer, (line) => lines.push(line))!;
    expect(() => guarded.batchLearned!({} as never)).not.toThrow();
    guarded.batchLearned!({} as never);
    guarded.deadLettered!('SCHEMA', { topic: 't', partition: 0, offset: '1' });
    expect(lines).toEqual(['observer batchLearned threw (ignored from now on): gauge exploded']);
    expect(codes).toEqual(['SCHEMA']);
    expect(guardObserver(undefined)).toBeUndefined();
  });

  it('counts a dead letter only once it is stored, under its x-error-code', async () => {
    const codes: string[] = [];
    const stored: unknown[] = [];
    let release!: () => void;
    const writer = { write: (...args: unknown[]) => new Promise<void>((resolve) => (release = () => (stored.push(args), resolve()))) };
    const observed = observeDeadLetters(writer, { deadLettered: (code) => void codes.push(code) });
    const writing = observed.write({
      raw: { key: null, value: Buffer.from('x'), headers: {} },
      error: new DecodeError('MALFORMED', 'bad'),
      position: { topic: 't', partition: 0, offset: '3' },
    });
    await Promise.resolve();
    expect(codes).toEqual([]);
    release();
    await writing;
    expect(stored).toHaveLength(1);
    expect(codes).toEqual(['MALFORMED']);
    void observed.write({ raw: { key: null, value: null, headers: {} }, error: new Error('other'), position: { topic: 't', partition: 0, offset: '4' } });
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(codes).toEqual(['MALFORMED', 'UNEXPECTED']);
  });
});
