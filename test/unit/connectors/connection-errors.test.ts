import { connectionFailure, explainConnectionFailure, isPermanentConnectionFailure } from '../../../connectors/kafka/connection-errors';

/** kafkajs's shapes: a named error whose `code` is the socket's, sometimes under a retries-exceeded wrapper. */
const kafkaJsError = (name: string, message: string, code?: string) => Object.assign(new Error(message), { name, code });
const wrapped = (cause: Error) => Object.assign(new Error(cause.message), { name: 'KafkaJSNumberOfRetriesExceeded', cause });

const tls = { brokers: ['b:9093'], ssl: true as const };
const scram = { ...tls, sasl: { mechanism: 'scram-sha-256' as const, username: 'alice', password: 'secret-pw' } };

describe('connectionFailure', () => {
  it.each([
    [kafkaJsError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA256 authentication failed: Authentication failed'), 'authentication', true],
    [
      kafkaJsError('KafkaJSConnectionError', 'Connection error: self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'),
      'untrusted-certificate',
      true,
    ],
    [
      kafkaJsError('KafkaJSConnectionError', 'Connection error: unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
      'untrusted-certificate',
      true,
    ],
    [
      kafkaJsError('KafkaJSConnectionError', "Connection error: Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'),
      'untrusted-certificate',
      true,
    ],
    [
      kafkaJsError('KafkaJSConnectionError', 'Connection error: sslv3 alert bad certificate', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'),
      'client-certificate-refused',
      true,
    ],
    [
      kafkaJsError('KafkaJSConnectionError', 'Connection error: tlsv13 alert certificate required', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'),
      'client-certificate-refused',
      true,
    ],
    [
      kafkaJsError('KafkaJSConnectionError', 'Connection error: Client network socket disconnected before secure TLS connection was established', 'ECONNRESET'),
      'tls-handshake',
      false,
    ],
    [wrapped(kafkaJsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')), 'refused', false],
    [kafkaJsError('KafkaJSConnectionClosedError', 'Closed connection'), 'closed', false],
    [kafkaJsError('KafkaJSConnectionError', 'Connection timeout'), 'unreachable', false],
  ])('%s is %s (permanent: %s)', (err, kind, permanent) => {
    expect(connectionFailure(err)).toBe(kind);
    expect(isPermanentConnectionFailure(err)).toBe(permanent);
  });
});

describe('explainConnectionFailure', () => {
  it('names the user and mechanism of a refused login, never the password', () => {
    const line = explainConnectionFailure(
      scram,
      kafkaJsError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA256 authentication failed: Authentication failed'),
    );
    expect(line).toMatch(/^authentication failed for user "alice" \(scram-sha-256\): check the username and password/);
    expect(line).not.toContain('secret-pw');
  });

  it('suggests TLS to a plaintext client whose connection was closed, and the protocol settings to a TLS one', () => {
    const closed = kafkaJsError('KafkaJSConnectionClosedError', 'Closed connection');
    expect(explainConnectionFailure({ brokers: ['b:9093'] }, closed)).toMatch(/if this port expects TLS, set security.protocol=SSL or SASL_SSL$/);
    expect(explainConnectionFailure(tls, closed)).toMatch(/check security.protocol, the SASL mechanism/);
  });

  it('keeps to the first line of a multi-line cause', () => {
    expect(explainConnectionFailure(tls, new Error('first\nsecond'))).toBe('first');
  });
});
