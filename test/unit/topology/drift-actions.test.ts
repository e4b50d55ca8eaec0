/**
 * `driftResponder` (src/topology/drift-actions.ts) on a slot, with a scripted watch: what each detection
 * publishes, that only the first upward detection of a batch acts, and what alert, reset and rollback do to
 * the slot and the model topic (drift-run.test.ts runs the same through runTopology with a real detector).
 */
import '../../../src/builtins';
import type { OutgoingMessage } from '../../../connectors/kafka/sink';
import { createCheckpointAssembler } from '../../../src/checkpoints/records';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';
import { archiveKey, driftResponder } from '../../../src/topology/drift-actions';
import type { DriftRecord } from '../../../src/topology/drift-record';
import type { Detection, DriftAction, DriftWatch, RollbackPoint } from '../../../src/topology/drift-watch';
import type { ModelSlot } from '../../../src/topology/model-slot';
import type { LearnedBatch } from '../../../src/topology/operators/learn-batch';
import { newSlot } from '../../../src/topology/restore';
import { linearEvents, regressionTopology } from './harness';

const topology = regressionTopology();

function learnedSlot(): ModelSlot {
  const slot = newSlot(topology, 'm');
  const rows = linearEvents(12);
  slot.model.learnMany(
    rows,
    Float64Array.from(rows, (row) => row.y as number),
  );
  slot.version = 4;
  slot.examplesSeen = 12;
  slot.offsets.set('events/0', { topic: 'events', partition: 0, offset: '12' });
  slot.journal = [{ where: 'events/0@0..11' } as unknown as ModelSlot['journal'][number]];
  return slot;
}

const detection = (direction: number, offset: number, rollingError = 0.5): Detection => ({
  at: { topic: 'events', partition: 0, offset: String(offset) },
  detector: 'ADWIN',
  statistic: 2.5,
  threshold: 1,
  direction,
  count: offset + 1,
  rollingError,
});

function scriptedWatch(action: DriftAction, detections: Detection[], target?: RollbackPoint) {
  const calls: string[] = [];
  const watch = {
    config: { on: 'absolute-error', action },
    takeDetections: () => detections.splice(0),
    rollbackTarget: (than: number) => {
      calls.push(`rollbackTarget ${than}`);
      return target;
    },
    restartDetector: () => void calls.push('restartDetector'),
  } as unknown as DriftWatch;
  return { watch, calls };
}

function responder(watch: DriftWatch | undefined) {
  const sent: Array<{ topic: string; messages: OutgoingMessage[] }> = [];
  const events: string[] = [];
  const respond = driftResponder({
    topology,
    sink: { send: async (topic, messages) => void sent.push({ topic, messages }) },
    driftTopic: 'drift',
    watchFor: () => watch,
    exclusive: async (task) => {
      events.push('exclusive');
      return task();
    },
    checkpointNow: async (slot) => {
      events.push(`checkpoint at ${slot.examplesSeen} examples`);
      slot.version += 1;
      return { version: slot.version } as CheckpointManifest;
    },
  });
  const drift = () => sent.filter((s) => s.topic === 'drift').flatMap((s) => s.messages.map((m) => JSON.parse(String(m.value)) as DriftRecord));
  const keys = () => sent.filter((s) => s.topic === 'drift').flatMap((s) => s.messages.map((m) => m.key));
  return { respond, sent, events, drift, keys };
}

const step = (slot: ModelSlot) => ({ slot }) as LearnedBatch;

describe('driftResponder', () => {
  it('publishes nothing without a watch or without detections', async () => {
    const slot = learnedSlot();
    const none = responder(undefined);
    await none.respond(step(slot));
    const quiet = responder(scriptedWatch('reset', []).watch);
    await quiet.respond(step(slot));
    expect([...none.sent, ...quiet.sent]).toEqual([]);
  });

  it('alert: publishes every detection keyed by model and position; only the first rise acts, and the model stays', async () => {
    const slot = learnedSlot();
    const weights = Array.from(slot.model.state().arrays['model/weights']);
    const { watch, calls } = scriptedWatch('alert', [detection(-1, 5), detection(1, 7, NaN), detection(1, 9)]);
    const run = responder(watch);
    await run.respond(step(slot));
    expect(run.sent.map((s) => s.topic)).toEqual(['drift']);
    expect(run.keys()).toEqual(['m@events/0@5', 'm@events/0@7', 'm@events/0@9']);
    const [down, first, second] = run.drift();
    expect(first).toEqual({
      topology: 'unit-regression',
      modelId: 'm',
      detector: 'ADWIN',
      on: 'absolute-error',
      statistic: 2.5,
      threshold: 1,
      direction: 'up',
      topic: 'events',
      partition: 0,
      offset: '7',
      watched: 8,
      rollingError: null,
      modelVersion: 4,
      action: 'alert',
      detectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(down).toMatchObject({ direction: 'down', action: 'none', rollingError: 0.5, offset: '5' });
    expect(second).toMatchObject({ direction: 'up', action: 'none', offset: '9' });
    expect(calls).toEqual([]);
    expect(run.events).toEqual([]);
    expect(Array.from(slot.model.state().arrays['model/weights'])).toEqual(weights);
    expect(slot.version).toBe(4);
  });

  it('reset: archives the model under <id>@drift-v<n>, starts a fresh one, restarts the detector and checkpoints it', async () => {
    const slot = learnedSlot();
    const old = slot.model.state();
    const { watch, calls } = scriptedWatch('reset', [detection(1, 11)]);
    const run = responder(watch);
    await run.respond(step(slot));
    expect(run.sent.map((s) => s.topic)).toEqual(['models', 'drift']);
    const assembler = createCheckpointAssembler();
    const archived = run.sent[0].messages
      .map((m, i) => assembler.push({ key: m.key as string, value: Buffer.from(m.value as Buffer) }, `models@${i}`))
      .find(Boolean)!;
    expect(archived.manifest).toMatchObject({
      modelId: archiveKey('m', 5),
      version: 5,
      examplesSeen: 12,
      offsets: [{ topic: 'events', partition: 0, offset: '12' }],
    });
    expect(archiveKey('m', 5)).toBe('m@drift-v5');
    expect(Array.from(archived.state.arrays['model/weights'])).toEqual(Array.from(old.arrays['model/weights']));
    expect(run.drift()[0]).toMatchObject({ action: 'reset', newVersion: 6, archivedAs: 'm@drift-v5', modelVersion: 4 });
    expect(run.drift()[0].rolledBackTo).toBeUndefined();
    expect(calls).toEqual(['restartDetector']);
    // The fresh model was checkpointed inside the exclusive section, with nothing learned.
    expect(run.events).toEqual(['exclusive', 'checkpoint at 0 examples']);
    const fresh = topology.config.model().state();
    expect(Array.from(slot.model.state().arrays['model/weights'])).toEqual(Array.from(fresh.arrays['model/weights']));
    expect(slot.examplesSeen).toBe(0);
    expect(slot.journal).toEqual([]);
    expect(slot.lastGood.examplesSeen).toBe(0);
    expect(Array.from(slot.lastGood.state.arrays['model/weights'])).toEqual(Array.from(fresh.arrays['model/weights']));
    expect(slot.version).toBe(6);
  });

  it('rollback: restores the target the watch finds below the detection’s rolling error', async () => {
    const slot = learnedSlot();
    const targetModel = topology.config.model();
    const rows = linearEvents(3);
    targetModel.learnMany(
      rows,
      Float64Array.from(rows, (row) => row.y as number),
    );
    const target: RollbackPoint = { version: 2, rollingError: 0.1, examplesSeen: 3, state: targetModel.state(), importance: null };
    const { watch, calls } = scriptedWatch('rollback', [detection(1, 11, 0.75)], target);
    const run = responder(watch);
    await run.respond(step(slot));
    expect(calls).toEqual(['rollbackTarget 0.75', 'restartDetector']);
    expect(run.drift()[0]).toMatchObject({ action: 'rollback', rolledBackTo: 2, newVersion: 6, archivedAs: 'm@drift-v5' });
    expect(Array.from(slot.model.state().arrays['model/weights'])).toEqual(Array.from(target.state.arrays['model/weights']));
    expect(slot.examplesSeen).toBe(3);
    expect(slot.lastGood.examplesSeen).toBe(3);
    expect(run.events).toEqual(['exclusive', 'checkpoint at 3 examples']);
  });

  it('rollback without a better kept checkpoint keeps the model and says why', async () => {
    const slot = learnedSlot();
    const weights = Array.from(slot.model.state().arrays['model/weights']);
    const { watch, calls } = scriptedWatch('rollback', [detection(1, 11, 0.75)]);
    const run = responder(watch);
    await run.respond(step(slot));
    expect(run.sent.map((s) => s.topic)).toEqual(['drift']);
    expect(run.drift()[0]).toMatchObject({
      action: 'none',
      note: 'rollback: no kept checkpoint had a lower rolling error than at the detection; the model is kept',
    });
    expect(run.drift()[0].newVersion).toBeUndefined();
    expect(calls).toEqual(['rollbackTarget 0.75']);
    expect(run.events).toEqual([]);
    expect(Array.from(slot.model.state().arrays['model/weights'])).toEqual(weights);
    expect([slot.version, slot.examplesSeen]).toEqual([4, 12]);
  });
});
