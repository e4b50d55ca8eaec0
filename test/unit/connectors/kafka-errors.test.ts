import {
  brokerFailure,
  causeChain,
  isFatalProducerError,
  isKafkaRetriable,
  isOutcomeUnknown,
  isTooLargeError,
  isTopicGone,
  rebalanceCause,
  restartPolicy,
} from '../../../connectors/kafka/kafka-errors';
import { protocolError } from './fake-kafka';

const wrapped = (cause: unknown, name = 'KafkaJSError', retriable = false) => Object.assign(new Error(`wrapping`), { name, retriable, cause });

describe('reading kafkajs errors through their causes', () => {
  it('walks at most ten links of a cause chain, and none of a non-object', () => {
    let deep: unknown = protocolError('UNKNOWN_MEMBER_ID', false);
    for (let i = 0; i < 9; i++) deep = wrapped(deep);
    expect([...causeChain(deep)].length).toBe(10);
    expect(rebalanceCause(deep)?.message).toBe('unknown member id');
    expect(rebalanceCause(wrapped(deep))).toBeUndefined();
    expect([...causeChain('text')]).toEqual([]);
    expect([...causeChain(null)]).toEqual([]);
  });

  it.each(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'])(
    'takes %s, wrapped or not, as a rebalance',
    (type) => {
      const error = protocolError(type, true);
      expect(rebalanceCause(error)).toBe(error);
      expect(rebalanceCause(wrapped(error))).toBe(error);
    },
  );

  it('tells each kind of error by its protocol type anywhere in the chain', () => {
    const cases: Array<[(err: unknown) => boolean, string[]]> = [
      [isFatalProducerError, ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']],
      [isTooLargeError, ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']],
      [isTopicGone, ['UNKNOWN_TOPIC_OR_PARTITION']],
    ];
    for (const [test, types] of cases) {
      for (const type of types) expect([test.name, type, test(wrapped(protocolError(type, false)))]).toEqual([test.name, type, true]);
      expect(test(protocolError('REBALANCE_IN_PROGRESS', true))).toBe(false);
      expect(test(new Error('plain'))).toBe(false);
    }
    expect(rebalanceCause(protocolError('MESSAGE_TOO_LARGE', false))).toBeUndefined();
  });

  it('follows kafkajs on retrying: the root cause decides, and retries that ran out are retriable', () => {
    expect(isKafkaRetriable(wrapped(protocolError('LEADER_NOT_AVAILABLE', true)))).toBe(true);
    expect(isKafkaRetriable(wrapped(protocolError('TOPIC_AUTHORIZATION_FAILED', false), 'KafkaJSError', true))).toBe(false);
    expect(isKafkaRetriable(wrapped(protocolError('TOPIC_AUTHORIZATION_FAILED', false), 'KafkaJSNumberOfRetriesExceeded'))).toBe(true);
    expect(isKafkaRetriable(new Error('plain'))).toBe(false);
    const failure = brokerFailure('sending', protocolError('LEADER_NOT_AVAILABLE', true, 'There is no leader'));
    expect([failure.name, failure.message, failure.retriable, failure.code]).toEqual(['BrokerError', 'sending: There is no leader', true, 'BROKER']);
    expect(brokerFailure('x', new Error('y')).retriable).toBe(false);
  });

  it('takes a send as possibly stored when its answer never came or the broker could not confirm it, not after a refusal', () => {
    const connection = Object.assign(new Error('Connection error: read ECONNRESET'), { name: 'KafkaJSConnectionError', retriable: true });
    const timeout = Object.assign(new Error('Request Produce timed out'), { name: 'KafkaJSRequestTimeoutError', retriable: true });
    expect(isOutcomeUnknown(wrapped(connection, 'KafkaJSNonRetriableError'))).toBe(true);
    expect(isOutcomeUnknown(wrapped(timeout, 'KafkaJSNumberOfRetriesExceeded'))).toBe(true);
    for (const unconfirmed of ['NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'REQUEST_TIMED_OUT']) {
      expect([unconfirmed, isOutcomeUnknown(wrapped(protocolError(unconfirmed, true), 'KafkaJSNumberOfRetriesExceeded'))]).toEqual([unconfirmed, true]);
    }
    for (const refused of [
      'NOT_ENOUGH_REPLICAS',
      'NOT_LEADER_OR_FOLLOWER',
      'MESSAGE_TOO_LARGE',
      'UNKNOWN_TOPIC_OR_PARTITION',
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    ]) {
      expect([refused, isOutcomeUnknown(wrapped(protocolError(refused, true), 'KafkaJSNumberOfRetriesExceeded'))]).toEqual([refused, false]);
    }
    expect(isOutcomeUnknown(new Error('plain'))).toBe(false);
  });
});

describe('restartPolicy', () => {
  const transient = protocolError('LEADER_NOT_AVAILABLE', true);

  it('restarts after at most maxRestarts transient failures in a row, and counts again after a join', async () => {
    const policy = restartPolicy(2);
    expect([await policy.restartOnFailure(transient), await policy.restartOnFailure(transient), await policy.restartOnFailure(transient)]).toEqual([
      true,
      true,
      false,
    ]);
    policy.joined();
    expect(await policy.restartOnFailure(transient)).toBe(true);
    expect(await policy.restartOnFailure(protocolError('TOPIC_AUTHORIZATION_FAILED', false))).toBe(false);
    expect(await restartPolicy().restartOnFailure(transient)).toBe(true);
  });

  it('waits out a streak of transient failures for its patience, but not a deleted topic', async () => {
    let now = 1_000_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const policy = restartPolicy(0, 10_000);
      expect(await policy.restartOnFailure(transient)).toBe(true);
      now += 9_999;
      expect(await policy.restartOnFailure(transient)).toBe(true);
      now += 1;
      expect(await policy.restartOnFailure(transient)).toBe(false);
      policy.joined();
      expect(await policy.restartOnFailure(transient)).toBe(true);
      expect(await policy.restartOnFailure(protocolError('UNKNOWN_TOPIC_OR_PARTITION', true))).toBe(false);
      expect(await restartPolicy(0, 0).restartOnFailure(transient)).toBe(false);
    } finally {
      clock.mockRestore();
    }
  });
});
