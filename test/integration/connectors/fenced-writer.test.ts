import { lastValueFrom, toArray } from 'rxjs';
import { openFencedWriter } from '../../../connectors/kafka/fenced-writer';
import { FencedError } from '../../../src/errors';
import { readTopic } from '../../../connectors/kafka/topic-reader';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { testBrokers, uniqueName } from '../../support/kafka';

/** The mixer's lease (docs/scale-out.md): a writer that opens the transactional id fences the one before. */
describe('fenced writer', () => {
  it('a successor fences its predecessor: the old one can no longer write, readers see only committed records, and "caught up" fires past the commit markers', async () => {
    const brokers = testBrokers();
    const topic = uniqueName('fenced');
    const transactionalId = uniqueName('mixer');
    await ensureTopics({ brokers }, [{ topic }]);
    const first = await openFencedWriter({ brokers, transactionalId });
    const second = await openFencedWriter({ brokers, transactionalId }).catch(async (err: unknown) => {
      await first.close();
      throw err;
    });
    try {
      await expect(first.send(topic, [{ key: 'old', value: 'zombie' }])).rejects.toThrow(FencedError);
      // Fenced for good: a second attempt fails at once, in one line naming the id.
      await expect(first.send(topic, [{ key: 'old', value: 'again' }])).rejects.toThrow(
        new RegExp(`^${transactionalId}: sending to ${topic} refused, this writer was fenced by a newer one$`),
      );
      await second.send(topic, [{ key: 'new', value: 'v1' }]);
      await second.send(topic, [{ key: 'new', value: 'v2' }]);
      // Completes only if "caught up" fires, which with transactional writes needs the commit marker counted.
      const events = await lastValueFrom(readTopic({ brokers, topic }).pipe(toArray()));
      const records = events.flatMap((e) => (e.type === 'record' ? [`${e.record.key}=${e.record.value?.toString()}`] : []));
      expect(records).toEqual(['new=v1', 'new=v2']);
      expect(events[events.length - 1]).toEqual({ type: 'caught-up' });
    } finally {
      await first.close();
      await second.close();
    }
  }, 60_000);
});
