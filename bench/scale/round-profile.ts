/**
 * The CPU of one mixing round, step by step, in one process and without Kafka: what `npm run bench -- scale`
 * reports per part ("Where mixing CPU goes"), split finer, so that a cut can be aimed and checked in seconds.
 * Two workers of regression-sgd (the scale bench's topology) learn 5k Friedman events each, then go through
 * a round as `mix-member.ts` and `mixer.ts` do: contribute, read the contributions, merge, publish, read the
 * version (both copies), adopt it with what was learned since carried on. Run: `node dist/bench/scale/round-profile.js [rounds]`.
 */
import '../../src/builtins';
import { createCheckpointAssembler } from '../../src/checkpoints/records';
import { createCheckpointPublisher } from '../../src/checkpoints/publisher';
import type { Checkpoint } from '../../src/checkpoints/envelope';
import type { CheckpointManifest } from '../../src/checkpoints/manifest';
import { friedmanStream } from '../../src/datasets/friedman';
import type { Row } from '../../src/features/stage';
import { mergeStates } from '../../src/learners/merge';
import { METRIC_STATE_KEY, encodeMetricStates, mergeMetricStates } from '../../src/topology/metric-state';
import { carryOnto, contributedAt } from '../../src/topology/mixing/adopt';
import { contributionRecords, createMixReader, type Contribution } from '../../src/topology/mixing/mix-records';
import { metricValues, type ModelSlot } from '../../src/topology/model-slot';
import { newSlot } from '../../src/topology/restore';
import { regressionSgd } from '../../topologies/regression-sgd';

const topology = regressionSgd({ prefix: 'round-' });
const events = friedmanStream({ seed: 3 });
const spent = new Map<string, number>();

function timed<T>(step: string, work: () => T): T {
  const started = process.cpuUsage();
  try {
    return work();
  } finally {
    const used = process.cpuUsage(started);
    spent.set(step, (spent.get(step) ?? 0) + used.user + used.system);
  }
}

function learn(slot: ModelSlot, n: number): void {
  const rows: Row[] = [];
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = events.next().value as Row;
    rows.push(e);
    ys[i] = e.y as number;
  }
  const predicted = slot.model.predictMany(rows);
  for (const metric of Object.values(slot.metrics)) for (let i = 0; i < n; i++) metric.update(ys[i], predicted[i]);
  slot.model.learnMany(rows, ys);
  slot.examplesSeen += n;
  slot.sinceCheckpoint += n;
}

async function main(rounds: number, perRound: number): Promise<void> {
  const slots = [0, 1].map(() => newSlot(topology, topology.modelId));
  const published: { key: string | null; value: Buffer | null }[] = [];
  const publisher = createCheckpointPublisher({
    sink: { send: async (_t, records) => void published.push(...(records as { key: string | null; value: Buffer | null }[])) },
    topic: 'm',
  });
  const readMix = createMixReader(topology.modelId, (reason) => console.error(reason));
  let base: Checkpoint | undefined;
  // Worker 0 runs the mixer: it takes its own versions from it (as mixer.ts's `published` does), worker 1 decodes them.
  const own = (manifest: CheckpointManifest) =>
    base?.manifest.version === manifest.version
      ? { ...base.state, arrays: Object.fromEntries(Object.entries(base.state.arrays).map(([n, a]) => [n, a.slice()])) }
      : undefined;
  const readers = slots.map((_, i) => createCheckpointAssembler({ modelId: topology.modelId, alreadyHeld: i === 0 ? own : undefined }));
  let baseExamples = 0;
  for (let round = 1; round <= rounds; round++) {
    slots.forEach((slot) => learn(slot, perRound));
    const contributed = slots.map((slot, i) => {
      const state = timed('contribute: model.state()', () => slot.model.state());
      const metricState = timed('contribute: encodeMetricStates', () => encodeMetricStates(slot.metrics, { windows: round % 20 === 1 }));
      const records = timed('contribute: envelope', () =>
        contributionRecords(topology.modelId, {
          generation: 1,
          base: base?.manifest.version ?? 0,
          member: `m${i}`,
          partitions: [i * 2, i * 2 + 1],
          learned: slot.examplesSeen - baseExamples,
          consumed: slot.sinceCheckpoint,
          offsets: [],
          examplesSeen: slot.examplesSeen,
          metrics: metricValues(slot.metrics),
          metricState,
          state,
        }),
      );
      const at = timed('contribute: contributedAt', () => contributedAt(slot, state));
      return { records, at };
    });
    slots.forEach((slot) => learn(slot, 500));
    const round_: Contribution[] = contributed.flatMap(({ records }) =>
      records.flatMap((r) => {
        const event = timed('mixer: read contribution', () => readMix({ key: r.key as string, value: r.value as Buffer }, 'mix'));
        return event?.type === 'contribution' ? [event.contribution] : [];
      }),
    );
    const weights = round_.map((c) => c.learned);
    const state = timed('mixer: mergeStates', () =>
      mergeStates(
        round_.map((c) => c.state),
        weights,
        base?.state,
      ),
    );
    const metricState = timed('mixer: mergeMetricStates', () =>
      mergeMetricStates(
        round_.map((c) => c.metricState),
        weights,
        base?.manifest.extra?.[METRIC_STATE_KEY],
      ),
    );
    const version = (base?.manifest.version ?? 0) + 1;
    published.length = 0;
    const fields = {
      modelId: topology.modelId,
      version,
      generation: 1,
      epoch: 0,
      offsets: [],
      examplesSeen: slots[0].examplesSeen,
      metrics: {},
      extra: { [METRIC_STATE_KEY]: metricState },
    };
    const manifest = await timed('mixer: publish', () => publisher.publish(fields, state));
    base = { manifest, state };
    baseExamples = manifest.examplesSeen;
    slots.forEach((slot, i) => {
      let checkpoint: Checkpoint | undefined;
      for (const r of published) {
        const got = timed('member: read version', () => readers[i].push({ key: r.key as string, value: r.value as Buffer }, 'model'));
        if (got) checkpoint = got;
      }
      timed('member: carryOnto', () => carryOnto({ topology, slot }, checkpoint!, contributed[i].at, [i * 2, i * 2 + 1]));
    });
  }
  const total = [...spent.values()].reduce((a, b) => a + b, 0);
  for (const [step, us] of [...spent].sort((a, b) => b[1] - a[1])) {
    console.log(`${step.padEnd(34)} ${(us / rounds).toFixed(0).padStart(6)} µs/round  ${((100 * us) / total).toFixed(1).padStart(5)}%`);
  }
  console.log(`${'total (2 workers, one round)'.padEnd(34)} ${(total / rounds).toFixed(0).padStart(6)} µs/round`);
  console.log(`version bytes: ${published.map((r) => r.value?.length ?? 0).join(' + ')}`);
}

void main(Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 5000));
