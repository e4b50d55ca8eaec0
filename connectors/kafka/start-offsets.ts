import type { Admin } from 'kafkajs';
import { ConfigError } from '../../src/errors';
import type { RecordPosition } from '../types';

/**
 * Where a subscription starts reading each partition it is assigned (until it commits there):
 * - `committed`: the group's committed offset; partitions it never committed start at the earliest offset;
 * - `earliest` / `latest`: the partition's first offset / its end, whatever the group committed;
 * - `{ offsets }`: exactly these offsets (checkpoint restore); unlisted partitions behave as `committed`.
 */
export type StartFrom = 'committed' | 'earliest' | 'latest' | { offsets: RecordPosition[] };

const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function validateStartFrom(startFrom: StartFrom, topics: string[]): void {
  if (typeof startFrom === 'string') {
    if (!['committed', 'earliest', 'latest'].includes(startFrom)) {
      throw new ConfigError(`startFrom must be 'committed', 'earliest', 'latest' or { offsets }, got '${startFrom}'`);
    }
    return;
  }
  const seen = new Set<string>();
  for (const { topic, partition, offset } of startFrom.offsets) {
    const where = `startFrom.offsets entry ${topic}/${partition}`;
    if (!topics.includes(topic)) throw new ConfigError(`${where}: topic "${topic}" is not among the subscribed topics (${topics.join(', ')})`);
    if (!Number.isInteger(partition) || partition < 0) throw new ConfigError(`${where}: partition must be a whole number`);
    if (typeof offset !== 'string' || !DECIMAL.test(offset)) throw new ConfigError(`${where}: offset must be a decimal string >= 0, got "${offset}"`);
    const key = `${topic}/${partition}`;
    if (seen.has(key)) throw new ConfigError(`${where}: the partition is listed twice`);
    seen.add(key);
  }
}

/** Turns `startFrom` into explicit offsets, checking that every named partition exists. */
export async function resolveStartOffsets(admin: Admin, topics: string[], startFrom: StartFrom): Promise<RecordPosition[]> {
  if (startFrom === 'committed') return [];
  if (typeof startFrom === 'string') {
    const perTopic = await Promise.all(
      topics.map(async (topic) =>
        (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({ topic, partition, offset: startFrom === 'earliest' ? low : high })),
      ),
    );
    return perTopic.flat();
  }
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
  for (const { topic, partition } of startFrom.offsets) {
    const count = metadata.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (partition >= count) throw new ConfigError(`startFrom.offsets: topic "${topic}" has no partition ${partition} (it has ${count})`);
  }
  return startFrom.offsets;
}
