import { ConfigError } from '../../../src/errors';
import { connectionOf, describeConnection, securityProtocol, validateConnection, type KafkaConnection } from '../../../connectors/kafka/connection';
import { createKafkaClient } from '../../../connectors/kafka/client';

const SECRET = 'hunter2-do-not-print';

function failure(connection: KafkaConnection): string {
  try {
    validateConnection('test', connection);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the connection to be refused');
}

describe('validateConnection', () => {
  it('accepts host:port lists, IPv6 in brackets, and trims them', () => {
    expect(validateConnection('test', { brokers: [' a.example:9092', '[::1]:19092'] }).brokers).toEqual(['a.example:9092', '[::1]:19092']);
  });

  it.each([[[]], [['localhost']], [['localhost:0']], [['localhost:70000']], [['a b:9092']], [['http://x:9092']]])(
    'refuses brokers %j in one line naming the field',
    (brokers) => {
      const message = failure({ brokers });
      expect(message).toMatch(/^test: broker/);
      expect(message).not.toContain('\n');
    },
  );

  it('refuses SASL PLAIN without TLS unless explicitly allowed', () => {
    const plain = { brokers: ['h:9092'], sasl: { mechanism: 'plain' as const, username: 'u', password: SECRET } };
    expect(failure(plain)).toMatch(/SASL PLAIN without TLS/);
    expect(validateConnection('test', { ...plain, allowPlaintextSasl: true }).sasl?.mechanism).toBe('plain');
    expect(validateConnection('test', { ...plain, ssl: true }).sasl?.mechanism).toBe('plain');
    expect(failure({ ...plain, ssl: false })).toMatch(/SASL PLAIN without TLS/);
  });

  it('lets SCRAM run without TLS, since it never sends the password', () => {
    const scram = validateConnection('test', { brokers: ['h:9092'], sasl: { mechanism: 'scram-sha-512', username: 'u', password: SECRET } });
    expect(securityProtocol(scram)).toBe('SASL_PLAINTEXT');
  });

  it('normalises the mechanism case and refuses unknown mechanisms, missing users or passwords', () => {
    const upper = { mechanism: 'SCRAM-SHA-256', username: 'u', password: SECRET } as unknown as KafkaConnection['sasl'];
    expect(validateConnection('test', { brokers: ['h:1'], ssl: true, sasl: upper }).sasl?.mechanism).toBe('scram-sha-256');
    const gssapi = { mechanism: 'gssapi', username: 'u', password: SECRET } as unknown as KafkaConnection['sasl'];
    expect(failure({ brokers: ['h:1'], ssl: true, sasl: gssapi })).toMatch(/sasl.mechanism "gssapi" is not supported/);
    expect(failure({ brokers: ['h:1'], ssl: true, sasl: { mechanism: 'plain', username: '', password: SECRET } })).toMatch(/sasl.username is missing/);
    expect(failure({ brokers: ['h:1'], ssl: true, sasl: { mechanism: 'plain', username: 'u', password: '' } })).toMatch(/sasl.password is missing/);
  });

  it('refuses a non-positive connection timeout', () => {
    expect(failure({ brokers: ['h:1'], connectionTimeoutMs: 0 })).toMatch(/connectionTimeoutMs must be a positive/);
    expect(validateConnection('test', { brokers: ['h:1'], connectionTimeoutMs: 2500 }).connectionTimeoutMs).toBe(2500);
  });

  it('never puts the password into an error or a description', () => {
    const messages = [
      failure({ brokers: ['h:1'], sasl: { mechanism: 'plain', username: 'u', password: SECRET } }),
      failure({ brokers: ['nope'], ssl: true, sasl: { mechanism: 'plain', username: 'u', password: SECRET } }),
      describeConnection({ brokers: ['h:1'], ssl: true, sasl: { mechanism: 'scram-sha-256', username: 'alice', password: SECRET } }),
    ];
    for (const message of messages) expect(message).not.toContain(SECRET);
    expect(messages[2]).toBe('h:1 (SASL_SSL, scram-sha-256 as alice)');
  });
});

describe('connectionOf', () => {
  it('keeps only the connection fields of a larger config', () => {
    const config = { brokers: ['h:1'], ssl: true, groupId: 'g', topics: ['t'] };
    expect(connectionOf(config)).toEqual({ brokers: ['h:1'], ssl: true });
  });
});

describe('createKafkaClient', () => {
  it('validates the connection before building a client', () => {
    expect(() => createKafkaClient({ brokers: ['h:1'], sasl: { mechanism: 'plain', username: 'u', password: SECRET } })).toThrow(/SASL PLAIN without TLS/);
    expect(() => createKafkaClient({ brokers: [] })).toThrow(ConfigError);
  });
});
