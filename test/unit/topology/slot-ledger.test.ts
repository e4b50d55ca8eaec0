import { lastValueFrom, from, toArray } from 'rxjs';
import type { DeadLetter } from '../../../connectors/dead-letter';
import { createJsonCodec } from '../../../connectors/codecs/json';
import type { DecodedRecord, MicroBatch } from '../../../connectors/types';
import { friedmanStream } from '../../../src/datasets/friedman';
import type { Row } from '../../../src/features/stage';
import { learnBatch } from '../../../src/topology/operators/learn-batch';
import { newSlot, restoreSnapshot } from '../../../src/topology/restore';
import { admit, assertLedger, captureLedger, checkpointCovered, InvariantError, recordConsumed } from '../../../src/topology/slot-ledger';
import type { ModelSlot } from '../../../src/topology/model-slot';
import { regressionSgd } from '../../../topologies/regression-sgd';

const TOPIC = 'in';

/** A batch of `values` at offsets first.., where `undecodable` more offsets at the end were dead-lettered by the source. */
function batchAt(first: number, values: unknown[], undecodable = 0): MicroBatch<unknown> {
  const records = values.map(
    (value, i) => ({ topic: TOPIC, partition: 0, offset: String(first + i), key: null, value, timestamp: 0, headers: {} }) as DecodedRecord<unknown>,
  );
  const last = first + values.length + undecodable - 1;
  return {
    topic: TOPIC,
    partition: 0,
    records,
    deadLettered: undecodable,
    firstOffset: String(first),
    lastOffset: String(last),
    lag: 0,
    nextOffset: String(last + 1),
    ack: async () => undefined,
  };
}

const events = (n: number, seed = 5): Row[] => {
  const it = friedmanStream({ seed });
  return Array.from({ length: n }, () => it.next().value as unknown as Row);
};

function learnAll(slot: ModelSlot, batches: MicroBatch<unknown>[], deadLetters: unknown[] = []) {
  const topology = regressionSgd();
  const deadLetter: DeadLetter = { write: async (bytes) => void deadLetters.push(bytes) };
  return lastValueFrom(
    from(batches).pipe(
      learnBatch({
        slotFor: () => slot,
        label: topology.config.label,
        codec: createJsonCodec() as never,
        deadLetter,
        restore: (target, snapshot) => restoreSnapshot(topology, target, snapshot),
      }),
      toArray(),
    ),
  );
}

const weights = (slot: ModelSlot) => Object.entries(slot.model.state().arrays).map(([name, a]) => [name, Array.from(a)]);

describe('the slot ledger', () => {
  it('learns a replayed (rewound) stream exactly once: the model equals the one that saw each event once', async () => {
    const rows = events(300);
    const topology = regressionSgd();
    const once = newSlot(topology, 'm');
    await learnAll(once, [batchAt(0, rows.slice(0, 100)), batchAt(100, rows.slice(100, 200)), batchAt(200, rows.slice(200))]);

    // The source rewinds twice, as a consumer reset to committed offsets does, once mid-batch.
    const rewound = newSlot(topology, 'm');
    const steps = await learnAll(rewound, [
      batchAt(0, rows.slice(0, 100)),
      batchAt(100, rows.slice(100, 200)),
      batchAt(0, rows.slice(0, 150)),
      batchAt(150, rows.slice(150, 250)),
      batchAt(200, rows.slice(200)),
    ]);
    expect(steps.map((s) => [s.learned, s.replayed])).toEqual([
      [100, 0],
      [100, 0],
      [0, 150],
      [50, 50],
      [50, 50],
    ]);
    expect(rewound.examplesSeen).toBe(300);
    expect(rewound.sinceCheckpoint).toBe(300);
    expect(rewound.offsets.get(`${TOPIC}/0`)!.offset).toBe('300');
    expect(weights(rewound)).toEqual(weights(once));
  });

  it('counts source dead letters once, even when the range holding them is replayed', () => {
    const slot = newSlot(regressionSgd(), 'm');
    const first = batchAt(0, [{}, {}], 2); // offsets 0..3, 2 and 3 dead-lettered by the source
    const a = admit(slot, first);
    expect(a).toMatchObject({ deadLettered: 2, replayed: 0 });
    recordConsumed(slot, first, a.records.length + a.deadLettered, 2);
    const again = admit(slot, batchAt(0, [{}, {}], 2));
    expect(again).toEqual({ records: [], offsets: 0, deadLettered: 0, replayed: 4 });
    const overlap = batchAt(2, [{}], 1); // offsets 2..3 again, both consumed already
    expect(admit(slot, overlap)).toMatchObject({ deadLettered: 0, replayed: 2 });
    expect(slot.sinceCheckpoint).toBe(4);
  });

  it('counts offset gaps as skipped, not as records, and keeps the invariant across checkpoints', () => {
    const slot = newSlot(regressionSgd(), 'm');
    recordConsumed(slot, batchAt(0, [{}, {}]), 2, 2);
    const gap = batchAt(10, [{}, {}]);
    recordConsumed(slot, gap, admit(slot, gap).records.length, 2);
    expect(slot.ledger.get(`${TOPIC}/0`)).toEqual({ checkpointed: 0n, consumed: 4, skipped: 8n });
    const captured = captureLedger(slot);
    const offsets = [...slot.offsets.values()];
    recordConsumed(slot, batchAt(12, [{}]), 1, 1); // learned while the checkpoint is being published
    checkpointCovered(slot, offsets, captured);
    expect(slot.ledger.get(`${TOPIC}/0`)).toEqual({ checkpointed: 12n, consumed: 1, skipped: 0n });
    expect(slot.examplesSeen).toBe(5);
  });

  it('refuses to count a batch behind the learned offset, and catches a ledger that disagrees with the offsets', () => {
    const slot = newSlot(regressionSgd(), 'm');
    recordConsumed(slot, batchAt(0, [{}, {}, {}]), 3, 3);
    expect(() => recordConsumed(slot, batchAt(0, [{}, {}]), 2, 2)).toThrow(InvariantError);
    expect(slot.examplesSeen).toBe(3);
    slot.ledger.get(`${TOPIC}/0`)!.consumed += 1; // a record counted twice
    expect(() => assertLedger(slot)).toThrow(/in\/0: next offset 3 ≠ checkpoint 0 \+ consumed 4 \+ skipped 0/);
    slot.ledger.get(`${TOPIC}/0`)!.consumed -= 2; // one lost
    expect(() => assertLedger(slot)).toThrow(InvariantError);
    slot.ledger.delete(`${TOPIC}/0`);
    expect(() => assertLedger(slot)).toThrow(/no checkpoint offset on record/);
  });

  it('starts from a restored checkpoint: replays before its offsets are dropped', () => {
    const topology = regressionSgd();
    const source = newSlot(topology, 'm');
    const restoredFrom = {
      manifest: { version: 3, offsets: [{ topic: TOPIC, partition: 0, offset: '50' }], examplesSeen: 45, extra: undefined },
      state: source.model.state(),
    } as never;
    const slot = newSlot(topology, 'm', restoredFrom);
    expect(slot.ledger.get(`${TOPIC}/0`)).toEqual({ checkpointed: 50n, consumed: 0, skipped: 0n });
    const batch = batchAt(
      40,
      Array.from({ length: 20 }, () => ({})),
    );
    const admitted = admit(slot, batch);
    expect(admitted.records.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(50 + i)));
    recordConsumed(slot, batch, admitted.records.length, 10);
    expect(slot.examplesSeen).toBe(55);
  });
});

describe('the slot ledger at its edges', () => {
  it('admits the unlearned part of a batch with source dead letters in it, and counts the rest as replayed', () => {
    const slot = newSlot(regressionSgd(), 'm');
    recordConsumed(slot, batchAt(0, [{}, {}, {}, {}, {}]), 5, 5);
    // Offsets 0..9: records 0..7, then 8 and 9 dead-lettered by the source; the model holds 0..4.
    const batch = batchAt(
      0,
      Array.from({ length: 8 }, () => ({})),
      2,
    );
    const admitted = admit(slot, batch);
    expect(admitted.records.map((r) => r.offset)).toEqual(['5', '6', '7']);
    expect(admitted).toMatchObject({ deadLettered: 2, replayed: 5 });
    recordConsumed(slot, batch, admitted.records.length + admitted.deadLettered, 3);
    expect(slot.ledger.get(`${TOPIC}/0`)).toEqual({ checkpointed: 0n, consumed: 10, skipped: 0n });
  });

  it('refuses records counted from a batch that ends exactly where the model already is', () => {
    const slot = newSlot(regressionSgd(), 'm');
    recordConsumed(slot, batchAt(0, [{}, {}, {}]), 3, 3);
    expect(() => recordConsumed(slot, batchAt(1, [{}, {}]), 1, 1)).toThrow(/in\/0: 1 records consumed from a batch ending at 3, behind the learned offset 3/);
    recordConsumed(slot, batchAt(1, [{}, {}]), 0, 0);
    expect(slot.ledger.get(`${TOPIC}/0`)).toEqual({ checkpointed: 0n, consumed: 3, skipped: 0n });
  });

  it('catches negative counts even when the sum still adds up', () => {
    const slot = newSlot(regressionSgd(), 'm');
    recordConsumed(slot, batchAt(0, [{}, {}, {}]), 3, 3);
    const ledger = slot.ledger.get(`${TOPIC}/0`)!;
    Object.assign(ledger, { consumed: 4, skipped: -1n });
    expect(() => assertLedger(slot)).toThrow(InvariantError);
    Object.assign(ledger, { consumed: -1, skipped: 4n });
    expect(() => assertLedger(slot)).toThrow(InvariantError);
    Object.assign(ledger, { consumed: 3, skipped: 0n });
    expect(() => assertLedger(slot)).not.toThrow();
  });

  it('rebases only the partitions a checkpoint captured', () => {
    const slot = newSlot(regressionSgd(), 'm');
    recordConsumed(slot, batchAt(0, [{}, {}]), 2, 2);
    const offsets = [...slot.offsets.values()];
    checkpointCovered(slot, offsets, new Map());
    expect(slot.ledger.get(`${TOPIC}/0`)).toEqual({ checkpointed: 0n, consumed: 2, skipped: 0n });
  });
});

describe('the slot ledger with messages of many rows (Arrow)', () => {
  it('counts offsets, not rows, and drops a replayed message whole', () => {
    const slot = newSlot(regressionSgd(), 'm');
    const rows = [0, 0, 0, 1, 1].map((offset) => ({ topic: TOPIC, partition: 0, offset: String(offset), key: null, value: {}, timestamp: 0, headers: {} }));
    const batch: MicroBatch<unknown> = { ...batchAt(0, [{}, {}]), records: rows };
    const admitted = admit(slot, batch);
    expect(admitted).toMatchObject({ offsets: 2, deadLettered: 0, replayed: 0 });
    recordConsumed(slot, batch, admitted.offsets, 5, admitted.records.length);
    expect(slot.ledger.get(`${TOPIC}/0`)).toEqual({ checkpointed: 0n, consumed: 2, skipped: 0n });
    expect(slot.sinceCheckpoint).toBe(5);
    expect(admit(slot, batch)).toMatchObject({ records: [], offsets: 0, replayed: 5 });
  });
});
