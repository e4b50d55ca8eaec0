import { createHash } from 'node:crypto';
import { DEAD_LETTER_HEADERS } from '../../connectors/dead-letter';
import { createKafkaClient } from '../../connectors/kafka/client';
import { ensureTopics } from '../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../src/checkpoints/latest';
import { friedmanStream } from '../../src/datasets/friedman';
import { DeadLetterError } from '../../src/errors';
import type { Row } from '../../src/features/stage';
import { runTopology } from '../../src/topology/run-topology';
import type { Topology } from '../../src/topology/topology';
import { regressionSgd } from '../../topologies/regression-sgd';
import { committedOffsets } from '../integration/connectors/support';
import { produce, readAll, take } from '../integration/topology/support';
import { testBrokers, uniqueName } from '../support/kafka';

const runToEnd = async (brokers: string[], topology: Topology, records: number) =>
  (await runTopology(topology, { brokers, until: (p) => p.records >= records })).done;

async function finalCheckpoint(brokers: string[], topology: Topology) {
  return (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId)!;
}

describe('dead-letter faults', () => {
  it('a record too large for the dead-letter topic is dead-lettered truncated, marked with its size and SHA-256; the trainer goes on', async () => {
    const brokers = testBrokers();
    const topology = regressionSgd({ prefix: `${uniqueName('dlq-small')}.` });
    const { input, outputs } = { input: topology.config.input.topic, outputs: topology.config.outputs };
    // A dead-letter topic that exists already, with a limit far below the input's records.
    await ensureTopics({ brokers }, [{ topic: input }, { topic: outputs.deadLetterTopic, maxMessageBytes: 4096 }]);
    const events = take(friedmanStream({ seed: 8 }), 2000) as unknown as Row[];
    const huge = `{"x0": ${'1'.repeat(200_000)}`;
    await produce(brokers, input, [...events.slice(0, 1000), huge, ...events.slice(1000)]);
    await runToEnd(brokers, topology, 2001);

    const [letter, ...others] = await readAll(brokers, outputs.deadLetterTopic);
    expect(others).toEqual([]);
    expect(letter.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.truncated]: 'true',
      [DEAD_LETTER_HEADERS.originalSize]: String(huge.length),
      [DEAD_LETTER_HEADERS.originalSha256]: createHash('sha256').update(huge).digest('hex'),
      [DEAD_LETTER_HEADERS.offset]: '1000',
      [DEAD_LETTER_HEADERS.code]: 'MALFORMED',
    });
    expect(letter.value!.length).toBeLessThan(4096);
    expect(letter.value!.equals(Buffer.from(huge).subarray(0, letter.value!.length))).toBe(true);
    const final = await finalCheckpoint(brokers, topology);
    expect(final.manifest.offsets[0].offset).toBe('2001');
    expect(final.manifest.examplesSeen).toBe(2000);
  });

  it('a dead-letter topic the runtime creates fits the largest record the input topic accepts: dead-lettered whole', async () => {
    const brokers = testBrokers();
    const topology = regressionSgd({ prefix: `${uniqueName('dlq-fits')}.` });
    const input = topology.config.input.topic;
    await ensureTopics({ brokers }, [{ topic: input, maxMessageBytes: 3 * 1024 * 1024 }]);
    const huge = `[${'7,'.repeat(1_200_000)}7]`;
    await produce(brokers, input, [...(take(friedmanStream({ seed: 9 }), 100) as unknown as Row[]), huge]);
    await runToEnd(brokers, topology, 101);
    const [letter] = await readAll(brokers, topology.config.outputs.deadLetterTopic);
    expect(letter.value!.length).toBe(huge.length);
    expect(letter.value!.equals(Buffer.from(huge))).toBe(true);
    expect(letter.headers[DEAD_LETTER_HEADERS.truncated]).toBeUndefined();
  });

  it('a missing dead-letter topic: bounded retries, one clear line, nothing committed past the record; a restart once it is back loses nothing', async () => {
    const brokers = testBrokers();
    const topology = regressionSgd({ prefix: `${uniqueName('dlq-missing')}.`, checkpoint: { everyRecords: 300, everyMs: 60_000 } });
    const { topic: input } = topology.config.input;
    const dlq = topology.config.outputs.deadLetterTopic;
    const events = take(friedmanStream({ seed: 10 }), 2000) as unknown as Row[];
    await ensureTopics({ brokers }, [{ topic: input }]);
    await produce(brokers, input, events.slice(0, 1000));

    const running = await runTopology(topology, { brokers, deadLetterRetry: { retries: 2, initialDelayMs: 100 } });
    await new Promise<void>((resolve) => running.steps.subscribe({ next: (step) => step.progress.records >= 1000 && resolve(), error: () => undefined }));
    const admin = createKafkaClient({ brokers }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [dlq] });
    // Deletion completes in the background: wait until the broker no longer lists the topic.
    while ((await admin.listTopics()).includes(dlq)) await new Promise((resolve) => setTimeout(resolve, 200));
    await admin.disconnect();
    await produce(brokers, input, ['{"x0": oops', ...events.slice(1000)]);

    const failure = await running.done.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(DeadLetterError);
    const line = (failure as Error).message;
    expect(line).toContain(`cannot dead-letter ${input}/0@1000 to "${dlq}"`);
    expect(line).not.toContain('\n');
    // Nothing past the record that could not be dead-lettered is committed or checkpointed.
    const resumeAt = Number((await finalCheckpoint(brokers, topology)).manifest.offsets[0].offset);
    expect(resumeAt).toBeLessThanOrEqual(1000);
    expect(Number((await committedOffsets(brokers, topology.modelId, input)).get(0))).toBe(resumeAt);

    // A restart recreates the topic (as an operator would) and resumes from the checkpoint: nothing is lost.
    await runToEnd(brokers, topology, 2001 - resumeAt);
    const final = await finalCheckpoint(brokers, topology);
    expect(final.manifest.offsets[0].offset).toBe('2001');
    expect(final.manifest.examplesSeen).toBe(2000);
    const letters = await readAll(brokers, dlq);
    expect(letters.map((letter) => [letter.headers[DEAD_LETTER_HEADERS.offset], letter.value!.toString()])).toEqual([['1000', '{"x0": oops']]);
  });
});
