import { errorMessage } from '../../src/errors';
import { securityProtocol, type KafkaConnection } from './connection';
import { causeChain } from './kafka-errors';

/** Node's codes for a broker certificate this client does not accept (openssl's X509_V_ERR_* names and Node's own). */
const UNTRUSTED_CERTIFICATE = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_(GET|VERIFY)_\w+|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID)$/;
/** TLS alerts the broker sends when it refuses the client's certificate (or its absence), e.g. ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE. */
const CLIENT_CERTIFICATE_REFUSED = /^ERR_SSL_\w*ALERT_(BAD_CERTIFICATE|CERTIFICATE_\w+|UNKNOWN_CA)$/;

export type ConnectionFailure =
  'authentication' | 'untrusted-certificate' | 'client-certificate-refused' | 'tls-handshake' | 'closed' | 'refused' | 'unreachable';

/** What kind of connection failure `err` is, judged from kafkajs's error and the socket error under it. */
export function connectionFailure(err: unknown): ConnectionFailure {
  const links = [...causeChain(err)];
  if (links.some((l) => l.name === 'KafkaJSSASLAuthenticationError' || l.type === 'SASL_AUTHENTICATION_FAILED')) return 'authentication';
  const code = links.find((l) => typeof l.code === 'string')?.code ?? '';
  if (UNTRUSTED_CERTIFICATE.test(code)) return 'untrusted-certificate';
  if (CLIENT_CERTIFICATE_REFUSED.test(code)) return 'client-certificate-refused';
  if (/^ERR_SSL|^EPROTO/.test(code) || links.some((l) => /SSL routines|wrong version number|secure TLS connection/i.test(l.message ?? '')))
    return 'tls-handshake';
  if (code === 'ECONNREFUSED') return 'refused';
  if (links.some((l) => l.name === 'KafkaJSConnectionClosedError' || /Closed connection|socket hang up|ECONNRESET/i.test(l.message ?? ''))) return 'closed';
  return 'unreachable';
}

/** A failure that trying again cannot cure: wrong credentials, or a certificate one side does not accept. */
export function isPermanentConnectionFailure(err: unknown): boolean {
  const kind = connectionFailure(err);
  return kind === 'authentication' || kind === 'untrusted-certificate' || kind === 'client-certificate-refused';
}

/** One line saying what went wrong and what to check, naming the brokers but never a secret. */
export function explainConnectionFailure(connection: KafkaConnection, err: unknown): string {
  const protocol = securityProtocol(connection);
  const detail = errorMessage(err).split('\n')[0];
  switch (connectionFailure(err)) {
    case 'authentication':
      return `authentication failed for user "${connection.sasl?.username ?? ''}" (${connection.sasl?.mechanism ?? 'SASL'}): check the username and password (${detail})`;
    case 'untrusted-certificate':
      return `the broker's TLS certificate is not trusted (${detail}): give the CA that signed it (ssl.truststore.location or ssl.ca.location, KAFKA_SSL_CA_LOCATION)`;
    case 'client-certificate-refused':
      return `the broker refused this client's certificate (${detail}): mutual TLS needs a certificate signed by a CA the broker trusts (ssl.keystore.location or ssl.certificate.location + ssl.key.location)`;
    case 'tls-handshake':
      return `the TLS handshake failed (${detail}): check that this port serves TLS and that the client certificate, if one is required, is given`;
    case 'closed':
      return protocol === 'PLAINTEXT' || protocol === 'SASL_PLAINTEXT'
        ? `the broker closed the connection (${detail}): if this port expects TLS, set security.protocol=SSL or SASL_SSL`
        : `the broker closed the connection (${detail}): check security.protocol, the SASL mechanism and, for mutual TLS, the client certificate`;
    case 'refused':
      return `nothing accepts connections there (${detail}): is the broker running, and is the port right?`;
    default:
      return detail;
  }
}
