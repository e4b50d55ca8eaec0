/**
 * A real checkpoint record of a tree and of a forest, read by pyarrow alone (the `reader` venv: no
 * streamlearn code in Python), laid out as node tables and drawn as indented text. The walk Python
 * reports must be the tree as TypeScript sees it. Without python3 or the venv the test fails, naming why.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildCheckpoint, encodeEnvelope } from '../../../src/checkpoints/envelope';
import { agrawalStream } from '../../../src/datasets/agrawal';
import type { LearnerState, TypedArray } from '../../../src/learners';
import { createARFClassifier, createHoeffdingTreeClassifier } from '../../../src/trees';
import { readerPython } from '../../support/python-venv';

const run = promisify(execFile);
const NAMES = ['salary', 'commission', 'age', 'elevel', 'car', 'zipcode', 'hvalue', 'hyears', 'loan'];

function agrawalRows(n: number): Array<{ x: Float64Array; y: number }> {
  const stream = agrawalStream({ seed: 3, functionBefore: 2 });
  return Array.from({ length: n }, () => {
    const e = stream.next().value as ReturnType<typeof agrawalStream> extends Generator<infer T> ? T : never;
    return { x: Float64Array.of(e.salary, e.commission, e.age, e.elevel, e.car, e.zipcode, e.hvalue, e.hyears, e.loan), y: e.label };
  });
}

/** The preorder walk (depth, kind, feature, threshold) from the state arrays, as the Python side walks it. */
function walkOf(arrays: Record<string, TypedArray>, prefix: string): number[][] {
  const col = (name: string) => arrays[`${prefix}nodes.${name}`];
  const walk: number[][] = [];
  const visit = (node: number, depth: number): void => {
    walk.push([depth, col('kind')[node], col('feature')[node], col('threshold')[node]]);
    if (col('kind')[node] === 0) return;
    visit(col('left')[node], depth + 1);
    visit(col('right')[node], depth + 1);
  };
  visit(arrays[`${prefix}tree.scalars`][0], 0);
  return walk;
}

interface Drawn {
  kind: string;
  trees: Array<{ prefix: string; columns: string[]; walk: number[][]; text: string }>;
}

async function draw(state: LearnerState): Promise<Drawn> {
  const dir = mkdtempSync(join(tmpdir(), 'tree-'));
  try {
    const { manifest, payload } = buildCheckpoint(
      { modelId: 'agrawal-tree', version: 1, offsets: [], examplesSeen: 5000, metrics: {}, extra: { featureNames: NAMES } },
      state,
    );
    const file = join(dir, 'checkpoint.slck');
    writeFileSync(file, encodeEnvelope(manifest, payload));
    const { stdout } = await run(await readerPython(), [join(__dirname, 'draw_tree.py'), file], { timeout: 120_000, maxBuffer: 64 * 2 ** 20 });
    return JSON.parse(stdout) as Drawn;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('tree checkpoints read by pyarrow', () => {
  const rows = agrawalRows(6000);

  it('draws a Hoeffding tree: the node table holds the same tree, splitting first on age', async () => {
    const tree = createHoeffdingTreeClassifier({ numFeatures: 9, numClasses: 2 });
    for (const { x, y } of rows) tree.learnOne(x, y);
    const state = tree.state();
    const drawn = await draw(state);
    expect(drawn.kind).toBe('HoeffdingTreeClassifier');
    const [only] = drawn.trees;
    expect(only.columns).toEqual(['id', 'parent', 'kind', 'feature', 'threshold', 'left', 'right', 'depth', 'stats']);
    expect(only.walk).toEqual(walkOf(state.arrays, ''));
    expect(only.walk.length).toBeGreaterThanOrEqual(5);
    // Agrawal function 2 is a rule on age first (under 40, 40–60, over 60), then on education level.
    expect(only.text.split('\n')[0]).toMatch(/^age <= \d/);
    expect(only.text).toMatch(/\n {2}yes: /);
    expect(only.text).toContain('elevel');
    console.log(`Hoeffding tree on Agrawal function 2, drawn by pyarrow:\n${only.text}`);
  });

  it('draws every tree of a forest', async () => {
    const forest = createARFClassifier({ numFeatures: 9, numClasses: 2, numModels: 3, seed: 11 });
    for (const { x, y } of rows.slice(0, 3000)) forest.learnOne(x, y);
    const state = forest.state();
    const drawn = await draw(state);
    expect(drawn.trees.map((t) => t.prefix)).toEqual(['tree0/', 'tree1/', 'tree2/']);
    drawn.trees.forEach((t) => expect(t.walk).toEqual(walkOf(state.arrays, t.prefix)));
    expect(drawn.trees.some((t) => t.walk.length > 1)).toBe(true);
  });
});
