import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { connectionFromEnv, connectionFromPropertiesFile, propertiesFromEnv, settingsFromProperties } from '../../../connectors/kafka/client-properties';
import { parseProperties } from '../../../connectors/kafka/properties-format';
import { ConfigError } from '../../../src/errors';

const SECRET = 'pa"ss\\word-that-must-not-leak';
const dir = mkdtempSync(join(tmpdir(), 'client-properties-'));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const settings = (text: string) => settingsFromProperties(parseProperties(text, 'client.properties'));

function refusal(text: string): string {
  try {
    settings(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain('must-not-leak');
    return message;
  }
  throw new Error('expected the properties to be refused');
}

describe('parseProperties (Java .properties syntax)', () => {
  it('reads =, : and blank separators, comments, continuations and escapes', () => {
    const props = parseProperties(
      ['# comment', '! also a comment', '', 'a=1', 'b : two words ', 'c three', 'd=first \\', '   second', 'e=C:\\\\certs\\\\ca.pem', 'f=\\u0041\\t'].join(
        '\n',
      ),
      'x',
    );
    expect(Object.fromEntries([...props].map(([k, v]) => [k, v.value]))).toEqual({
      a: '1',
      b: 'two words ',
      c: 'three',
      d: 'first second',
      e: 'C:\\certs\\ca.pem',
      f: 'A\t',
    });
    expect(props.get('d')?.origin).toBe('x:7');
  });

  it('unescapes \\t \\n \\r \\f and \\uXXXX, keeps any other escaped character, and names a malformed \\u escape', () => {
    const value = (text: string) => parseProperties(`k=${text}`, 'p').get('k')?.value;
    expect(value('a\\tb\\nc\\rd\\fe')).toBe('a\tb\nc\rd\fe');
    expect(value('\\u00e9\\u00C9\\:\\=\\ x')).toBe('éÉ:= x');
    expect(value('\\q')).toBe('q');
    for (const bad of ['\\u12', '\\u00g1']) expect(() => value(bad)).toThrow(/^p:1: malformed \\u escape \(\\u must be followed by 4 hex digits\)$/);
  });
});

describe('settingsFromProperties', () => {
  it('reads SASL_SSL with SCRAM credentials from sasl.jaas.config and a PEM truststore', () => {
    const ca = file('ca.pem', CA);
    const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${SECRET.replace(/["\\]/g, '\\$&')}";`;
    const result = settings(
      `bootstrap.servers=b1:9093, b2:9093\nsecurity.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=${jaas.replace(/\\/g, '\\\\')}\nssl.truststore.type=PEM\nssl.truststore.location=${ca}\nlinger.ms=5`,
    );
    expect(result.brokers).toEqual(['b1:9093', 'b2:9093']);
    expect(result.security.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'alice', password: SECRET });
    expect((result.security.ssl as ConnectionOptions).ca).toBe(CA);
    expect(result.ignored).toEqual(['linger.ms']);
  });

  it('infers PLAIN from PlainLoginModule, and takes librdkafka-style sasl.username/sasl.password', () => {
    expect(
      settings('security.protocol=SASL_SSL\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";')
        .security,
    ).toEqual({
      ssl: true,
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
    });
    expect(settings('security.protocol=sasl_ssl\nsasl.mechanism=scram-sha-256\nsasl.username=u\nsasl.password=p').security.sasl).toEqual({
      mechanism: 'scram-sha-256',
      username: 'u',
      password: 'p',
    });
  });

  it('reads mutual TLS from a PKCS12 keystore, or from PEM certificate and key', () => {
    const p12 = file('client.p12', Buffer.from([0x30, 0x82, 0x01, 0x02, 0x03]));
    const ssl = settings(`security.protocol=SSL\nssl.keystore.location=${p12}\nssl.keystore.password=${SECRET.replace(/\\/g, '\\\\')}`).security
      .ssl as ConnectionOptions;
    expect(Buffer.isBuffer(ssl.pfx)).toBe(true);
    expect(ssl.passphrase).toBe(SECRET);
    const pem = settings(
      `security.protocol=SSL\nssl.certificate.location=${file('c.pem', CA)}\nssl.key.location=${file('k.pem', 'KEY')}\nssl.ca.location=${file('ca2.pem', CA)}`,
    ).security.ssl as ConnectionOptions;
    expect(pem).toMatchObject({ cert: CA, key: 'KEY', ca: CA });
  });

  it('turns off the host name check only when ssl.endpoint.identification.algorithm is empty', () => {
    const off = settings('security.protocol=SSL\nssl.endpoint.identification.algorithm=').security.ssl as ConnectionOptions;
    expect(off.checkServerIdentity?.('h', {} as never)).toBeUndefined();
    expect(settings('security.protocol=SSL\nssl.endpoint.identification.algorithm=https').security.ssl).toBe(true);
  });

  it('refuses JKS stores with the command that converts them', () => {
    expect(refusal(`security.protocol=SSL\nssl.truststore.type=JKS\nssl.truststore.location=${file('t.jks', Buffer.from([0xfe, 0xed, 0xfe, 0xed]))}`)).toMatch(
      /PEM file of CA certificates \(ssl.truststore.type=JKS cannot be read by Node\); export one with: keytool -exportcert/,
    );
    expect(refusal(`security.protocol=SSL\nssl.keystore.location=${file('k.jks', Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0]))}`)).toMatch(
      /Node cannot read JKS.*keytool -importkeystore/,
    );
  });

  it('refuses unsupported or inconsistent settings in one line naming the line, never the secret', () => {
    expect(refusal('security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI')).toMatch(/^client.properties:2: sasl.mechanism "GSSAPI" is not supported/);
    expect(refusal('security.protocol=TLS')).toMatch(/security.protocol "TLS" is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
    expect(refusal(`sasl.mechanism=PLAIN\nsasl.password=${SECRET}`)).toMatch(
      /sasl.password is set but security.protocol is PLAINTEXT \(the default\): set security.protocol=SASL_SSL/,
    );
    expect(
      refusal(
        `security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="${SECRET}";`,
      ),
    ).toMatch(/uses ScramLoginModule but sasl.mechanism is PLAIN/);
    expect(
      refusal(
        `security.protocol=SASL_SSL\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="${SECRET}";`,
      ),
    ).toMatch(/set sasl.mechanism to SCRAM-SHA-256 or SCRAM-SHA-512/);
    expect(refusal(`security.protocol=SASL_SSL\nsasl.jaas.config=${SECRET}`)).toMatch(/^client.properties:2: sasl.jaas.config is not/);
    expect(refusal('security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.username=u')).toMatch(/sasl.password is missing/);
    expect(refusal(`security.protocol=SSL\nssl.ca.location=${join(dir, 'missing.pem')}`)).toMatch(
      /^client.properties:2: ssl.ca.location cannot be read: .*ENOENT/,
    );
    expect(refusal('connection.timeout.ms=soon')).toMatch(/connection.timeout.ms must be a positive number/);
  });
});

describe('propertiesFromEnv', () => {
  it('maps KAFKA_<PROPERTY_NAME> to the property, naming the variable as its origin', () => {
    const props = propertiesFromEnv({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: SECRET,
      KAFKA_BOOTSTRAP_SERVERS: 'x:1',
      KAFKA_SSL_CA_LOCATION: '',
    });
    expect([...props.keys()].sort()).toEqual(['sasl.mechanism', 'sasl.password', 'sasl.username', 'security.protocol']);
    expect(props.get('sasl.mechanism')?.origin).toBe('KAFKA_SASL_MECHANISM');
    expect(settingsFromProperties(props).security.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'u', password: SECRET });
  });
});

describe('connections for API users', () => {
  it('come from a client.properties file, which must name the brokers', () => {
    const path = file('api.properties', 'bootstrap.servers=k1:9093\nsecurity.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.username=u\nsasl.password=p\n');
    expect(connectionFromPropertiesFile(path)).toEqual({ brokers: ['k1:9093'], ssl: true, sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
    expect(() => connectionFromPropertiesFile(file('none.properties', 'security.protocol=SSL\n'))).toThrow(
      /none.properties: no brokers \(bootstrap.servers, or KAFKA_BROKERS\)/,
    );
  });

  it('come from the environment, and are validated like any other', () => {
    expect(connectionFromEnv({ KAFKA_BROKERS: 'k1:9092, k2:9092', KAFKA_SECURITY_PROTOCOL: 'SSL' })).toEqual({ brokers: ['k1:9092', 'k2:9092'], ssl: true });
    const plaintextPlain = {
      KAFKA_BROKERS: 'k1:9092',
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: SECRET,
    };
    expect(() => connectionFromEnv(plaintextPlain)).toThrow(/^environment: SASL PLAIN without TLS/);
    expect(connectionFromEnv({ ...plaintextPlain, KAFKA_ALLOW_PLAINTEXT_SASL: 'true' }).allowPlaintextSasl).toBe(true);
  });
});
