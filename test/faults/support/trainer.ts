import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Checkpoint } from '../../../src/checkpoints/envelope';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';
import type { Row } from '../../../src/features/stage';
import type { ModelState } from '../../../src/state';
import type { regressionSgd } from '../../../topologies/regression-sgd';
import { buildDist } from '../../support/build';

export const ROOT = join(__dirname, '..', '..', '..');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The CLI runs from dist/: built once per file, under the shared build lock. */
export const buildCli = buildDist;

/** A trainer as a production user runs it: a separate `streamlearn run` process. Its stderr is collected. */
export function startTrainer(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { log: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'streamlearn.js'), 'run', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  return Object.assign(child, { log: () => log });
}

export const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

export const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

export async function latestCheckpoint(brokers: string[], topic: string, modelId: string): Promise<Checkpoint | undefined> {
  return (await loadLatestCheckpoints({ brokers }, topic)).get(modelId);
}

/** Waits until the model's latest checkpoint covers `offset` on partition 0 (or the deadline passes). */
export async function waitForCheckpointAt(
  brokers: string[],
  topic: string,
  modelId: string,
  offset: number,
  timeoutMs: number,
): Promise<Checkpoint | undefined> {
  let latest: Checkpoint | undefined;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(500)) {
    latest = await latestCheckpoint(brokers, topic, modelId).catch(() => undefined);
    if (latest?.manifest.offsets[0]?.offset === String(offset)) break;
  }
  return latest;
}

/** Bit-for-bit equality of two model states: same kind, same arrays, same bytes. */
export function expectSameState(actual: ModelState, expected: ModelState): void {
  expect(actual.kind).toBe(expected.kind);
  expectSameArrays(actual.arrays, expected.arrays);
}

function expectSameArrays(actual: ModelState['arrays'], expected: ModelState['arrays']): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, array] of Object.entries(expected)) {
    const got = actual[name];
    const same = Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
    if (!same) throw new Error(`array "${name}" differs from the uninterrupted run's`);
  }
}

/**
 * What a regression-sgd run must have published last when it consumed `consumed` offsets of partition 0 and
 * learned `learned` once each, in order: those offsets, that count, and the uninterrupted run's model bit for bit.
 */
export function expectLearnedOnce(
  final: { manifest: CheckpointManifest; arrays: ModelState['arrays'] },
  topology: ReturnType<typeof regressionSgd>,
  consumed: number,
  learned: Row[],
): void {
  expect(final.manifest.offsets).toEqual([{ topic: topology.config.input.topic, partition: 0, offset: String(consumed) }]);
  expect(final.manifest.examplesSeen).toBe(learned.length);
  const reference = topology.config.model();
  reference.learnMany(
    learned,
    Float64Array.from(learned, (e) => e.y as number),
  );
  expectSameArrays(final.arrays, reference.state().arrays);
}
