/**
 * docs/checkpoint-format.md must have a `### \`<Kind>\`` table for every kind a checkpoint can hold, so
 * that the documentation cannot fall behind the code. The kinds come from the registries, loaded by
 * importing every module that registers kinds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../../src/builtins';
import { stageKinds } from '../../../src/features/registry';
import { learnerKinds } from '../../../src/learners/registry';

// Every kind a checkpoint can hold, as src/builtins.ts registers them; the first test fails loudly if the
// registries come up empty.
const registeredKinds = (): string[] => [...learnerKinds(), ...stageKinds()];

const DOC = join(__dirname, '../../../docs/checkpoint-format.md');

/** The kinds with a `### \`Kind\`` heading, and the text under each. */
function documentedKinds(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = markdown.split(/^### `([^`]+)`\s*$/m);
  for (let i = 1; i < parts.length; i += 2) sections.set(parts[i], parts[i + 1].split(/^## /m)[0]);
  return sections;
}

describe('the per-kind checkpoint reference', () => {
  const documented = documentedKinds(readFileSync(DOC, 'utf8'));

  it('finds the registries populated (the test would prove nothing otherwise)', () => {
    expect(registeredKinds()).toEqual(expect.arrayContaining(['Pipeline', 'LinearRegression', 'StandardScaler', 'NeuralNet', 'BiasedMF', 'BprMF']));
  });

  it.each(registeredKinds())('documents %s with a table of its arrays', (kind) => {
    const section = documented.get(kind);
    expect(section).toBeDefined();
    expect(section).toMatch(/^\| *array +\| *dtype +\| *shape +\| *meaning +\|$/m); // prettier pads table cells
  });
});
