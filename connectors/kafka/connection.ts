import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '../../src/errors';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** kafkajs's own `sasl` shape, limited to the mechanisms streamlearn supports and tests. */
export type SaslCredentials = { [M in SaslMechanism]: { mechanism: M; username: string; password: string } }[SaslMechanism];

/**
 * Where the brokers are and how to reach them: the one shape every Kafka client of the runtime is built
 * from (source, sink, admin, topic reader, subscriber, serving, CLI). `ssl` and `sasl` are written as for
 * kafkajs, so a team's existing settings carry over unchanged.
 *
 * Rules (checked by `validateConnection`, each failure one line naming the field):
 * - `brokers` names at least one `host:port` (IPv6 as `[addr]:port`).
 * - `sasl` needs a supported mechanism, a username and a password.
 * - SASL PLAIN sends the password as it is, so without `ssl` it is refused unless `allowPlaintextSasl` is
 *   true (a test broker on localhost, say). SCRAM never sends the password and is allowed either way.
 */
export interface KafkaConnection {
  brokers: string[];
  /** `true`: TLS with the system's CAs. An object: Node's TLS options (`ca`, `cert`/`key` or `pfx`/`passphrase` for mutual TLS, `servername`, `rejectUnauthorized`). */
  ssl?: boolean | ConnectionOptions;
  sasl?: SaslCredentials;
  /** How long to keep trying to reach the brokers before failing with an error that names them. Default 10 000. */
  connectionTimeoutMs?: number;
  /** Lets SASL PLAIN run without TLS. Default false. */
  allowPlaintextSasl?: boolean;
}

export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;

const MECHANISMS: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];
const BROKER_ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

function checkBrokers(where: string, brokers: unknown): string[] {
  if (!Array.isArray(brokers) || brokers.length === 0) throw new ConfigError(`${where}: brokers must name at least one host:port`);
  for (const broker of brokers) {
    const match = typeof broker === 'string' ? BROKER_ADDRESS.exec(broker.trim()) : null;
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65_535) throw new ConfigError(`${where}: broker "${String(broker)}" is not host:port`);
  }
  return brokers.map((broker: string) => broker.trim());
}

function checkSasl(where: string, sasl: SaslCredentials, tls: boolean, allowPlaintext: boolean): SaslCredentials {
  const mechanism = String(sasl.mechanism ?? '').toLowerCase() as SaslMechanism;
  if (!MECHANISMS.includes(mechanism)) {
    throw new ConfigError(`${where}: sasl.mechanism "${String(sasl.mechanism)}" is not supported; use one of ${MECHANISMS.join(', ')}`);
  }
  if (typeof sasl.username !== 'string' || sasl.username === '') throw new ConfigError(`${where}: sasl.username is missing`);
  if (typeof sasl.password !== 'string' || sasl.password === '') throw new ConfigError(`${where}: sasl.password is missing`);
  if (mechanism === 'plain' && !tls && !allowPlaintext) {
    throw new ConfigError(
      `${where}: SASL PLAIN without TLS would send the password in clear text; use TLS (security.protocol=SASL_SSL) or allow it explicitly (allow.plaintext.sasl=true, or allowPlaintextSasl: true in the API)`,
    );
  }
  return { mechanism, username: sasl.username, password: sasl.password };
}

/** Checks a connection against the rules above and returns it normalised (trimmed brokers, lower-case mechanism). */
export function validateConnection(where: string, connection: KafkaConnection): KafkaConnection {
  const brokers = checkBrokers(where, connection.brokers);
  const { ssl, sasl, connectionTimeoutMs, allowPlaintextSasl = false } = connection;
  if (ssl !== undefined && typeof ssl !== 'boolean' && (typeof ssl !== 'object' || ssl === null)) {
    throw new ConfigError(`${where}: ssl must be true, false or an object of TLS options`);
  }
  if (connectionTimeoutMs !== undefined && !(Number.isFinite(connectionTimeoutMs) && connectionTimeoutMs > 0)) {
    throw new ConfigError(`${where}: connectionTimeoutMs must be a positive number of milliseconds, got ${connectionTimeoutMs}`);
  }
  const tls = ssl !== undefined && ssl !== false;
  return {
    brokers,
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl: checkSasl(where, sasl, tls, allowPlaintextSasl) }),
    ...(connectionTimeoutMs === undefined ? {} : { connectionTimeoutMs }),
    ...(allowPlaintextSasl ? { allowPlaintextSasl } : {}),
  };
}

/** The connection fields of a larger config (a source's, a sink's…), to hand to another client without the rest. */
export function connectionOf(config: KafkaConnection): KafkaConnection {
  const { brokers, ssl, sasl, connectionTimeoutMs, allowPlaintextSasl } = config;
  return {
    brokers,
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl }),
    ...(connectionTimeoutMs === undefined ? {} : { connectionTimeoutMs }),
    ...(allowPlaintextSasl === undefined ? {} : { allowPlaintextSasl }),
  };
}

/** Kafka's name for how a connection is secured, for logs and errors: never includes a secret. */
export function securityProtocol(connection: KafkaConnection): 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL' {
  const tls = connection.ssl !== undefined && connection.ssl !== false;
  if (connection.sasl) return tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  return tls ? 'SSL' : 'PLAINTEXT';
}

/** "host:port,host:port (SASL_SSL, scram-sha-256 as alice)": safe to print, the password is never part of it. */
export function describeConnection(connection: KafkaConnection): string {
  const sasl = connection.sasl ? `, ${connection.sasl.mechanism} as ${connection.sasl.username}` : '';
  return `${connection.brokers.join(',')} (${securityProtocol(connection)}${sasl})`;
}
