/** `defineTopology`'s checks and defaults, `topicsFor` and `readyMadeTopology`: a mistake fails at definition, never mid-stream. */
import { createJsonCodec } from '../../../connectors/codecs/json';
import { ConfigError } from '../../../src/errors';
import { defineTopology, readyMadeTopology, topicsFor, type TopologyConfig } from '../../../src/topology/topology';
import { regressionTopology } from './harness';

const drift = { detector: { kind: 'ADWIN' as const }, on: 'absolute-error' as const, action: 'reset' as const };

describe('defineTopology', () => {
  it('defaults: model id and group after the name, one shared model, a checkpoint every 10,000 records or 5 s, no floor', () => {
    const topology = regressionTopology();
    expect(topology).toMatchObject({
      modelId: 'unit-regression',
      modelScope: 'shared',
      checkpointEveryRecords: 10_000,
      checkpointEveryMs: 5_000,
      checkpointMinIntervalMs: 0,
    });
    expect(regressionTopology({ modelId: 'm1', modelScope: 'per-partition', checkpoint: { everyRecords: 7, everyMs: Infinity } })).toMatchObject({
      modelId: 'm1',
      modelScope: 'per-partition',
      checkpointEveryRecords: 7,
      checkpointEveryMs: Infinity,
    });
  });

  it.each<[string, Partial<TopologyConfig>, string]>([
    ['a name with a space', { name: 'my model' }, 'topology name "my model" must use only a-z A-Z 0-9 . _ -'],
    ['an empty name', { name: '' }, 'topology name "" must use only a-z A-Z 0-9 . _ -'],
    ['no label', { label: '' }, 'topology unit-regression: label must name the event field holding the target'],
    ['no model topic', { outputs: { modelTopic: '', deadLetterTopic: 'dlq' } }, 'outputs.modelTopic and outputs.deadLetterTopic are required'],
    ['no dead-letter topic', { outputs: { modelTopic: 'models', deadLetterTopic: '' } }, 'outputs.modelTopic and outputs.deadLetterTopic are required'],
    ['an unknown scope', { modelScope: 'global' as never }, "topology unit-regression: modelScope must be 'shared' or 'per-partition'"],
    ['drift without its topic', { drift }, 'topology unit-regression: drift needs outputs.driftTopic'],
    ['a zero record cadence', { checkpoint: { everyRecords: 0 } }, 'checkpoint.everyRecords must be positive (Infinity to disable), got 0'],
    ['a negative time cadence', { checkpoint: { everyMs: -5 } }, 'checkpoint.everyMs must be positive (Infinity to disable), got -5'],
    ['a NaN cadence', { checkpoint: { everyMs: NaN } }, 'checkpoint.everyMs must be positive (Infinity to disable), got NaN'],
  ])('refuses %s, naming it', (_, config, message) => {
    const define = () => regressionTopology(config);
    expect(define).toThrow(ConfigError);
    expect(define).toThrow(message);
  });

  it('accepts drift with its topic, and names with dots, dashes and underscores', () => {
    const outputs = { modelTopic: 'models', deadLetterTopic: 'dlq', driftTopic: 'drift' };
    expect(regressionTopology({ name: 'a.b-c_D9', drift, outputs }).modelId).toBe('a.b-c_D9');
  });
});

describe('topicsFor and readyMadeTopology', () => {
  it('names every topic after the topology, behind the prefix', () => {
    expect(topicsFor('ctr', 'team1.')).toEqual({
      input: 'team1.ctr.events',
      modelTopic: 'team1.ctr.models',
      metricsTopic: 'team1.ctr.metrics',
      deadLetterTopic: 'team1.ctr.dlq',
      importanceTopic: 'team1.ctr.importance',
      driftTopic: 'team1.ctr.drift',
    });
    expect(topicsFor('ctr').input).toBe('ctr.events');
  });

  const spec = { codec: createJsonCodec(), label: 'y', model: regressionTopology().config.model, metrics: regressionTopology().config.metrics };

  it('shapes a ready-made topology with the user’s options, its own checkpoint cadence otherwise', () => {
    const plain = readyMadeTopology('ctr', {}, spec);
    expect(plain.config.name).toBe('ctr');
    expect(plain.config.input).toMatchObject({ topic: 'ctr.events', partitions: 1 });
    expect(plain.config.outputs).toEqual(topicsFor('ctr'));
    expect([plain.checkpointEveryRecords, plain.checkpointEveryMs]).toEqual([20_000, 2_000]);
    expect(readyMadeTopology('ctr', {}, { ...spec, checkpoint: { everyRecords: 5 } }).checkpointEveryRecords).toBe(5);

    const shaped = readyMadeTopology(
      'ctr',
      { prefix: 'p.', partitions: 3, checkpoint: { everyRecords: 9 }, batch: { maxRecords: 4 }, modelScope: 'per-partition', drift },
      spec,
    );
    expect(shaped.modelId).toBe('p.ctr');
    expect(shaped.config.input).toMatchObject({ topic: 'p.ctr.events', partitions: 3 });
    expect(shaped.checkpointEveryRecords).toBe(9);
    expect(shaped.config.batch).toEqual({ maxRecords: 4 });
    expect(shaped.modelScope).toBe('per-partition');
    expect(shaped.config.drift).toEqual(drift);
    // The topology's own drift setting unless the options replace it.
    expect(readyMadeTopology('ctr', {}, { ...spec, drift }).config.drift).toEqual(drift);
  });
});

it('defineTopology keeps the config it was given', () => {
  const config = regressionTopology().config;
  expect(defineTopology(config).config).toBe(config);
});
