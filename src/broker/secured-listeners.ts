import { ConfigError } from '../errors';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/**
 * A local broker that speaks what real clusters speak: SASL (PLAIN, SCRAM-SHA-256/512) over TLS, and
 * optionally mutual TLS. Certificates are the caller's (a test makes a CA and a broker certificate with
 * openssl or keytool); users are created when the data dir is formatted.
 */
export interface SecuredBrokerConfig {
  /** PKCS12 keystore with the broker's key and certificate chain (e.g. `openssl pkcs12 -export`). */
  keystore: { location: string; password: string };
  /** SCRAM credentials, written into the cluster metadata at format time (`kafka-storage format --add-scram`). */
  scramUsers?: Array<{ mechanism: ScramMechanism; username: string; password: string }>;
  /** SASL PLAIN users and their passwords, from the listener's JAAS config. */
  plainUsers?: Record<string, string>;
  /** PEM file of the CA(s) whose client certificates are accepted: adds an SSL listener that requires one (mutual TLS). */
  clientCaPem?: string;
}

/** Listener name → port; CONTROLLER and INTERNAL stay plaintext on 127.0.0.1, for the broker itself and the readiness probe. */
export interface ListenerPorts {
  client: number;
  controller: number;
  internal?: number;
  mtls?: number;
}

/** JAAS option values are double-quoted strings; a quote or backslash inside must be escaped. */
function jaasQuoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function plainJaas(users: Record<string, string>): string {
  const entries = Object.entries(users).map(([name, password]) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new ConfigError(`secured broker: PLAIN user name "${name}" may only use letters, digits, _ . -`);
    return `user_${name}=${jaasQuoted(password)}`;
  });
  return `org.apache.kafka.common.security.plain.PlainLoginModule required ${entries.join(' ')};`;
}

/** The listener lines of server.properties: plaintext only, or SASL_SSL (+ SSL with client auth) for clients. */
export function listenerProperties(ports: ListenerPorts, secured?: SecuredBrokerConfig): string[] {
  const host = '127.0.0.1';
  const controller = `CONTROLLER://${host}:${ports.controller}`;
  if (!secured) {
    return [
      `listeners=PLAINTEXT://${host}:${ports.client},${controller}`,
      `advertised.listeners=PLAINTEXT://${host}:${ports.client}`,
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    ];
  }
  const client = [`SASL_SSL://${host}:${ports.client}`, `INTERNAL://${host}:${ports.internal}`, ...(ports.mtls ? [`MTLS://${host}:${ports.mtls}`] : [])];
  const lines = [
    `listeners=${[...client, controller].join(',')}`,
    `advertised.listeners=${client.join(',')}`,
    'inter.broker.listener.name=INTERNAL',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_ssl.plain.sasl.jaas.config=${plainJaas(secured.plainUsers ?? {})}`,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${secured.keystore.location}`,
    `ssl.keystore.password=${secured.keystore.password}`,
  ];
  if (secured.clientCaPem) {
    lines.push('ssl.truststore.type=PEM', `ssl.truststore.location=${secured.clientCaPem}`, 'listener.name.mtls.ssl.client.auth=required');
  }
  return lines;
}

/** `kafka-storage format` arguments that create the SCRAM users in the new cluster's metadata. */
export function scramFormatArgs(secured?: SecuredBrokerConfig): string[] {
  return (secured?.scramUsers ?? []).flatMap(({ mechanism, username, password }) => {
    if (/[,\]=]/.test(username) || /[,\]]/.test(password)) {
      throw new ConfigError(`secured broker: SCRAM user "${username}": names and passwords given to --add-scram cannot contain , or ]`);
    }
    return ['--add-scram', `${mechanism}=[name=${username},password=${password}]`];
  });
}
