import '../../../src/builtins';
import { createRmse } from '../../../src/evaluation';
import { createLinearRegression } from '../../../src/learners';
import { encodeMetricStates } from '../../../src/topology/metric-state';
import { contributionRecords, createMixReader, startRecord, type Contribution } from '../../../src/topology/mixing/mix-records';
import { buildCheckpoint } from '../../../src/checkpoints/envelope';
import { checkpointRecords } from '../../../src/checkpoints/records';
import type { JsonObject } from '../../../src/state';

const rmse = (window?: number) => {
  const metric = createRmse(window ? { window } : {});
  [1, 2, 4].forEach((y) => metric.update(y, 2));
  return metric;
};

const contribution = (numFeatures = 3): Contribution => {
  const model = createLinearRegression({ numFeatures });
  model.learnOne(
    Float64Array.from({ length: numFeatures }, (_, i) => i),
    1,
  );
  return {
    generation: 7,
    base: 3,
    member: 'streamlearn-1-abc',
    partitions: [0, 2],
    learned: 120,
    consumed: 125,
    offsets: [
      { topic: 'in', partition: 0, offset: '60' },
      { topic: 'in', partition: 2, offset: '65' },
    ],
    examplesSeen: 500,
    metrics: { rmse: 1.5 },
    metricState: encodeMetricStates({ rmse: rmse(), rollingRmse: rmse(4) }),
    state: model.state(),
  };
};

describe('mix topic records', () => {
  it('carry a contribution (chunked when large) and a start through the reader unchanged', () => {
    const skipped: string[] = [];
    const read = createMixReader('m', (reason) => skipped.push(reason));
    const small = contribution();
    // Another member (one contribution per member and round: a second one of the same member would be a replay).
    const large = { ...contribution(200_000), member: 'streamlearn-2-def', partitions: [1, 3] };
    const records = [
      startRecord('m', { generation: 7, base: 3, claimed: 4, mixer: 'x' }),
      ...contributionRecords('m', small),
      ...contributionRecords('m', large),
    ];
    expect(records.filter((r) => String(r.key).includes('/chunk/')).length).toBeGreaterThan(0);
    // One manifest record per contribution (keyed by version): no second "latest" copy on the mix topic.
    expect(records.filter((r) => !String(r.key).includes('/chunk/') && r.key !== 'm~start')).toHaveLength(2);
    const events = records
      .map((r, i) => read({ key: r.key as string, value: Buffer.from(r.value as Buffer | string) }, `mix@${i}`))
      .filter((e) => e !== undefined);
    expect(skipped).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['start', 'contribution', 'contribution']);
    expect(events[0]).toEqual({ type: 'start', start: { generation: 7, base: 3, claimed: 4, mixer: 'x' } });
    for (const [event, sent] of [
      [events[1], small],
      [events[2], large],
    ] as const) {
      if (event.type !== 'contribution') throw new Error('expected a contribution');
      const { state, ...rest } = event.contribution;
      const { state: sentState, ...sentRest } = sent;
      expect(rest).toEqual(sentRest);
      expect(Array.from(state.arrays.weights)).toEqual(Array.from(sentState.arrays.weights));
    }
  });

  it('ignores other models’ records and reports a broken one in one line', () => {
    const skipped: string[] = [];
    const read = createMixReader('m', (reason) => skipped.push(reason));
    expect(read({ key: 'other~start', value: Buffer.from('{}') }, 'mix@0')).toBeUndefined();
    expect(read({ key: 'm~start', value: Buffer.from('{"generation":"x"}') }, 'mix@1')).toBeUndefined();
    expect(skipped).toEqual(['mix@1: not a mix start record']);
  });

  it('refuses a start record missing any of generation, base, claimed (safe integers) or mixer (a string), and a null one', () => {
    const skipped: string[] = [];
    const read = createMixReader('m', (reason) => skipped.push(reason));
    const good = { generation: 2, base: 1, claimed: 1, mixer: 'w' };
    expect(read({ key: 'm~start', value: Buffer.from(JSON.stringify(good)) }, 'mix@0')).toEqual({ type: 'start', start: good });
    const bad = [
      { ...good, generation: undefined },
      { ...good, base: 1.5 },
      { ...good, claimed: 2 ** 60 },
      { ...good, mixer: 3 },
      { generation: 2, base: 1, claimed: 1 },
    ];
    bad.forEach((start, i) => expect(read({ key: 'm~start', value: Buffer.from(JSON.stringify(start)) }, `mix@${i + 1}`)).toBeUndefined());
    expect(read({ key: 'm~start', value: null }, 'mix@9')).toBeUndefined();
    expect(skipped).toEqual([...bad.map((_, i) => `mix@${i + 1}: not a mix start record`), 'mix@9: not a mix start record']);
  });

  it('keys a contribution by model, generation, base and member, numbered as the version after its base', () => {
    const records = contributionRecords('m', contribution());
    const manifests = records.filter((r) => !String(r.key).includes('/chunk/'));
    // One manifest record, under the version key: the bare-id copy (a compacted topic's "latest") is not sent.
    expect(manifests.map((r) => r.key)).toEqual(['m~g7~b3~streamlearn-1-abc@v4']);
    const read = createMixReader('m', (reason) => {
      throw new Error(reason);
    });
    const events = records.map((r, i) => read({ key: r.key as string, value: Buffer.from(r.value as Buffer | string) }, `mix@${i}`));
    const event = events.find((e) => e?.type === 'contribution');
    if (event?.type !== 'contribution') throw new Error('expected a contribution');
    expect(event.contribution.examplesSeen).toBe(500);
    // Another model whose id starts with this one's is not this model's ("m~" is the prefix, not "m").
    expect(createMixReader('mm', () => undefined)({ key: 'm~start', value: Buffer.from('{}') }, 'mix@0')).toBeUndefined();
    expect(read({ key: null, value: Buffer.from('{}') }, 'mix@1')).toBeUndefined();
  });

  it('reads a contribution without learned, consumed or metric state as zero and empty, and refuses one without a valid extra.mix', () => {
    const c = contribution();
    // Each its own member: the reader passes over a second record of one contribution (a replay) unopened.
    const records = (mix: Record<string, unknown> | undefined, member: string, withState = true) => {
      const fields = {
        modelId: `m~g7~b3~${member}`,
        version: 4,
        generation: 7,
        offsets: c.offsets,
        examplesSeen: 9,
        metrics: {},
        extra: { ...(mix === undefined ? {} : { mix: mix as JsonObject }), ...(withState ? { metricState: c.metricState } : {}) } as JsonObject,
      };
      const { manifest, payload } = buildCheckpoint(fields, c.state);
      return checkpointRecords(manifest, payload).records;
    };
    const skipped: string[] = [];
    const read = createMixReader('m', (reason) => skipped.push(reason));
    const readAll = (list: ReturnType<typeof records>, at: string) =>
      list.map((r) => read({ key: r.key, value: r.value === null ? null : Buffer.from(r.value) }, at)).find((e) => e !== undefined);
    const bare = readAll(records({ generation: 7, base: 3, member: 'x', partitions: [1] }, 'x', false), 'mix@0');
    expect(bare).toMatchObject({ type: 'contribution', contribution: { learned: 0, consumed: 0, metricState: {}, partitions: [1], member: 'x' } });
    const invalid = [
      undefined,
      { base: 3, member: 'x', partitions: [1] },
      { generation: 7.5, base: 3, member: 'x', partitions: [1] },
      { generation: 7, base: '3', member: 'x', partitions: [1] },
      { generation: 7, base: 3, member: 5, partitions: [1] },
      { generation: 7, base: 3, member: 'x', partitions: 1 },
    ];
    invalid.forEach((mix, i) => expect(readAll(records(mix, `y${i}`), `mix@${i + 1}`)).toBeUndefined());
    expect(skipped).toEqual(invalid.map((_, i) => `mix@${i + 1}: contribution m~g7~b3~y${i} has no valid extra.mix`));
  });
});
