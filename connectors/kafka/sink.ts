import { CompressionTypes, Partitioners, type ICustomPartitioner, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { BrokerError, ConfigError } from '../../src/errors';
import { retry, type RetryOptions } from '../../src/retry';
import { requirePositiveInteger } from '../codecs/validate';
import { createKafkaClient, type KafkaClientConfig } from './client';
import { connectionOf, validateConnection, type KafkaConnection } from './connection';
import { brokerFailure, isFatalProducerError, isOutcomeUnknown } from './kafka-errors';

export interface OutgoingMessage {
  key?: string | Buffer | null;
  value: Buffer | string | null;
  /** Strings, or bytes as they arrived (a repeated name as an array), e.g. a dead letter's original headers. */
  headers?: Record<string, string | Buffer | Buffer[]>;
  /** Chosen by the default (murmur2, Java-compatible) partitioner from the key when absent. */
  partition?: number;
  /** Milliseconds since the epoch; the broker's time when absent. */
  timestamp?: number;
}

export interface KafkaSinkConfig extends KafkaConnection {
  clientId?: string;
  /** Most messages in one produce request. Default 5000. */
  maxBatchMessages?: number;
  /**
   * Most bytes (keys, values, headers) in one produce request. Default 900 000, under the broker's default
   * `max.message.bytes` of about 1 MiB, which bounds each partition's share of a request.
   */
  maxBatchBytes?: number;
  /** How long a send waits for others to share its request. Default 0: only sends made in the same tick. */
  lingerMs?: number;
  /**
   * With `lingerMs` 0, send as soon as the current synchronous work is done (a microtask) instead of after
   * the event loop's next turn. For records a reader is waiting for (checkpoints), on a sink of their own:
   * in a trainer, the next turn is often a whole micro-batch of learning (25–70 ms under load).
   */
  latencyBound?: boolean;
  /** Retries after a fatal producer error, each with a new producer. Default: src/retry.ts defaults. */
  recreateRetry?: RetryOptions;
  /**
   * Resends of a request whose outcome is unknown (see `createKafkaSink`), after kafkajs's own retries ran
   * out. Default: src/retry.ts defaults (5 resends, each with kafkajs's retries: about a minute of outage).
   */
  resendRetry?: RetryOptions;
  /** Overrides for kafkajs's client (e.g. a `socketFactory` for a proxy); ours stay behind this interface. */
  kafkaJs?: KafkaClientConfig['kafkaJs'];
  /**
   * Producer compression of every request: `gzip` (the only codec kafkajs ships) or `none` (default).
   * Checkpoints do not pay for it: see docs/checkpoint-format.md, "Compression", for the measurement.
   */
  compression?: 'none' | 'gzip';
}

export interface KafkaSink {
  /** Resolves once every message is acknowledged by all in-sync replicas (acks=all). */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Connects the producer now instead of at the first send (for a first send that must be as quick as the next). */
  connect(): Promise<void>;
  /** Waits for pending sends, then disconnects. */
  close(): Promise<void>;
}

interface Send {
  remaining: number;
  settled: boolean;
  resolve(): void;
  reject(err: unknown): void;
}

/** A slice of one send() that fits in a request. */
interface Part {
  topic: string;
  messages: Message[];
  bytes: number;
  send: Send;
}

const RECORD_OVERHEAD_BYTES = 70;

function byteLength(value: Buffer | string | Buffer[] | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (Array.isArray(value)) return value.reduce((sum, one) => sum + one.length, 0);
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

function toKafkaMessage(message: OutgoingMessage): { message: Message; bytes: number } {
  const headers = message.headers ?? {};
  const headerBytes = Object.entries(headers).reduce((sum, [name, value]) => sum + byteLength(name) + byteLength(value), 0);
  return {
    message: {
      key: message.key ?? null,
      value: message.value,
      headers,
      ...(message.partition === undefined ? {} : { partition: message.partition }),
      ...(message.timestamp === undefined ? {} : { timestamp: String(message.timestamp) }),
    },
    bytes: byteLength(message.key) + byteLength(message.value) + headerBytes + RECORD_OVERHEAD_BYTES,
  };
}

/**
 * An idempotent producer (acks=all) behind a queue: sends made close together are coalesced into
 * requests of at most `maxBatchMessages` / `maxBatchBytes`, and requests go out one at a time, which keeps
 * per-partition order across sends and avoids the concurrent-send sequence errors of kafkajs#598. When the
 * producer hits a fatal error anyway, it is replaced by a new one (new producer id) and the request is
 * retried; messages of a request that partly succeeded may then be written twice.
 *
 * A request whose answer was lost (the connection broke, a broker died between its append and its answer)
 * may be stored already. It is sent again as it was, by the same producer: kafkajs gives it the same
 * sequence numbers and the same partitions (`stablePartitions`), so the broker recognises the batch it holds
 * and answers without writing it again. Failing its sends instead would let each sender retry on its own;
 * regrouped into other requests, the broker refuses them as out of order, and the new producer that cures
 * that writes them a second time (ten dead letters twice, test/integration/connectors/kafka-sink-lost-answers.test.ts).
 */
export function createKafkaSink(config: KafkaSinkConfig): KafkaSink {
  const { clientId = 'streamlearn-sink', lingerMs = 0, recreateRetry = {}, resendRetry = {}, latencyBound = false, kafkaJs } = config;
  const maxBatchMessages = requirePositiveInteger('createKafkaSink', 'maxBatchMessages', config.maxBatchMessages ?? 5000);
  const maxBatchBytes = requirePositiveInteger('createKafkaSink', 'maxBatchBytes', config.maxBatchBytes ?? 900_000);
  if (!Number.isFinite(lingerMs) || lingerMs < 0) throw new ConfigError(`createKafkaSink: lingerMs must be >= 0, got ${lingerMs}`);
  const codec = config.compression ?? 'none';
  if (codec !== 'none' && codec !== 'gzip') throw new ConfigError(`createKafkaSink: compression must be "none" or "gzip", got "${String(codec)}"`);
  const compression = codec === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  const kafka = createKafkaClient({ ...validateConnection('createKafkaSink', connectionOf(config)), clientId, ...(kafkaJs ? { kafkaJs } : {}) });

  const queue: Part[] = [];
  let producer: Promise<Producer> | undefined;
  let draining: Promise<void> | undefined;
  let closed = false;

  function connectedProducer(): Promise<Producer> {
    producer ??= (async () => {
      // Retries are bounded so that a lost broker surfaces as an error instead of an endless wait.
      const created = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: 5 },
        createPartitioner: stablePartitions,
      });
      await created.connect();
      return created;
    })().catch((err: unknown) => {
      producer = undefined;
      throw err;
    });
    return producer;
  }

  async function discardProducer(): Promise<void> {
    const old = producer;
    producer = undefined;
    await old?.then((p) => p.disconnect()).catch(() => undefined);
  }

  function takeRequest(): Part[] {
    const request: Part[] = [];
    let messages = 0;
    let bytes = 0;
    while (queue.length > 0) {
      const next = queue[0];
      if (request.length > 0 && (messages + next.messages.length > maxBatchMessages || bytes + next.bytes > maxBatchBytes)) break;
      request.push(next);
      queue.shift();
      messages += next.messages.length;
      bytes += next.bytes;
    }
    return request;
  }

  async function produce(request: Part[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const part of request) {
      const messages = byTopic.get(part.topic) ?? [];
      messages.push(...part.messages);
      byTopic.set(part.topic, messages);
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const active = await connectedProducer();
    try {
      await active.sendBatch({ acks: -1, topicMessages, compression });
    } catch (err) {
      if (isFatalProducerError(err)) await discardProducer();
      throw err;
    }
  }

  async function drain(): Promise<void> {
    if (lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
    else if (latencyBound) await Promise.resolve();
    else await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      const request = takeRequest().filter((part) => !part.send.settled);
      if (request.length === 0) continue;
      try {
        const withNewProducers = () => retry(() => produce(request), { ...recreateRetry, shouldRetry: isFatalProducerError });
        await retry(withNewProducers, { ...resendRetry, shouldRetry: isOutcomeUnknown });
        for (const { send } of request) if (--send.remaining === 0 && !send.settled) settle(send);
      } catch (err) {
        const topics = [...new Set(request.map((part) => part.topic))].join(', ');
        const count = request.reduce((sum, part) => sum + part.messages.length, 0);
        const failure = brokerFailure(`sending ${count} messages to ${topics}`, err);
        for (const { send } of request) if (!send.settled) settle(send, failure);
      }
    }
  }

  function settle(send: Send, err?: unknown): void {
    send.settled = true;
    if (err === undefined) send.resolve();
    else send.reject(err);
  }

  function schedule(): void {
    draining ??= drain().finally(() => {
      draining = undefined;
      if (queue.length > 0) schedule();
    });
  }

  function enqueue(topic: string, messages: OutgoingMessage[], send: Send): void {
    let part: Part = { topic, messages: [], bytes: 0, send };
    const parts = [part];
    for (const outgoing of messages) {
      const { message, bytes } = toKafkaMessage(outgoing);
      if (part.messages.length > 0 && (part.messages.length >= maxBatchMessages || part.bytes + bytes > maxBatchBytes)) {
        part = { topic, messages: [], bytes: 0, send };
        parts.push(part);
      }
      part.messages.push(message);
      part.bytes += bytes;
    }
    send.remaining = parts.length;
    queue.push(...parts);
    schedule();
  }

  return {
    send(topic, messages) {
      if (closed) return Promise.reject(new BrokerError(`the Kafka sink is closed; cannot send to "${topic}"`));
      if (messages.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => enqueue(topic, messages, { remaining: 0, settled: false, resolve, reject }));
    },
    async connect() {
      await connectedProducer();
    },
    async close() {
      closed = true;
      while (draining) await draining;
      await discardProducer();
    },
  };
}

/**
 * kafkajs's default partitioner, except that a message keeps the partition it was first given: a keyless one
 * goes round-robin, so a request sent again would otherwise be regrouped by partition and not recognised.
 */
const stablePartitions: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const given = new WeakMap<Message, number>();
  return (args) => {
    const earlier = given.get(args.message);
    if (earlier !== undefined && earlier < args.partitionMetadata.length) return earlier;
    const partition = partitioner(args);
    given.set(args.message, partition);
    return partition;
  };
};
