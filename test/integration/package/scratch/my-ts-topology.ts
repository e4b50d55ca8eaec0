/**
 * A user's own topology in TypeScript, importing only 'streamlearn': numeric events `{ x0, x1, x2, y }`
 * standardised online and learned by linear regression. The tarball test type-checks it against the
 * shipped .d.ts files, compiles it, and runs it with `streamlearn run ./my-ts-topology.js`.
 */
import {
  createJsonCodec,
  createLinearRegression,
  createMae,
  createStandardScaler,
  createVectorAssembler,
  defineTopology,
  pipeline,
  topicsFor,
  type Topology,
  type TopologyOptions,
} from 'streamlearn';

const FIELDS = ['x0', 'x1', 'x2'];

export default function myTopology({ prefix = '' }: TopologyOptions = {}): Topology {
  const topics = topicsFor('my-ts-topology', prefix);
  return defineTopology({
    name: `${prefix}my-ts-topology`,
    input: { topic: topics.input, codec: createJsonCodec() },
    outputs: topics,
    label: 'y',
    model: () =>
      pipeline(
        createVectorAssembler({ inputCols: FIELDS, outputCol: 'raw' }),
        createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
        createLinearRegression({ numFeatures: FIELDS.length }),
      ),
    metrics: () => ({ mae: createMae() }),
    checkpoint: { everyRecords: 500, everyMs: 1000 },
  });
}
