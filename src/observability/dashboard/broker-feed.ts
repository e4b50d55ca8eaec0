import type { Subscription } from 'rxjs';
import { createKafkaClient, type KafkaConnection } from '../../../connectors/kafka/client';
import { readTopic, type RawRecord } from '../../../connectors/kafka/topic-reader';
import { errorMessage } from '../../errors';
import type { DashboardState } from './state';
import { parseDeadLetter, parseDrift, parseImportance, parseMetricsRecord, parseModelRecord } from './records';

/** The topics a topology's runtime writes, by the suffix `topicsFor` gives them (drift: `<topology>.drift`). */
const READERS: Record<string, (state: DashboardState, topology: string, record: RawRecord) => void> = {
  models: (state, topology, record) => {
    const point = parseModelRecord(record);
    if (point) state.checkpoint(topology, point);
  },
  metrics: (state, topology, record) => state.checkpoint(topology, parseMetricsRecord(record)),
  importance: (state, topology, record) => state.importance(topology, parseImportance(record)),
  dlq: (state, topology, record) => state.deadLetter(topology, parseDeadLetter(record)),
  drift: (state, topology, record) => state.drift(topology, parseDrift(record)),
};
const SHOWN = [...Object.keys(READERS), 'events'];

export interface BrokerFeedConfig {
  connection: KafkaConnection;
  /** Only topologies whose name starts with this. */
  prefix?: string;
  state: DashboardState;
  /** How often new topologies are looked for, and high watermarks fetched for the lag. */
  pollEveryMs?: number;
  /** Longest the broker holds each topic reader's fetch open while its topic is idle (readTopic's default, 100 ms). */
  followWaitMs?: number;
  log?(line: string): void;
}

export interface BrokerFeed {
  /** Resolves once the first look at the broker is done. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** `orders.ctr-logistic.models` → topology `orders.ctr-logistic`, suffix `models`. */
export function splitTopic(topic: string): { topology: string; suffix: string } | undefined {
  const dot = topic.lastIndexOf('.');
  return dot > 0 ? { topology: topic.slice(0, dot), suffix: topic.slice(dot + 1) } : undefined;
}

/**
 * Finds the topologies on the broker (every `<name>.models` topic, with its sibling topics) and follows
 * their topics from the first offset into the dashboard state, each with a group-less reader that commits
 * nothing. Looks again for new topologies, and fetches the input topics' high watermarks, every poll.
 */
export function startBrokerFeed({ connection, prefix = '', state, pollEveryMs = 2000, followWaitMs, log = () => undefined }: BrokerFeedConfig): BrokerFeed {
  const admin = createKafkaClient({ ...connection, clientId: 'streamlearn-dashboard' }).admin();
  const readers = new Map<string, Subscription>();
  let stopped = false;
  let connected = false;
  let lastFailure = '';

  const follow = (topic: string, topology: string, read: (typeof READERS)[string]) => {
    const subscription = readTopic({ ...connection, topic, follow: true, maxWaitMs: followWaitMs }).subscribe({
      next(event) {
        if (event.type !== 'record') return;
        try {
          read(state, topology, event.record);
        } catch (err) {
          state.unreadable(topology, errorMessage(err));
        }
      },
      error(err: unknown) {
        log(`dashboard: reading ${topic} failed, retrying at the next poll: ${errorMessage(err)}`);
        readers.delete(topic);
      },
    });
    readers.set(topic, subscription);
  };

  async function discover(): Promise<void> {
    const topics = await admin.listTopics();
    const byTopology = new Map<string, Record<string, string>>();
    for (const topic of topics) {
      const split = splitTopic(topic);
      if (!split || !SHOWN.includes(split.suffix) || !split.topology.startsWith(prefix)) continue;
      byTopology.set(split.topology, { ...byTopology.get(split.topology), [split.suffix]: topic });
    }
    for (const [topology, found] of byTopology) {
      if (!found.models) continue; // not a topology: no model topic
      if (stopped) return;
      state.addTopology(topology, found);
      for (const [suffix, topic] of Object.entries(found)) if (READERS[suffix] && !readers.has(topic)) follow(topic, topology, READERS[suffix]);
    }
  }

  async function fetchEnds(): Promise<void> {
    const ends = new Map<string, bigint>();
    const topics = new Set(state.inputPartitions().map((p) => p.topic));
    for (const topic of topics) {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${partition}`, BigInt(high));
    }
    state.highWatermarks(ends);
  }

  const poll = async () => {
    try {
      if (!connected) await admin.connect();
      connected = true;
      await discover();
      await fetchEnds();
      lastFailure = '';
    } catch (err) {
      // One line per distinct failure, not one per poll, while the broker is away.
      const line = `dashboard: the broker did not answer (${connection.brokers.join(',')}): ${errorMessage(err)}`;
      if (line !== lastFailure) log(line);
      lastFailure = line;
    }
  };
  // Polls never overlap: the next is scheduled once the previous has finished.
  let polling = poll();
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (!stopped) timer = setTimeout(() => (polling = poll().then(schedule)), pollEveryMs);
  };
  void polling.then(schedule);

  return {
    ready: polling,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const subscription of readers.values()) subscription.unsubscribe();
      readers.clear();
      await polling;
      await admin.disconnect().catch(() => undefined);
    },
  };
}
