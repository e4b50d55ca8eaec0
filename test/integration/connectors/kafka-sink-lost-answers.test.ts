import { createDeadLetterWriter } from '../../../connectors/dead-letter';
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { NonFiniteError } from '../../../src/errors';
import { testBrokers, uniqueName } from '../../support/kafka';
import { lossyProduceSockets } from '../../support/lossy-sockets';
import { readAll } from '../topology/support';

/**
 * The broker stores a request but its answer is lost, more times than kafkajs retries a send (5): the
 * request fails with its outcome unknown. Ten dead letters sent together share one request, as in a
 * trainer whose letters are written in the background. Seven losses, so that on three partitions kafkajs's
 * round-robin would put the eighth attempt's keyless letters elsewhere (70 mod 3 ≠ 0) unless each keeps
 * its first partition. Without the resend, or without stable partitions, each letter is stored twice.
 */
describe('the Kafka sink when the answers to a stored request are lost', () => {
  it.each([1, 3])(
    'writes each of ten dead letters once (topic of %i partitions, keyless letters)',
    async (partitions) => {
      const brokers = testBrokers();
      const topic = uniqueName('sink-lost-answers');
      await ensureTopics({ brokers }, [{ topic, partitions }]);
      const sockets = lossyProduceSockets(7);
      const sink = createKafkaSink({ brokers, kafkaJs: { socketFactory: sockets.socketFactory }, resendRetry: { retries: 5, initialDelayMs: 50 } });
      const writer = createDeadLetterWriter({ sink, topic, retry: { retries: 5, initialDelayMs: 50 } });
      const offsets = Array.from({ length: 10 }, (_, i) => String(100 + i));
      try {
        await sink.connect();
        await Promise.all(
          offsets.map((offset) =>
            writer.write({
              raw: { key: null, value: Buffer.from(`bad ${offset}`), headers: {} },
              error: new NonFiniteError(`bad record at ${offset}`),
              position: { topic: 'input', partition: 0, offset },
            }),
          ),
        );
      } finally {
        await sink.close();
      }
      expect(sockets.lost()).toBe(7);
      const stored = (await readAll(brokers, topic)).map((record) => record.value!.toString());
      expect(stored.sort()).toEqual(offsets.map((offset) => `bad ${offset}`));
    },
    120_000,
  );
});
