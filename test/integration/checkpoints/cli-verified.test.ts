/**
 * Signed checkpoints as the CLI user sees them (issue 11): with a verify key, `streamlearn subscribe` and
 * `streamlearn models` say "verified" with the key id on every version they print, and skip a version the
 * key did not sign, keeping the newest signed one.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
import { createManifestSigner } from '../../../src/checkpoints/signing';
import { models } from '../../../src/cli/commands/models';
import { createLinearRegression } from '../../../src/learners';
import { buildDist } from '../../support/build';
import { ROOT } from '../../support/cli';
import { testBrokers, uniqueName } from '../../support/kafka';

let dir = '';
let topic = '';
let keyId = '';
const brokers = () => testBrokers().join(',');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-verified-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'verify-key.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  const signer = createManifestSigner(privateKey);
  keyId = signer.keyId;
  topic = `${uniqueName('verified')}.models`;
  await ensureTopics({ brokers: testBrokers() }, [{ topic, compacted: true }]);
  const sink = createKafkaSink({ brokers: testBrokers() });
  try {
    const model = createLinearRegression({ numFeatures: 2 });
    const fields = (version: number) => ({ modelId: 'm', version, offsets: [], examplesSeen: version, metrics: {} });
    const signed = createCheckpointPublisher({ sink, topic, signer });
    for (const version of [1, 2]) {
      model.learnOne(Float64Array.of(version, 1), version);
      await signed.publish(fields(version), model.state());
    }
    // A newer version nobody signed: with the key, it is skipped and v2 stays the newest.
    await createCheckpointPublisher({ sink, topic }).publish(fields(3), model.state());
  } finally {
    await sink.close();
  }
  await buildDist();
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `streamlearn subscribe` until it has printed its first version, then stops it as a user would. */
function firstSubscribedLine(args: string[]): Promise<{ line: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'streamlearn.js'), 'subscribe', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`subscribe printed nothing in 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) child.kill('SIGTERM');
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ line: stdout.split('\n')[0], stderr });
    });
  });
}

describe('signed checkpoints on the command line', () => {
  it('subscribe --verify-key prints the newest signed version with "verified" and the key id, and skips the unsigned one', async () => {
    const { line, stderr } = await firstSubscribedLine(['--topic', topic, '--model', 'm', '--verify-key', join(dir, 'verify-key.pem'), '--brokers', brokers()]);
    expect(line).toMatch(/^m v2 LinearRegression seen=2 /);
    expect(line).toContain(` verified ed25519 key ${keyId}`);
    expect(stderr).toContain('m v3 is unsigned');
  }, 90_000);

  it('subscribe without a key says nothing of verification and takes the newest version', async () => {
    const { line } = await firstSubscribedLine(['--topic', topic, '--model', 'm', '--brokers', brokers()]);
    expect(line).toMatch(/^m v3 /);
    expect(line).not.toContain('verified');
  }, 90_000);

  it('models --verify-key says "verified" with the key id', async () => {
    const printed: string[] = [];
    const skipped: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => skipped.push(String(chunk)) > 0);
    try {
      await models.run({ values: { topic, brokers: brokers(), 'verify-key': join(dir, 'verify-key.pem') }, positionals: [] });
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(new RegExp(`^m v2 LinearRegression .* verified ed25519 key ${keyId}\\n$`));
    expect(skipped.join('')).toContain('m v3 is unsigned');
  }, 60_000);
});
