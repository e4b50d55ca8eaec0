import { lastValueFrom, of, toArray } from 'rxjs';
import type { DecodedRecord, MicroBatch } from '../../../connectors/types';
import { createRecoWorld } from '../../../src/datasets/reco-events';
import { DecodeError } from '../../../src/errors';
import { createRmse } from '../../../src/evaluation';
import type { Row } from '../../../src/features/stage';
import { createBiasedMF, EVENT_STRENGTH, isRecommender } from '../../../src/reco';
import { answerRequest, readRecommendRequest } from '../../../src/reco/recommend-request';
import { withEventStrength } from '../../../src/topology/operators/with-event-strength';
import { loadTopology } from '../../../src/topology/load-topology';
import { recoMf, recoServingTopics } from '../../../topologies/reco-mf';
import { take } from './support';

function batchOf(values: unknown[]): MicroBatch<Row> {
  const records = values.map(
    (value, i) => ({ topic: 't', partition: 0, offset: String(i), key: null, value, timestamp: 0, headers: {} }) as DecodedRecord<Row>,
  );
  return {
    topic: 't',
    partition: 0,
    records,
    deadLettered: 0,
    firstOffset: '0',
    lastOffset: String(values.length - 1),
    lag: 0,
    nextOffset: String(values.length),
    ack: async () => undefined,
  };
}

describe('the reco-mf topology', () => {
  it('learns ratings in micro-batches, test-then-train, to near the noise floor', () => {
    const topology = recoMf();
    expect(topology.config.label).toBe('rating');
    const model = topology.config.model();
    expect(isRecommender(model)).toBe(true);
    const rolling = createRmse({ window: 10_000 });
    const events = createRecoWorld({ users: 200, items: 200, factors: 4, noise: 0.5, seed: 41 }).events();
    for (let done = 0; done < 200_000; done += 500) {
      const rows = take(events, 500) as unknown as Row[];
      const ys = Float64Array.from(rows, (row) => row.rating as number);
      model.predictMany(rows).forEach((p, i) => rolling.update(ys[i], p));
      model.learnMany(rows, ys);
    }
    expect(rolling.get()).toBeLessThan(0.6);
    // The runtime dead-letters what transformOne refuses.
    expect(() => model.transformOne({ itemId: 'i1', rating: 3 } as Row)).toThrow(DecodeError);
  });

  it('under implicit feedback, labels events with their strength and learns BPR', async () => {
    const topology = recoMf({ feedback: 'implicit', prefix: 'p.' });
    expect(topology.config).toMatchObject({ label: 'strength', input: { topic: 'p.reco-mf.events' } });
    const events = [{ userId: 'u', itemId: 'i', event: 'buy' }, { userId: 'u', itemId: 'j', event: 'like' }, null];
    const [batch] = await lastValueFrom(of(batchOf(events)).pipe(topology.config.transformBatches!, toArray()));
    expect(batch.records.map((r) => r.value)).toEqual([{ ...events[0], strength: EVENT_STRENGTH.buy }, events[1], null]);
    expect(batch.nextOffset).toBe('3');
    const model = topology.config.model();
    expect(model.kind).toBe('BprMF');
    const [plain] = await lastValueFrom(of(batchOf(events)).pipe(withEventStrength({ field: 'w' }), toArray()));
    expect(plain.records[0].value).toEqual({ ...events[0], w: 2 });
  });

  it('loads by name, and names its serving topics after its prefix', () => {
    expect(loadTopology('reco-mf', { prefix: 'x.' }).modelId).toBe('x.reco-mf');
    expect(recoServingTopics('x.')).toEqual({
      requestsTopic: 'x.reco-mf.requests',
      recommendationsTopic: 'x.reco-mf.recommendations',
      deadLetterTopic: 'x.reco-mf.serving-dlq',
    });
  });
});

describe('recommendation requests', () => {
  it('are checked field by field, naming where', () => {
    const where = 'req/0@5';
    const read = (value: unknown) => () => readRecommendRequest(value, where, 100);
    expect(read({ requestId: 'r1', userId: 'u1' })()).toEqual({ requestId: 'r1', userId: 'u1', k: 10, exclude: [], context: undefined });
    expect(read([1])).toThrow('req/0@5: the request is array(1), not an object');
    expect(read({ userId: 'u1' })).toThrow('req/0@5: requestId must be a non-empty string, got undefined');
    expect(read({ requestId: 'r', userId: '' })).toThrow('userId must be a non-empty string or a finite number, got ""');
    expect(read({ requestId: 'r', userId: 'u', k: 101 })).toThrow('k must be an integer in [1, 100], got 101');
    expect(read({ requestId: 'r', userId: 'u', exclude: 'i1' })).toThrow('exclude must be an array of item ids');
    expect(read({ requestId: 'r', userId: 'u', context: 3 })).toThrow('context must be an object');
  });

  it('are answered with the model’s top-K and the version that answered', () => {
    const model = createBiasedMF({ seed: 3 });
    for (const e of take(createRecoWorld({ users: 20, items: 30 }).events(), 2000)) model.learnOne(e, e.rating);
    const request = readRecommendRequest({ requestId: 'r1', userId: 'u4', k: 3, exclude: ['i0'] }, 'here', 10);
    const answer = answerRequest(request, model, 7, Date.now());
    expect(answer).toMatchObject({ requestId: 'r1', userId: 'u4', modelVersion: 7, items: model.recommend('u4', 3, { exclude: ['i0'] }) });
    expect(answer.items).toHaveLength(3);
    expect(answer.latencyMs).toBeGreaterThanOrEqual(0);
  });
});
