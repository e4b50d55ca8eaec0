/**
 * `loadTopology` by built-in name. Apart from test/unit/topology/load-and-strength.test.ts because loading a
 * built-in loads the whole package (14 s under load), too slow to run once per mutant in `npm run test:mutation`.
 */
import { loadTopology } from '../../../src/topology/load-topology';

it('loads a built-in by name and applies the options to its factory', () => {
  const shared = loadTopology('regression-sgd');
  expect(shared.modelId).toBe('regression-sgd');
  expect(shared.config.modelScope ?? 'shared').toBe('shared');
  expect(loadTopology('regression-sgd', { modelScope: 'per-partition' }).config.modelScope).toBe('per-partition');
});
