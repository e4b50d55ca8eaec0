import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaConnection } from '../../../connectors/kafka/connection';
import { startLocalKafka, type LocalKafka } from '../../../src/broker/local-kafka';
import { friedmanStream } from '../../../src/datasets/friedman';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { makeTestCertificates, type TestCertificates } from '../../support/certificates';
import { buildCli, ROOT, runCli, type CliResult } from '../../support/cli';
import { uniqueName } from '../../support/kafka';
import { take } from '../topology/support';
import { lastValueFrom, toArray } from 'rxjs';
import { readTopic } from '../../../connectors/kafka/topic-reader';

const SECRET = 'Sup3r-Secret-Pa55word';
const WRONG = 'Wr0ng-Guess-Pa55word';

let dir: string;
let certs: TestCertificates;
let broker: LocalKafka;
/** Everything the CLI printed, in every scenario: grepped for the passwords at the end. */
const printed: string[] = [];

function record(result: CliResult): CliResult {
  printed.push(result.stdout, result.stderr);
  return result;
}

function properties(name: string, password: string, extra = ''): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      `bootstrap.servers=${broker.listeners.SASL_SSL}`,
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-256',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${password}";`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${certs.caPem}`,
      extra,
    ].join('\n'),
  );
  return file;
}

beforeAll(async () => {
  buildCli();
  dir = mkdtempSync(join(tmpdir(), 'streamlearn-cli-secrets-'));
  certs = makeTestCertificates(dir);
  broker = await startLocalKafka({
    secured: { keystore: certs.brokerKeystore, scramUsers: [{ mechanism: 'SCRAM-SHA-256', username: 'alice', password: SECRET }] },
  });
}, 300_000);

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the CLI against a SASL_SSL cluster', () => {
  const prefix = `${uniqueName('secret')}.`;
  const topology = regressionSgd({ prefix });

  it('produces, trains and lists models with --command-config client.properties', async () => {
    const config = properties('client.properties', SECRET);
    const events = join(dir, 'events.jsonl');
    writeFileSync(
      events,
      `${take(friedmanStream(), 1500)
        .map((e) => JSON.stringify(e))
        .join('\n')}\n`,
    );
    const produced = record(await runCli(['produce', '--topic', topology.config.input.topic, '--file', events, '--command-config', config], {}));
    expect(produced.code).toBe(0);
    expect(produced.stderr).toContain(`using ${broker.listeners.SASL_SSL} (SASL_SSL, scram-sha-256 as alice), from bootstrap.servers`);

    const trainer = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'streamlearn.js'), 'run', 'regression-sgd', '--prefix', prefix, '--checkpoint-every', '500', '--command-config', config],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    trainer.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    trainer.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => trainer.on('exit', (code) => resolve(code)));
    // With a checkpoint every 500 records, the one at 1500 says everything was learned.
    const learnedAll = new RegExp(`^${topology.modelId.replace(/\./g, '\\.')} v\\d+ .* seen=1500 `, 'm');
    let listed: CliResult | undefined;
    for (let tries = 0; tries < 60 && !learnedAll.test(listed?.stdout ?? ''); tries++) {
      await new Promise((r) => setTimeout(r, 1000));
      listed = record(await runCli(['models', '--topic', topology.config.outputs.modelTopic, '--command-config', config], {}));
    }
    trainer.kill('SIGTERM');
    expect(await exited).toBe(0);
    printed.push(out, err);
    expect(err).toMatch(/^\d+ rec .*regression-sgd@v\d+/m);
    expect(listed!.code).toBe(0);
    expect(listed!.stdout).toMatch(learnedAll);
  });

  it('takes the same settings from the environment', async () => {
    const listed = record(
      await runCli(['models', '--topic', topology.config.outputs.modelTopic], {
        KAFKA_BROKERS: broker.listeners.SASL_SSL!,
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
        KAFKA_SASL_USERNAME: 'alice',
        KAFKA_SASL_PASSWORD: SECRET,
        KAFKA_SSL_CA_LOCATION: certs.caPem,
      }),
    );
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${topology.modelId} v`);
  });

  it('fails on a wrong password within seconds: one line, exit 1, no retry storm', async () => {
    const result = record(
      await runCli(['models', '--topic', topology.config.outputs.modelTopic, '--command-config', properties('wrong.properties', WRONG)], {}),
    );
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^streamlearn models: cannot connect to Kafka at ${broker.listeners.SASL_SSL} \\(SASL_SSL, scram-sha-256 as alice\\): authentication failed for user "alice" \\(scram-sha-256\\)`,
        ),
      ),
    ]);
    expect(result.ms).toBeLessThan(10_000);
  });

  it('refuses SASL PLAIN over plaintext unless allowed, and an untrusted CA, each in one line', async () => {
    const plain = join(dir, 'plain.properties');
    writeFileSync(
      plain,
      `bootstrap.servers=${broker.listeners.SASL_SSL}\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=alice\nsasl.password=${SECRET}\n`,
    );
    const refused = record(await runCli(['models', '--topic', 'x', '--command-config', plain], {}));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'streamlearn models: connection settings: SASL PLAIN without TLS would send the password in clear text; use TLS (security.protocol=SASL_SSL) or allow it explicitly (allow.plaintext.sasl=true, or allowPlaintextSasl: true in the API)\n',
    );

    const otherCa = join(dir, 'other.properties');
    writeFileSync(otherCa, readFileSync(properties('base.properties', SECRET), 'utf8').replace(certs.caPem, certs.otherCaPem));
    const distrusted = record(await runCli(['models', '--topic', 'x', '--command-config', otherCa], {}));
    expect(distrusted.code).toBe(1);
    expect(distrusted.stderr).toMatch(/^streamlearn models: cannot connect to Kafka at .*: the broker's TLS certificate is not trusted .*\n$/);
  });

  it('never shows a password: help, progress, errors, and the manifests on the model topic', async () => {
    printed.push(record(await runCli(['--help'], { KAFKA_SASL_PASSWORD: SECRET })).stdout);
    for (const command of ['run', 'produce', 'models', 'subscribe', 'kafka start'])
      record(await runCli([...command.split(' '), '--help'], { KAFKA_SASL_PASSWORD: SECRET }));
    const connection: KafkaConnection = {
      brokers: [broker.listeners.SASL_SSL!],
      ssl: { ca: readFileSync(certs.caPem, 'utf8') },
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: SECRET },
    };
    const models = await lastValueFrom(readTopic({ ...connection, topic: topology.config.outputs.modelTopic }).pipe(toArray()));
    const manifests = models.flatMap((event) =>
      event.type === 'record' && event.record.value ? [event.record.value.toString('latin1'), JSON.stringify(event.record.headers)] : [],
    );
    expect(manifests.length).toBeGreaterThan(0);
    const everything = [...printed, ...manifests].join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(WRONG);
  });
});
