import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import {
  connectionFromEnv,
  connectionFromPropertiesFile,
  propertiesFromEnv,
  readClientProperties,
  settingsFromProperties,
} from '../../../connectors/kafka/client-properties';
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
    expect(typeof off.checkServerIdentity).toBe('function');
    expect(off.checkServerIdentity!('h', {} as never)).toBeUndefined();
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

describe('settingsFromProperties, each rule', () => {
  const tls = (text: string) => settings(text).security.ssl as ConnectionOptions;

  it('reads the protocol in any case and with blanks, and refuses ssl.* or sasl.* settings the protocol does not use', () => {
    expect(settings('security.protocol= ssl ').security).toStrictEqual({ ssl: true });
    expect(settings('bootstrap.servers=h:1').security).toEqual({});
    // sasl.mechanism alone is harmless (many shared files set it) and is allowed with any protocol.
    expect(settings('sasl.mechanism=PLAIN').security).toEqual({});
    expect(refusal(`ssl.ca.location=${file('p.pem', CA)}`)).toBe(
      'client.properties:1: ssl.ca.location is set but security.protocol is PLAINTEXT (the default), which does not use TLS: set security.protocol=SSL or SASL_SSL',
    );
    expect(refusal('security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\nsasl.username=u\nsasl.password=p\nssl.key.password=k')).toBe(
      'client.properties:5: ssl.key.password is set but security.protocol is SASL_PLAINTEXT, which does not use TLS: set security.protocol=SSL or SASL_SSL',
    );
    expect(refusal('security.protocol=SSL\nsasl.username=u')).toBe(
      'client.properties:2: sasl.username is set but security.protocol is SSL: set security.protocol=SASL_SSL',
    );
  });

  it('reads brokers, the connection timeout and the plaintext-SASL allowance', () => {
    expect(settings('bootstrap.servers= , ').brokers).toBeUndefined();
    expect(settings('bootstrap.servers=a:1,,b:2').brokers).toEqual(['a:1', 'b:2']);
    expect(settings('connection.timeout.ms=2500').security).toEqual({ connectionTimeoutMs: 2500 });
    expect(refusal('connection.timeout.ms=0')).toBe('client.properties:1: connection.timeout.ms must be a positive number of milliseconds, got "0"');
    expect(refusal('connection.timeout.ms=-1')).toMatch(/must be a positive number/);
    expect(settings('allow.plaintext.sasl= TRUE ').security).toEqual({ allowPlaintextSasl: true });
    expect(settings('allow.plaintext.sasl=false').security).toEqual({});
    expect(settings('a.b=1\nbootstrap.servers=h:1\nc=2').ignored).toEqual(['a.b', 'c']);
  });

  it('reads JAAS options quoted (with escapes) or bare; sasl.username and sasl.password win over them', () => {
    const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username=bare password="a\\"b";';
    expect(settings(`security.protocol=SASL_SSL\nsasl.jaas.config=${jaas.replace(/\\/g, '\\\\')}`).security.sasl).toEqual({
      mechanism: 'plain',
      username: 'bare',
      password: 'a"b',
    });
    expect(settings(`security.protocol=SASL_SSL\nsasl.jaas.config=${jaas}\nsasl.username=u2\nsasl.password=p2`).security.sasl).toEqual({
      mechanism: 'plain',
      username: 'u2',
      password: 'p2',
    });
  });

  it('refuses a JAAS module that is unknown or does not match the mechanism, and names what is missing', () => {
    const module = (name: string) => `${name} required username="u" password="${SECRET}";`;
    expect(refusal(`security.protocol=SASL_SSL\nsasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required;`)).toBe(
      'client.properties:2: sasl.jaas.config uses Krb5LoginModule; streamlearn supports PlainLoginModule and ScramLoginModule',
    );
    expect(refusal(`security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\nsasl.jaas.config=${module('x.PlainLoginModule')}`)).toBe(
      'client.properties:3: sasl.jaas.config uses PlainLoginModule but sasl.mechanism is SCRAM-SHA-256',
    );
    expect(settings(`security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=${module('x.PlainLoginModule')}`).security.sasl).toMatchObject({
      mechanism: 'plain',
    });
    expect(settings(`security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=${module('x.ScramLoginModule')}`).security.sasl).toMatchObject({
      mechanism: 'scram-sha-512',
    });
    expect(refusal('security.protocol=SASL_SSL\nsasl.username=u\nsasl.password=p')).toBe('sasl.mechanism is missing (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)');
    expect(refusal('security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.password=p')).toBe(
      'sasl.username is missing (sasl.username, or username="…" in sasl.jaas.config)',
    );
    expect(refusal(`security.protocol=SASL_SSL\nsasl.jaas.config=x.PlainLoginModule required password="${SECRET}";`)).toBe(
      'client.properties:2: sasl.username is missing (sasl.username, or username="…" in sasl.jaas.config)',
    );
    expect(refusal('security.protocol=SASL_SSL\nsasl.jaas.config=x.PlainLoginModule required username="u";')).toBe(
      'client.properties:2: sasl.password is missing (sasl.password, or password="…" in sasl.jaas.config)',
    );
    expect(settings('security.protocol=SASL_SSL\nsasl.mechanism=plain \nsasl.username=u\nsasl.password=p').security.sasl?.mechanism).toBe('plain');
    expect(refusal('security.protocol=SASL_SSL\nsasl.mechanism= oauthbearer')).toBe(
      'client.properties:2: sasl.mechanism "OAUTHBEARER" is not supported; use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512',
    );
  });

  it('takes CAs inline, from ssl.ca.location before ssl.truststore.location, and refuses a file that is not PEM', () => {
    expect(tls('security.protocol=SSL\nssl.truststore.certificates=INLINE')).toEqual({ ca: 'INLINE' });
    const other = file('other.pem', CA.replace('MIIB', 'OTHER'));
    expect(tls(`security.protocol=SSL\nssl.truststore.location=${other}\nssl.ca.location=${file('first.pem', CA)}`)).toEqual({ ca: CA });
    expect(tls(`security.protocol=SSL\nssl.truststore.type= pem\nssl.truststore.location=${other}`)).toEqual({ ca: CA.replace('MIIB', 'OTHER') });
    expect(refusal(`security.protocol=SSL\nssl.ca.location=${file('der.crt', 'binary')}`)).toBe(
      'client.properties:2: ssl.ca.location must be a PEM file of CA certificates; export one with: keytool -exportcert -rfc -keystore <truststore> -alias <ca> -file ca.pem',
    );
    expect(refusal(`security.protocol=SSL\nssl.truststore.type=PKCS12\nssl.truststore.location=${other}`)).toMatch(
      /^client.properties:3: ssl.truststore.location must be a PEM file of CA certificates \(ssl.truststore.type=PKCS12 cannot be read by Node\)/,
    );
  });

  it('reads the client identity inline, from a PEM keystore, or from PKCS12 with the key password as a fallback passphrase', () => {
    expect(tls('security.protocol=SSL\nssl.keystore.certificate.chain=CHAIN\nssl.keystore.key=KEY\nssl.key.password=kp')).toEqual({
      cert: 'CHAIN',
      key: 'KEY',
      passphrase: 'kp',
    });
    expect(tls('security.protocol=SSL\nssl.keystore.key=KEY')).toEqual({ cert: undefined, key: 'KEY' });
    const pemStore = file('store.pem', `${CA}KEY`);
    expect(tls(`security.protocol=SSL\nssl.keystore.type=PEM\nssl.keystore.location=${pemStore}`)).toEqual({ cert: `${CA}KEY`, key: `${CA}KEY` });
    expect(tls(`security.protocol=SSL\nssl.keystore.location=${pemStore}\nssl.key.password=kp`)).toEqual({
      cert: `${CA}KEY`,
      key: `${CA}KEY`,
      passphrase: 'kp',
    });
    const p12 = file('fallback.p12', Buffer.from([0x30, 0x82, 0, 0]));
    expect(tls(`security.protocol=SSL\nssl.keystore.location=${p12}\nssl.key.password=kp`).passphrase).toBe('kp');
    expect(tls(`security.protocol=SSL\nssl.keystore.location=${p12}`)).toEqual({ pfx: Buffer.from([0x30, 0x82, 0, 0]), passphrase: undefined });
    expect(refusal(`security.protocol=SSL\nssl.keystore.type=JKS\nssl.keystore.location=${p12}`)).toMatch(
      /^client.properties:3: ssl.keystore.location must be PKCS12 or PEM/,
    );
    expect(refusal(`security.protocol=SSL\nssl.keystore.location=${join(dir, 'none.p12')}`)).toMatch(
      /^client.properties:2: ssl.keystore.location cannot be read: .*ENOENT/,
    );
    expect(refusal(`security.protocol=SSL\nssl.certificate.location=${file('c2.pem', CA)}`)).toBe(
      'ssl.certificate.location and ssl.key.location must be given together',
    );
    expect(refusal(`security.protocol=SSL\nssl.key.location=${file('k2.pem', 'KEY')}`)).toBe(
      'ssl.certificate.location and ssl.key.location must be given together',
    );
  });
});

describe('readClientProperties', () => {
  it('reads a file, and names a file it cannot read in one line', () => {
    expect(readClientProperties(file('r.properties', 'a=1')).get('a')).toEqual({ value: '1', origin: `${dir}/r.properties:1` });
    expect(() => readClientProperties(join(dir, 'absent.properties'))).toThrow(
      new RegExp(`^--command-config ${join(dir, 'absent.properties')} cannot be read: .*ENOENT`),
    );
  });
});

describe('client properties, last edges', () => {
  it('unescapes any character in a quoted JAAS value, a blank included', () => {
    const jaas = 'x.PlainLoginModule required username="u" password="a\\ b";';
    expect(settings(`security.protocol=SASL_SSL\nsasl.jaas.config=${jaas.replace(/\\/g, '\\\\')}`).security.sasl?.password).toBe('a b');
  });

  it('names the JAAS property in the SCRAM refusals', () => {
    const scram = `x.ScramLoginModule required username="u" password="${SECRET}";`;
    expect(refusal(`security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=${scram}`)).toBe(
      'client.properties:3: sasl.jaas.config uses ScramLoginModule but sasl.mechanism is PLAIN',
    );
    expect(refusal(`security.protocol=SASL_SSL\nsasl.jaas.config=${scram}`)).toBe(
      'client.properties:2: sasl.jaas.config uses ScramLoginModule: set sasl.mechanism to SCRAM-SHA-256 or SCRAM-SHA-512',
    );
  });

  it('reads types with blanks in any case, and ssl.ca.location whatever ssl.truststore.type says', () => {
    const tls = (text: string) => settings(text).security.ssl as ConnectionOptions;
    expect(tls(`security.protocol=SSL\nssl.truststore.type=pem \nssl.truststore.location=${file('t2.pem', CA)}`)).toStrictEqual({ ca: CA });
    expect(tls(`security.protocol=SSL\nssl.truststore.type=JKS\nssl.ca.location=${file('ca3.pem', CA)}`)).toStrictEqual({ ca: CA });
    const notPem = file('raw.key', 'NOT-PEM');
    expect(tls(`security.protocol=SSL\nssl.keystore.type=pem \nssl.keystore.location=${notPem}`)).toStrictEqual({ cert: 'NOT-PEM', key: 'NOT-PEM' });
    expect(tls('security.protocol=SSL\nssl.keystore.certificate.chain=CHAIN')).toStrictEqual({ cert: 'CHAIN', key: undefined });
  });

  it('turns the host name check off for a blank value from the environment too', () => {
    const ssl = settingsFromProperties(propertiesFromEnv({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: ' ' })).security
      .ssl as ConnectionOptions;
    expect(typeof ssl.checkServerIdentity).toBe('function');
  });

  it('needs brokers in the environment, and drops empty entries', () => {
    expect(() => connectionFromEnv({})).toThrow(new ConfigError('environment: no brokers (bootstrap.servers, or KAFKA_BROKERS)'));
    expect(() => connectionFromEnv({ KAFKA_BROKERS: ' , ' })).toThrow(new ConfigError('environment: no brokers (bootstrap.servers, or KAFKA_BROKERS)'));
    expect(connectionFromEnv({ KAFKA_BROKERS: 'k1:9092, ,k2:9092,' }).brokers).toEqual(['k1:9092', 'k2:9092']);
  });
});
