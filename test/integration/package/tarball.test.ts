/**
 * streamlearn as a user gets it: `npm pack`, the tarball installed into a scratch project outside the
 * repository, and there a TypeScript topology (type-checked against the shipped .d.ts) and a plain
 * JavaScript one, each importing only 'streamlearn', run with the installed `streamlearn run` against the
 * test broker until they checkpoint, then followed with `subscribeModel` from a second script.
 *
 * The install is `npm install --prefer-offline`: dependencies come from npm's cache when there (the
 * repository's own install filled it), else from the registry, as for any user; measured 20 s for the 14
 * packages on a cold cache, 4 s warm. `--omit=optional` and no TensorFlow.js (an optional peer) prove that
 * neither testcontainers nor TensorFlow.js is needed by a linear consumer.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { buildDist } from '../../support/build';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce } from '../topology/support';

const ROOT = join(__dirname, '..', '..', '..');
const SCRATCH_FILES = join(__dirname, 'scratch');
const EVENTS = 3000;

function check(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function sh(command: string, args: string[], cwd: string, what: string): string {
  return check(spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } }), what);
}

let project: string;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'streamlearn-user-'));
  // The build `npm pack` would run (`prepare`), under the build lock that other tests of the compiled CLI share.
  await buildDist();
  const tarball = sh('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', project], ROOT, 'npm pack').trim().split('\n').pop() as string;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-streamlearn-service', version: '1.0.0', private: true }));
  sh('npm', ['install', '--prefer-offline', '--omit=optional', '--no-audit', '--no-fund', join(project, tarball)], project, 'npm install of the tarball');
  for (const file of readdirSync(SCRATCH_FILES)) copyFileSync(join(SCRATCH_FILES, file), join(project, file));
}, 600_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

test('the tarball ships the entry points and types, and no tests, benches or TensorFlow.js', () => {
  const installed = join(project, 'node_modules', 'streamlearn');
  for (const file of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/neural/index.d.ts', 'bin/streamlearn.js', 'dist/topologies/regression-sgd.js']) {
    expect({ file, exists: existsSync(join(installed, file)) }).toEqual({ file, exists: true });
  }
  for (const absent of ['dist/test', 'dist/bench', 'node_modules/@tensorflow/tfjs', 'node_modules/testcontainers']) {
    const where = absent.startsWith('node_modules') ? join(project, absent) : join(installed, absent);
    expect({ absent, exists: existsSync(where) }).toEqual({ absent, exists: false });
  }
  // Of src/, only the dashboard's page ships: it is served as it is, with no build step.
  const shippedSources = readdirSync(join(installed, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(installed, join(entry.parentPath, entry.name)));
  expect(shippedSources.filter((file) => !file.startsWith(join('src', 'observability', 'dashboard', 'static')))).toEqual([]);
  expect(shippedSources).toContain(join('src', 'observability', 'dashboard', 'static', 'index.html'));
});

test('the TypeScript topology type-checks against the shipped declarations, and a type error would be caught', () => {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  // A Node library's users have @types/node; the scratch project borrows the repository's copy.
  const types = join(project, 'node_modules', '@types');
  if (!existsSync(join(types, 'node'))) {
    spawnSync('mkdir', ['-p', types]);
    spawnSync('ln', ['-s', join(ROOT, 'node_modules', '@types', 'node'), join(types, 'node')]);
  }
  sh(process.execPath, [tsc, '-p', 'tsconfig.json'], project, 'tsc of my-ts-topology.ts');
  expect(existsSync(join(project, 'my-ts-topology.js'))).toBe(true);
  // The check has teeth: a wrong config field fails against the same .d.ts.
  writeFileSync(join(project, 'wrong.ts'), "import { createLinearRegression } from 'streamlearn';\ncreateLinearRegression({ numFeatures: 'three' });\n");
  const wrong = spawnSync(process.execPath, [tsc, '--ignoreConfig', '--noEmit', '--strict', '--module', 'node16', '--types', 'node', 'wrong.ts'], {
    cwd: project,
    encoding: 'utf8',
  });
  expect(wrong.status).not.toBe(0);
  expect(wrong.stdout).toContain("Type 'string' is not assignable to type 'number'");
});

test('an ES-module consumer imports the CommonJS build by name', () => {
  const printed = JSON.parse(sh(process.execPath, ['esm-consumer.mjs'], project, 'node esm-consumer.mjs').trim()) as { exported: string[]; prediction: number };
  expect(printed.exported).toEqual(['function', 'function', 'function', 'function']);
  // y = 2·x0 − x1 at (0.5, 0.5) is 0.5: the imported learner really learned.
  expect(Math.abs(printed.prediction - 0.5)).toBeLessThan(0.05);
});

interface Subscribed {
  modelId: string;
  version: number;
  kind: string;
  examplesSeen: number;
  prediction: number | string;
}

interface Prepared {
  module: string;
  prefix: string;
  modelId: string;
  modelTopic: string;
}

/** The topology's input topic, filled with its events; done one topology at a time. */
async function prepare(module: string, topologyName: string, events: object[]): Promise<Prepared> {
  const brokers = testBrokers();
  const prefix = `${uniqueName('pkg')}.`;
  const modelId = `${prefix}${topologyName}`;
  await ensureTopics({ brokers }, [{ topic: `${modelId}.events` }]);
  await produce(brokers, `${modelId}.events`, events);
  return { module, prefix, modelId, modelTopic: `${modelId}.models` };
}

/** Runs `streamlearn run <module>` until the model topic holds a checkpoint, subscribes from a second script, then stops the run. */
async function runAndSubscribe({ module, prefix, modelId, modelTopic }: Prepared, probe: object): Promise<{ subscribed: Subscribed; stderr: string }> {
  const brokers = testBrokers();
  const bin = join(project, 'node_modules', '.bin', 'streamlearn');
  const run = spawn(bin, ['run', `./${module}`, '--brokers', brokers.join(','), '--prefix', prefix, '--from-beginning'], {
    cwd: project,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': it comes after the child's stderr has been read to its end.
  const exited = new Promise<number | null>((resolve) => run.on('close', (code) => resolve(code)));
  try {
    for (let waited = 0; !(await loadLatestCheckpoints({ brokers }, modelTopic, modelId).catch(() => new Map())).has(modelId); waited += 1000) {
      if (run.exitCode !== null) throw new Error(`streamlearn run exited (${run.exitCode}) before a checkpoint:\n${stderr}`);
      if (waited > 150_000) throw new Error(`no checkpoint on ${modelTopic} after 150 s:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const subscriber = spawnSync(process.execPath, ['subscribe.js', brokers.join(','), modelTopic, modelId, JSON.stringify(probe)], {
      cwd: project,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const subscribed = JSON.parse(check(subscriber, 'subscribe.js').trim().split('\n').pop() as string) as Subscribed;
    run.kill('SIGTERM');
    expect(await exited).toBe(0);
    return { subscribed, stderr };
  } finally {
    if (run.exitCode === null) run.kill('SIGKILL');
  }
}

test('both topologies run with the installed `streamlearn run`, checkpoint, and are followed by subscribeModel', async () => {
  const regression = Array.from({ length: EVENTS }, (_, i) => {
    const [x0, x1, x2] = [Math.sin(i), Math.cos(i * 0.7), ((i * 37) % 100) / 10];
    return { x0, x1, x2, y: 3 * x0 - 2 * x1 + 0.5 * x2 + 1 };
  });
  const clicks = Array.from({ length: EVENTS }, (_, i) => {
    const [a, b] = [Math.sin(i * 1.3), Math.cos(i * 0.3)];
    return { a, b, clicked: a + b > 0 ? 'yes' : 'no' };
  });
  const tsPrepared = await prepare('my-ts-topology.js', 'my-ts-topology', regression);
  const jsPrepared = await prepare('my-topology.js', 'my-js-topology', clicks);
  const [ts, js] = await Promise.all([runAndSubscribe(tsPrepared, { x0: 0.5, x1: 0.5, x2: 5 }), runAndSubscribe(jsPrepared, { a: 1, b: 1 })]);
  expect(ts.subscribed).toMatchObject({ kind: 'Pipeline', version: expect.any(Number) });
  expect(ts.subscribed.examplesSeen).toBeGreaterThan(0);
  // Learned, not a fresh model: y = 1.5 - 1 + 2.5 + 1 = 4 at the probe, and a fresh model predicts 0.
  expect(Math.abs((ts.subscribed.prediction as number) - 4)).toBeLessThan(1.5);
  // String labels in, string labels out: the JS topology indexes 'yes'/'no' and answers with them.
  expect(js.subscribed).toMatchObject({ kind: 'LabelIndexed', prediction: 'yes' });
  expect(js.subscribed.examplesSeen).toBeGreaterThan(0);
  for (const { stderr } of [ts, js]) {
    expect(stderr).toMatch(/stopped: .* v\d+ published/);
    expect(stderr).not.toContain('TensorFlow.js');
  }
}, 400_000);
