import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError, errorMessage } from '../../src/errors';
import { validateConnection, type KafkaConnection, type SaslCredentials, type SaslMechanism } from './connection';
import { parseProperties, type Property } from './properties-format';

/** The security part of a connection, and the brokers if `bootstrap.servers` named them. */
export interface ClientSettings {
  brokers?: string[];
  security: Omit<KafkaConnection, 'brokers'>;
  /** Property names present but not used by streamlearn (never their values). */
  ignored: string[];
}

type Properties = Map<string, Property>;

/** Kafka's client property names that streamlearn reads, plus its own `allow.plaintext.sasl` and `connection.timeout.ms`. */
export const KNOWN_PROPERTIES = [
  'bootstrap.servers',
  'security.protocol',
  'sasl.mechanism',
  'sasl.jaas.config',
  'sasl.username',
  'sasl.password',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.truststore.type',
  'ssl.truststore.certificates',
  'ssl.ca.location',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.keystore.type',
  'ssl.keystore.key',
  'ssl.keystore.certificate.chain',
  'ssl.key.password',
  'ssl.certificate.location',
  'ssl.key.location',
  'ssl.endpoint.identification.algorithm',
  'allow.plaintext.sasl',
  'connection.timeout.ms',
] as const;

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
const MECHANISMS: Record<string, SaslMechanism> = { PLAIN: 'plain', 'SCRAM-SHA-256': 'scram-sha-256', 'SCRAM-SHA-512': 'scram-sha-512' };
const JAAS = /^\s*([\w.$]+)\s+(?:required|requisite|sufficient|optional)\b([\s\S]*?);?\s*$/;
const JAAS_OPTION = /([\w.]+)\s*=\s*(?:"((?:[^"\\]|\\[\s\S])*)"|([^\s;"]+))/g;

function fail(property: Property | undefined, name: string, problem: string): never {
  throw new ConfigError(`${property ? `${property.origin}: ` : ''}${name} ${problem}`);
}

function readText(props: Properties, name: string): string {
  const property = props.get(name)!;
  try {
    return readFileSync(property.value, 'utf8');
  } catch (err) {
    return fail(property, name, `cannot be read: ${errorMessage(err)}`);
  }
}

/** username/password from `sasl.jaas.config` (never echoed in errors), checked against the mechanism. */
function jaasCredentials(props: Properties, mechanism: SaslMechanism | undefined): { username?: string; password?: string; mechanism?: SaslMechanism } {
  const property = props.get('sasl.jaas.config');
  if (!property) return {};
  const match = JAAS.exec(property.value);
  if (!match) fail(property, 'sasl.jaas.config', 'is not "<LoginModule> required username=\\"…\\" password=\\"…\\";"');
  const module = match[1].split('.').pop();
  const options = new Map<string, string>();
  for (const option of match[2].matchAll(JAAS_OPTION)) options.set(option[1], option[2] !== undefined ? option[2].replace(/\\([\s\S])/g, '$1') : option[3]);
  if (module === 'PlainLoginModule' && mechanism && mechanism !== 'plain')
    fail(property, 'sasl.jaas.config', `uses PlainLoginModule but sasl.mechanism is ${mechanism.toUpperCase()}`);
  if (module === 'ScramLoginModule' && mechanism === 'plain') fail(property, 'sasl.jaas.config', 'uses ScramLoginModule but sasl.mechanism is PLAIN');
  if (module !== 'PlainLoginModule' && module !== 'ScramLoginModule')
    fail(property, 'sasl.jaas.config', `uses ${module}; streamlearn supports PlainLoginModule and ScramLoginModule`);
  if (module === 'ScramLoginModule' && !mechanism)
    fail(property, 'sasl.jaas.config', 'uses ScramLoginModule: set sasl.mechanism to SCRAM-SHA-256 or SCRAM-SHA-512');
  return { username: options.get('username'), password: options.get('password'), mechanism: module === 'PlainLoginModule' ? 'plain' : mechanism };
}

function saslSettings(props: Properties): SaslCredentials {
  const mechanismProperty = props.get('sasl.mechanism');
  const raw = mechanismProperty?.value.trim().toUpperCase();
  if (raw !== undefined && !MECHANISMS[raw]) fail(mechanismProperty, 'sasl.mechanism', `"${raw}" is not supported; use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`);
  const jaas = jaasCredentials(props, raw === undefined ? undefined : MECHANISMS[raw]);
  const mechanism = jaas.mechanism ?? (raw === undefined ? undefined : MECHANISMS[raw]);
  const username = props.get('sasl.username')?.value ?? jaas.username;
  const password = props.get('sasl.password')?.value ?? jaas.password;
  if (!mechanism) fail(undefined, 'sasl.mechanism', 'is missing (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)');
  if (!username) fail(props.get('sasl.jaas.config'), 'sasl.username', 'is missing (sasl.username, or username="…" in sasl.jaas.config)');
  if (!password) fail(props.get('sasl.jaas.config'), 'sasl.password', 'is missing (sasl.password, or password="…" in sasl.jaas.config)');
  return { mechanism, username, password } as SaslCredentials;
}

const isPem = (text: string) => text.includes('-----BEGIN ');

/** CA certificates as PEM text: Node cannot read JKS, nor a PKCS12 file holding certificates only. */
function trustedCas(props: Properties): string | undefined {
  if (props.has('ssl.truststore.certificates')) return props.get('ssl.truststore.certificates')!.value;
  const name = props.has('ssl.ca.location') ? 'ssl.ca.location' : props.has('ssl.truststore.location') ? 'ssl.truststore.location' : undefined;
  if (!name) return undefined;
  const type = props.get('ssl.truststore.type')?.value.trim().toUpperCase();
  const text = name === 'ssl.truststore.location' && type && type !== 'PEM' ? '' : readText(props, name);
  if (!isPem(text)) {
    fail(
      props.get(name),
      name,
      `must be a PEM file of CA certificates${type ? ` (ssl.truststore.type=${type} cannot be read by Node)` : ''}; export one with: keytool -exportcert -rfc -keystore <truststore> -alias <ca> -file ca.pem`,
    );
  }
  return text;
}

function readBinary(props: Properties, name: string): Buffer {
  const property = props.get(name)!;
  try {
    return readFileSync(property.value);
  } catch (err) {
    return fail(property, name, `cannot be read: ${errorMessage(err)}`);
  }
}

/** The client's own certificate for mutual TLS: a PKCS12 keystore (`pfx`), or PEM certificate and key. */
function clientIdentity(props: Properties): Partial<ConnectionOptions> {
  const passphrase = props.get('ssl.key.password')?.value;
  const withPassphrase = (options: Partial<ConnectionOptions>) => (passphrase === undefined ? options : { ...options, passphrase });
  if (props.has('ssl.certificate.location') || props.has('ssl.key.location')) {
    if (!props.has('ssl.certificate.location') || !props.has('ssl.key.location'))
      fail(undefined, 'ssl.certificate.location', 'and ssl.key.location must be given together');
    return withPassphrase({ cert: readText(props, 'ssl.certificate.location'), key: readText(props, 'ssl.key.location') });
  }
  if (props.has('ssl.keystore.certificate.chain') || props.has('ssl.keystore.key')) {
    return withPassphrase({ cert: props.get('ssl.keystore.certificate.chain')?.value, key: props.get('ssl.keystore.key')?.value });
  }
  if (!props.has('ssl.keystore.location')) return {};
  const type = props.get('ssl.keystore.type')?.value.trim().toUpperCase() ?? 'PKCS12';
  const bytes = readBinary(props, 'ssl.keystore.location');
  if (type === 'PEM' || isPem(bytes.toString('latin1'))) return withPassphrase({ cert: bytes.toString('utf8'), key: bytes.toString('utf8') });
  if (type !== 'PKCS12' || bytes.readUInt32BE(0) === 0xfeedfeed) {
    fail(
      props.get('ssl.keystore.location'),
      'ssl.keystore.location',
      'must be PKCS12 or PEM (Node cannot read JKS); convert with: keytool -importkeystore -srckeystore <jks> -destkeystore client.p12 -deststoretype PKCS12',
    );
  }
  return { pfx: bytes, passphrase: props.get('ssl.keystore.password')?.value ?? passphrase };
}

function tlsOptions(props: Properties): boolean | ConnectionOptions {
  const ca = trustedCas(props);
  const identity = clientIdentity(props);
  // Kafka's default "https" checks the host name; an empty value turns that check off (the chain is still verified).
  const skipHostname = props.get('ssl.endpoint.identification.algorithm')?.value.trim() === '';
  const options: ConnectionOptions = { ...(ca === undefined ? {} : { ca }), ...identity, ...(skipHostname ? { checkServerIdentity: () => undefined } : {}) };
  return Object.keys(options).length === 0 ? true : options;
}

function protocolOf(props: Properties): (typeof PROTOCOLS)[number] {
  const property = props.get('security.protocol');
  const protocol = (property?.value.trim().toUpperCase() ?? 'PLAINTEXT') as (typeof PROTOCOLS)[number];
  if (!PROTOCOLS.includes(protocol)) fail(property, 'security.protocol', `"${property!.value}" is not one of ${PROTOCOLS.join(', ')}`);
  const unused = (prefix: string) => [...props.keys()].filter((key) => key.startsWith(prefix) && key !== 'sasl.mechanism');
  if (!protocol.startsWith('SASL') && unused('sasl.').length > 0) {
    fail(
      props.get(unused('sasl.')[0]),
      unused('sasl.')[0],
      `is set but security.protocol is ${protocol}${property ? '' : ' (the default)'}: set security.protocol=SASL_SSL`,
    );
  }
  if (!protocol.endsWith('SSL') && unused('ssl.').length > 0) {
    fail(
      props.get(unused('ssl.')[0]),
      unused('ssl.')[0],
      `is set but security.protocol is ${protocol}${property ? '' : ' (the default)'}, which does not use TLS: set security.protocol=SSL or SASL_SSL`,
    );
  }
  return protocol;
}

/** Turns Kafka client properties into streamlearn's connection settings. One place, for files and environment alike. */
export function settingsFromProperties(props: Properties): ClientSettings {
  const protocol = protocolOf(props);
  const timeout = props.get('connection.timeout.ms');
  const timeoutMs = timeout === undefined ? undefined : Number(timeout.value);
  if (timeout && !(Number.isFinite(timeoutMs) && timeoutMs! > 0))
    fail(timeout, 'connection.timeout.ms', `must be a positive number of milliseconds, got "${timeout.value}"`);
  const allow = props.get('allow.plaintext.sasl')?.value.trim().toLowerCase() === 'true';
  const servers = props
    .get('bootstrap.servers')
    ?.value.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = new Set<string>(KNOWN_PROPERTIES);
  return {
    ...(servers && servers.length > 0 ? { brokers: servers } : {}),
    security: {
      ...(protocol.endsWith('SSL') ? { ssl: tlsOptions(props) } : {}),
      ...(protocol.startsWith('SASL') ? { sasl: saslSettings(props) } : {}),
      ...(timeoutMs === undefined ? {} : { connectionTimeoutMs: timeoutMs }),
      ...(allow ? { allowPlaintextSasl: true } : {}),
    },
    ignored: [...props.keys()].filter((key) => !known.has(key)),
  };
}

/** Reads a `client.properties` file (`--command-config`). */
export function readClientProperties(path: string): Properties {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`--command-config ${path} cannot be read: ${errorMessage(err)}`);
  }
  return parseProperties(text, path);
}

/**
 * The same properties from the environment, for containers: `KAFKA_` + the property name in upper case
 * with `_` for `.`, e.g. KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME,
 * KAFKA_SASL_PASSWORD, KAFKA_SSL_CA_LOCATION. Brokers come from KAFKA_BROKERS, not from here.
 */
export function propertiesFromEnv(env: NodeJS.ProcessEnv = process.env): Properties {
  const properties: Properties = new Map();
  for (const name of KNOWN_PROPERTIES) {
    if (name === 'bootstrap.servers') continue;
    const variable = `KAFKA_${name.toUpperCase().replace(/\./g, '_')}`;
    const value = env[variable];
    if (value !== undefined && value !== '') properties.set(name, { value, origin: variable });
  }
  return properties;
}

function connectionFrom(where: string, settings: ClientSettings, brokers: string[] | undefined): KafkaConnection {
  if (!brokers || brokers.length === 0) throw new ConfigError(`${where}: no brokers (bootstrap.servers, or KAFKA_BROKERS)`);
  return validateConnection(where, { brokers, ...settings.security });
}

/** For API users who keep their Kafka settings in a `client.properties` file: a connection from it (bootstrap.servers required). */
export function connectionFromPropertiesFile(path: string): KafkaConnection {
  const settings = settingsFromProperties(readClientProperties(path));
  return connectionFrom(path, settings, settings.brokers);
}

/** For containers: KAFKA_BROKERS plus the KAFKA_* security variables, as the CLI reads them. */
export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaConnection {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  return connectionFrom('environment', settingsFromProperties(propertiesFromEnv(env)), brokers);
}
