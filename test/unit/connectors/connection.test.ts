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

describe('validateConnection, each rule at its edge', () => {
  it('accepts ports 1 and 65535 and refuses 65536, a list that is not an array, and a broker that is not a string', () => {
    expect(validateConnection('test', { brokers: ['h:1', 'h:65535'] }).brokers).toEqual(['h:1', 'h:65535']);
    expect(failure({ brokers: ['h:65536'] })).toBe('test: broker "h:65536" is not host:port');
    expect(failure({ brokers: 'h:1' as unknown as string[] })).toBe('test: brokers must name at least one host:port');
    expect(failure({ brokers: [] })).toBe('test: brokers must name at least one host:port');
    expect(failure({ brokers: ['h:1', 9092 as unknown as string] })).toBe('test: broker "9092" is not host:port');
    expect(failure({ brokers: ['h:1', 'h:'] })).toBe('test: broker "h:" is not host:port');
    expect(failure({ brokers: ['[::1:9092'] })).toMatch(/is not host:port/);
  });

  it('refuses ssl that is neither a boolean nor an object', () => {
    for (const ssl of ['yes', null, 1]) {
      expect(failure({ brokers: ['h:1'], ssl: ssl as unknown as boolean })).toBe('test: ssl must be true, false or an object of TLS options');
    }
    expect(validateConnection('test', { brokers: ['h:1'], ssl: false })).toEqual({ brokers: ['h:1'], ssl: false });
    expect(validateConnection('test', { brokers: ['h:1'], ssl: { servername: 's' } }).ssl).toEqual({ servername: 's' });
  });

  it('refuses a timeout that is negative, not finite or not a number, naming the value', () => {
    expect(failure({ brokers: ['h:1'], connectionTimeoutMs: -5 })).toBe('test: connectionTimeoutMs must be a positive number of milliseconds, got -5');
    expect(failure({ brokers: ['h:1'], connectionTimeoutMs: Infinity })).toMatch(/got Infinity$/);
    expect(failure({ brokers: ['h:1'], connectionTimeoutMs: NaN })).toMatch(/got NaN$/);
  });

  it('refuses a mechanism that is missing or a user or password that is not a string', () => {
    const sasl = (fields: object) => ({ brokers: ['h:1'], ssl: true, sasl: fields as KafkaConnection['sasl'] });
    expect(failure(sasl({ username: 'u', password: SECRET }))).toBe(
      'test: sasl.mechanism "undefined" is not supported; use one of plain, scram-sha-256, scram-sha-512',
    );
    expect(failure(sasl({ mechanism: 'plain', username: 7, password: SECRET }))).toBe('test: sasl.username is missing');
    expect(failure(sasl({ mechanism: 'plain', username: 'u', password: 7 }))).toBe('test: sasl.password is missing');
    expect(failure(sasl({ mechanism: 'plain', username: 'u' }))).toBe('test: sasl.password is missing');
  });

  it('returns exactly the normalised fields: no ssl, sasl, timeout or allowance that was not given, nothing else of sasl', () => {
    // Strict: a key present with the value undefined would override a default when the connection is spread into kafkajs's config.
    expect(validateConnection('test', { brokers: ['h:1'] })).toStrictEqual({ brokers: ['h:1'] });
    expect(validateConnection('test', { brokers: ['h:1'], allowPlaintextSasl: false })).toStrictEqual({ brokers: ['h:1'] });
    const extra = { mechanism: 'PLAIN', username: 'u', password: SECRET, extra: 1 } as unknown as KafkaConnection['sasl'];
    expect(validateConnection('test', { brokers: [' h:1 '], sasl: extra, allowPlaintextSasl: true, connectionTimeoutMs: 10 })).toStrictEqual({
      brokers: ['h:1'],
      sasl: { mechanism: 'plain', username: 'u', password: SECRET },
      allowPlaintextSasl: true,
      connectionTimeoutMs: 10,
    });
  });
});

describe('securityProtocol and describeConnection', () => {
  it("name each of Kafka's four protocols; ssl: false is no TLS", () => {
    const sasl = { mechanism: 'scram-sha-256' as const, username: 'alice', password: SECRET };
    expect(securityProtocol({ brokers: ['h:1'] })).toBe('PLAINTEXT');
    expect(securityProtocol({ brokers: ['h:1'], ssl: false })).toBe('PLAINTEXT');
    expect(securityProtocol({ brokers: ['h:1'], ssl: {} })).toBe('SSL');
    expect(securityProtocol({ brokers: ['h:1'], ssl: false, sasl })).toBe('SASL_PLAINTEXT');
    expect(securityProtocol({ brokers: ['h:1'], ssl: true, sasl })).toBe('SASL_SSL');
    expect(describeConnection({ brokers: ['a:1', 'b:2'], ssl: true })).toBe('a:1,b:2 (SSL)');
  });
});

describe('connectionOf, every field', () => {
  it('keeps each connection field that is set, false included, and drops the rest', () => {
    const sasl = { mechanism: 'plain' as const, username: 'u', password: SECRET };
    const full = { brokers: ['h:1'], ssl: false, sasl, connectionTimeoutMs: 5, allowPlaintextSasl: false, groupId: 'g' };
    expect(connectionOf(full)).toEqual({ brokers: ['h:1'], ssl: false, sasl, connectionTimeoutMs: 5, allowPlaintextSasl: false });
    expect(Object.keys(connectionOf({ brokers: ['h:1'] }))).toEqual(['brokers']);
  });
});
