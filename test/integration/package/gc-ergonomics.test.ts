/**
 * The GC's ergonomics as a process gets them (src/gc.ts): `node -r streamlearn/gc` turns V8's concurrent
 * marking off where the choice says so, seen in V8's own trace of its marking tasks, holds the heap's growing
 * factor, seen in V8's trace of its heap limits, and the CLI names a bad setting in one line. No broker: these
 * are processes of the built package.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CONCURRENT_MARKING_ENV, HEAP_GROWING_ENV } from '../../../src/gc-ergonomics';
import { buildDist } from '../../support/build';

const ROOT = join(__dirname, '..', '..', '..');
/** Enough short-lived and kept objects for V8 to start several major marking cycles (measured: 5+ with it on). */
const ALLOCATE = "let kept = []; for (let i = 0; i < 3e6; i++) { kept.push({ i, s: 'x' + i }); if (kept.length > 3e5) kept = []; }";

/**
 * Marking tasks V8 started while the program ran, from its traces (`--trace-gc`, `--trace-concurrent-marking`).
 * Tasks started inside a mark-compact's pause are parallel marking, which stays on, so they are not counted: a
 * pause line reads "<t> ms: Mark-Compact …, <pause> / …", and a task within 2 ms before its start is the pause's.
 */
function tasksOutsidePauses(trace: string): number {
  const taskTimes: number[] = [];
  let counted = 0;
  for (const line of trace.split('\n')) {
    const task = /(\d+) ms: Starting major concurrent marking task/.exec(line);
    if (task) taskTimes.push(Number(task[1]));
    const pause = /(\d+) ms: Mark-Compact .*?MB, ([\d.]+) \//.exec(line);
    if (!pause) continue;
    const pauseStart = Number(pause[1]) - Number(pause[2]);
    counted += taskTimes.filter((time) => time < pauseStart - 2).length;
    taskTimes.length = 0;
  }
  return counted + taskTimes.length;
}

/** V8's traces of `ALLOCATE` run with `streamlearn/gc` preloaded under `env`. */
function traced(traceFlags: string[], env: Record<string, string>): string {
  const child = spawnSync(process.execPath, [...traceFlags, '-r', 'streamlearn/gc', '-e', ALLOCATE], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (child.status !== 0) throw new Error(`node exited ${child.status}: ${child.stderr}`);
  return child.stdout;
}

const concurrentMarkingTasks = (setting: string): number =>
  tasksOutsidePauses(traced(['--trace-gc', '--trace-concurrent-marking'], { [CONCURRENT_MARKING_ENV]: setting }));

/** The factors V8 grew its old generation's limit by after each mark-compact ("[HeapController] Limit: … (4.0)"). */
function growingFactors(setting: string): string[] {
  const trace = traced(['--trace-gc-verbose'], { [HEAP_GROWING_ENV]: setting });
  return [...trace.matchAll(/\[HeapController\] Limit: .*\(([\d.]+)\)$/gm)].map((match) => match[1]!);
}

beforeAll(buildDist);

test('off: V8 marks in no task while the program runs; on (the control): it does', () => {
  for (let run = 0; run < 5; run++) expect(concurrentMarkingTasks('off')).toBe(0);
  expect(concurrentMarkingTasks('on')).toBeGreaterThan(0);
});

test('the heap grows by 4x by default, and by the factor a percent in the environment gives', () => {
  const byDefault = growingFactors('');
  expect(byDefault.length).toBeGreaterThan(0);
  expect(new Set(byDefault)).toEqual(new Set(['4.0']));
  expect(new Set(growingFactors('150'))).toEqual(new Set(['2.5']));
});

test('the CLI names a bad setting in one line and exits 1', () => {
  const child = spawnSync(process.execPath, [join(ROOT, 'bin', 'streamlearn.js'), '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, [CONCURRENT_MARKING_ENV]: 'sometimes' },
  });
  expect(child.status).toBe(1);
  expect(child.stderr).toBe(`streamlearn: ${CONCURRENT_MARKING_ENV} must be one of auto, on, off, got "sometimes"\n`);
  expect(child.stdout).toBe('');
});
