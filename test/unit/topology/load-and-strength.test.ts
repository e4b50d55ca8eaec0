/**
 * `loadTopology` (built-in names, module paths, default exports, factories, refusals) and the
 * `withEventStrength` operator, over plain values: no broker.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { firstValueFrom, of } from 'rxjs';
import type { DecodedRecord, MicroBatch } from '../../../connectors/types';
import { ConfigError } from '../../../src/errors';
import type { Row } from '../../../src/features/stage';
import { builtInTopologies, loadTopology } from '../../../src/topology/load-topology';
import { withEventStrength } from '../../../src/topology/operators/with-event-strength';

const dir = mkdtempSync(join(tmpdir(), 'streamlearn-load-'));
function moduleFile(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

describe('loadTopology', () => {
  it('lists the built-in topologies by name, without extensions or declaration files', () => {
    const names = builtInTopologies();
    expect(names).toEqual(expect.arrayContaining(['ctr-logistic', 'regression-sgd', 'reco-mf']));
    for (const name of names) expect(name).toMatch(/^[a-z-]+$/);
  });

  // Loading a built-in by name (it loads the whole package: 14 s under load) is in test/unit/topologies/load-built-in.test.ts,
  // out of the mutation run's tests.

  it('loads a CommonJS module by absolute path, and by a path relative to the working directory', () => {
    const path = moduleFile('plain.js', "module.exports = { modelId: 'plain', config: { note: 'cjs' } };");
    expect(loadTopology(path).modelId).toBe('plain');
    expect(loadTopology(relative(process.cwd(), path)).modelId).toBe('plain');
  });

  it('calls a default-exported function with the options', () => {
    const path = moduleFile('factory.js', "exports.default = (options) => ({ modelId: 'made-' + (options.modelScope ?? 'none'), config: {} });");
    expect(loadTopology(path).modelId).toBe('made-none');
    expect(loadTopology(path, { modelScope: 'per-partition' }).modelId).toBe('made-per-partition');
  });

  it('refuses a module that exports no topology, naming the path', () => {
    for (const [name, body] of [
      ['empty.js', 'module.exports = {};'],
      ['no-config.js', "module.exports = { modelId: 'x' };"],
      ['no-id.js', 'module.exports = { config: {} };'],
      ['null.js', 'exports.default = null; module.exports = null;'],
      ['number.js', 'module.exports = () => 7;'],
    ]) {
      const path = moduleFile(name, body);
      expect(() => loadTopology(path)).toThrow(ConfigError);
      expect(() => loadTopology(path)).toThrow(`${path} has no default export (nor module.exports) made by defineTopology()`);
    }
  });

  it('says which topology could not be loaded, and lists the built-ins', () => {
    expect(() => loadTopology('no-such-topology')).toThrow(ConfigError);
    expect(() => loadTopology('no-such-topology')).toThrow(/^topology "no-such-topology" could not be loaded \(built-in: .*ctr-logistic.*\): /);
  });
});

describe('withEventStrength', () => {
  const record = (value: unknown, offset: number): DecodedRecord<Row> =>
    ({ value, position: { topic: 't', partition: 0, offset: String(offset) } }) as unknown as DecodedRecord<Row>;
  const run = async (values: unknown[], field?: string) => {
    const batch = { records: values.map(record) } as unknown as MicroBatch<Row>;
    const out = await firstValueFrom(of(batch).pipe(withEventStrength(field === undefined ? undefined : { field })));
    return out.records.map((r) => r.value);
  };

  it('writes each known kind’s strength into `strength`, keeping the rest of the event', async () => {
    expect(await run([{ event: 'view', u: 1 }, { event: 'click' }, { event: 'buy' }])).toEqual([
      { event: 'view', u: 1, strength: 0.5 },
      { event: 'click', strength: 1 },
      { event: 'buy', strength: 2 },
    ]);
  });

  it('writes into the configured field', async () => {
    expect(await run([{ event: 'buy' }], 'weight')).toEqual([{ event: 'buy', weight: 2 }]);
  });

  it('passes events of no known kind, and non-objects, unchanged (the runtime dead-letters them)', async () => {
    const values = [{ event: 'hover' }, { event: 'toString' }, { event: 3 }, {}, null, 'buy'];
    const out = await run(values);
    expect(out).toEqual(values);
    out.forEach((value, i) => expect(value).toBe(values[i]));
  });
});
