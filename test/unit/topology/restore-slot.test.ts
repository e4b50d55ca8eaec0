/** `newSlot` restores the label guard's learned outlier bound from a checkpoint's `extra`, and starts fresh without one. */
import { buildCheckpoint } from '../../../src/checkpoints/envelope';
import { createLabelGuard } from '../../../src/topology/label-guard';
import { LABEL_GUARD_KEY, newSlot } from '../../../src/topology/restore';
import { regressionTopology } from './harness';

const topology = regressionTopology();
const where = () => 'events/0@9';

function checkpointWithGuard(saved: unknown) {
  const state = topology.config.model().state();
  const fields = { modelId: topology.modelId, version: 4, offsets: [], examplesSeen: 0, metrics: {}, extra: { [LABEL_GUARD_KEY]: saved } };
  return { manifest: buildCheckpoint(fields as never, state).manifest, state };
}

describe('newSlot and the label guard', () => {
  it('resumes the outlier bound learned before the checkpoint: an outlier is refused from the first event', () => {
    const guard = createLabelGuard({}, true);
    for (let i = 0; i < 200; i++) guard.accept(i % 10);
    const restored = newSlot(topology, topology.modelId, checkpointWithGuard(guard.state()));
    expect(restored.version).toBe(4);
    expect(restored.labelGuard.check(1e6, where)?.message).toMatch(/^events\/0@9: label 1000000 is beyond the outlier bound .* learned from 200 labels$/);
    expect(restored.labelGuard.check(5, where)).toBeNull();
    // A fresh slot has learned no bound yet: it lets the same label through while it warms up.
    expect(newSlot(topology, topology.modelId).labelGuard.check(1e6, where)).toBeNull();
    expect(newSlot(topology, topology.modelId, checkpointWithGuard(guard.state()), true).labelGuard.check(1e6, where)).toBeNull();
  });

  it('starts a fresh guard when the saved one is not an object', () => {
    for (const saved of [null, 'bound', [1, 2], 7])
      expect(newSlot(topology, topology.modelId, checkpointWithGuard(saved)).labelGuard.check(1e6, where)).toBeNull();
  });
});
