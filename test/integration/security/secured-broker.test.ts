import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaConnection } from '../../../connectors/kafka/connection';
import { probeBrokers } from '../../../connectors/kafka/probe';
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { readTopic } from '../../../connectors/kafka/topic-reader';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { startLocalKafka, type LocalKafka } from '../../../src/broker/local-kafka';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { subscribeModel } from '../../../src/checkpoints/subscribe';
import { friedmanStream } from '../../../src/datasets/friedman';
import { BrokerError } from '../../../src/errors';
import type { Row } from '../../../src/features/stage';
import { runServing } from '../../../src/serving/run-serving';
import { runTopology } from '../../../src/topology/run-topology';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { makeTestCertificates, type TestCertificates } from '../../support/certificates';
import { uniqueName } from '../../support/kafka';
import { take } from '../topology/support';

const ALICE = { username: 'alice', password: 'alice-Scram256-secret' };
const CAROL = { username: 'carol', password: 'carol-Scram512-secret' };
const BOB = { username: 'bob', password: 'bob-Plain-secret' };

let dir: string;
let certs: TestCertificates;
let broker: LocalKafka;
let saslSsl: string[];
let mtls: string[];
let ca: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'streamlearn-secured-'));
  certs = makeTestCertificates(dir);
  ca = readFileSync(certs.caPem, 'utf8');
  broker = await startLocalKafka({
    secured: {
      keystore: certs.brokerKeystore,
      clientCaPem: certs.caPem,
      plainUsers: { [BOB.username]: BOB.password },
      scramUsers: [
        { mechanism: 'SCRAM-SHA-256', ...ALICE },
        { mechanism: 'SCRAM-SHA-512', ...CAROL },
      ],
    },
  });
  saslSsl = [broker.listeners.SASL_SSL!];
  mtls = [broker.listeners.SSL!];
}, 180_000);

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const scram256 = (): KafkaConnection => ({ brokers: saslSsl, ssl: { ca }, sasl: { mechanism: 'scram-sha-256', ...ALICE } });

/** Runs `attempt`, which must fail, and returns its error with how long it took. */
async function failure(attempt: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  try {
    await attempt();
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  }
  throw new Error('expected the attempt to fail');
}

describe('a secured broker (SASL_SSL with SCRAM users made at format time, and a mutual-TLS listener)', () => {
  it('accepts SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN over TLS with a private CA, and answers with its own cluster id', async () => {
    expect(await probeBrokers(scram256())).toBe(broker.clusterId);
    expect(await probeBrokers({ brokers: saslSsl, ssl: { ca }, sasl: { mechanism: 'scram-sha-512', ...CAROL } })).toBe(broker.clusterId);
    expect(await probeBrokers({ brokers: saslSsl, ssl: { ca }, sasl: { mechanism: 'plain', ...BOB } })).toBe(broker.clusterId);
  });

  const topology = regressionSgd({ prefix: `${uniqueName('sec')}.`, checkpoint: { everyRecords: 1000, everyMs: 60_000 } });

  it('trains a topology and publishes checkpoints over SASL_SSL', async () => {
    const connection = scram256();
    const { input, outputs } = topology.config;
    const events = take(friedmanStream(), 3000);
    await ensureTopics(connection, [{ topic: input.topic }]);
    const sink = createKafkaSink({ ...connection, clientId: 'secured-producer' });
    await sink.send(
      input.topic,
      events.map((event, i) => ({ key: `k${i}`, value: JSON.stringify(event) })),
    );
    await sink.close();

    const running = await runTopology(topology, { ...connection, until: (p) => p.records >= events.length });
    const progress = await running.done;
    expect(progress.learned).toBe(events.length);

    const latest = (await loadLatestCheckpoints(connection, outputs.modelTopic)).get(topology.modelId)!;
    expect(latest.manifest.offsets).toEqual([{ topic: input.topic, partition: 0, offset: String(events.length) }]);
    expect(latest.manifest.examplesSeen).toBe(events.length);
    expect(JSON.stringify(latest.manifest)).not.toContain(ALICE.password);
  });

  it('serves requests and feeds subscribers over SASL_SSL, from the model trained there', async () => {
    const connection = scram256();
    const { modelTopic } = topology.config.outputs;
    const version = await firstValueFrom(subscribeModel<Row>({ ...connection, topic: modelTopic, modelId: topology.modelId }));
    expect(version.manifest.examplesSeen).toBe(3000);
    const requestsTopic = `${modelTopic}.requests`;
    const predictionsTopic = `${modelTopic}.predictions`;
    const serving = await runServing({
      ...connection,
      modelTopic,
      modelId: topology.modelId,
      requestsTopic,
      predictionsTopic,
      deadLetterTopic: `${requestsTopic}-dlq`,
    });
    const requests = take(friedmanStream({ seed: 7 }), 20).map((event, i) => ({ ...(event as object), requestId: `r${i}` }) as unknown as Row);
    const sink = createKafkaSink({ ...connection, clientId: 'secured-requests' });
    await sink.send(
      requestsTopic,
      requests.map((request) => ({ key: String(request.requestId), value: JSON.stringify(request) })),
    );
    await sink.close();
    for (let waited = 0; serving.answered() < requests.length && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await serving.stop();
    const answers = await lastValueFrom(readTopic({ ...connection, topic: predictionsTopic }).pipe(toArray()));
    const predictions = answers.flatMap((event) =>
      event.type === 'record' ? [JSON.parse(event.record.value!.toString()) as { requestId: string; prediction: number }] : [],
    );
    expect(predictions.map((p) => p.requestId)).toEqual(requests.map((r) => r.requestId));
    predictions.forEach((p, i) => expect(p.prediction).toBe(version.model.predictOne(requests[i])));
  });

  it('refuses a wrong password at once, in one line naming the user and the broker, without the password', async () => {
    const wrong = 'not-alices-password';
    const { error, ms } = await failure(() => probeBrokers({ ...scram256(), sasl: { mechanism: 'scram-sha-256', username: 'alice', password: wrong } }));
    expect(error).toBeInstanceOf(BrokerError);
    expect(error.message).toMatch(/authentication failed for user "alice" \(scram-sha-256\)/);
    expect(error.message).toContain(saslSsl[0]);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain(wrong);
    // Not retried until the deadline: the default deadline is 10 s.
    expect(ms).toBeLessThan(10_000);
  });

  it('reports a plaintext client pointed at the TLS port clearly, by the deadline', async () => {
    const { error } = await failure(() => probeBrokers({ brokers: saslSsl, connectionTimeoutMs: 4000 }));
    expect(error.message).toMatch(new RegExp(`^no Kafka broker answered at ${saslSsl[0]} \\(PLAINTEXT\\) within 4000 ms: .*(TLS|closed)`));
    expect(error.message).not.toContain('\n');
  });

  it('refuses a broker certificate signed by a CA the client does not trust', async () => {
    const { error, ms } = await failure(() => probeBrokers({ ...scram256(), ssl: { ca: readFileSync(certs.otherCaPem, 'utf8') } }));
    expect(error.message).toMatch(/TLS certificate is not trusted/);
    expect(ms).toBeLessThan(10_000);
    // The system's CAs do not know our private CA either.
    expect((await failure(() => probeBrokers({ ...scram256(), ssl: true }))).error.message).toMatch(/TLS certificate is not trusted/);
  });

  it('serves a client with a certificate from the CA on the mutual-TLS listener, and refuses one without or from another CA', async () => {
    const withCert = (pair: { certPem: string; keyPem: string }): KafkaConnection => ({
      brokers: mtls,
      ssl: { ca, cert: readFileSync(pair.certPem, 'utf8'), key: readFileSync(pair.keyPem, 'utf8') },
      connectionTimeoutMs: 4000,
    });
    expect(await probeBrokers(withCert(certs.client))).toBe(broker.clusterId);
    const topic = uniqueName('mtls');
    await ensureTopics(withCert(certs.client), [{ topic }]);
    const sink = createKafkaSink({ ...withCert(certs.client), clientId: 'mtls-producer' });
    await sink.send(topic, [{ value: 'over mutual TLS' }]);
    await sink.close();

    const refused = /^cannot connect to Kafka at 127\.0\.0\.1:\d+ \(SSL\): the broker refused this client's certificate/;
    await expect(probeBrokers({ brokers: mtls, ssl: { ca }, connectionTimeoutMs: 4000 })).rejects.toThrow(refused);
    await expect(probeBrokers(withCert(certs.strangerClient))).rejects.toThrow(refused);
  });
});
