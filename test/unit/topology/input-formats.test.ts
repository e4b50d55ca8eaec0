/** The same events as JSON, CSV and Arrow record batches teach a topology the same model, bit for bit. */
import { createArrowCodec, tableFromColumns } from '../../../connectors/codecs/arrow';
import { createCsvCodec } from '../../../connectors/codecs/csv';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { createStandardScaler, createVectorAssembler, pipeline, type Row } from '../../../src/features';
import { createLinearRegression } from '../../../src/learners';
import { learnAll, regressionTopology } from './harness';

const FIELDS = ['x0', 'x1', 'x2'];
const ROWS_PER_TABLE = 10;

const model = () =>
  pipeline(
    createVectorAssembler({ inputCols: FIELDS, outputCol: 'raw' }),
    createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
    createLinearRegression({ numFeatures: FIELDS.length, stepSize: 0.05 }),
  );

function events(n: number): Record<string, number>[] {
  return Array.from({ length: n }, (_, i) => {
    const [x0, x1, x2] = [Math.sin(i * 1.1) * 3, Math.cos(i * 0.37) + 5, (i % 7) / 3];
    return { x0, x1, x2, y: 2 * x0 - x1 + 0.5 * x2 + Math.sin(i * 13.7) * 0.1 };
  });
}

describe('JSON, CSV and Arrow inputs', () => {
  it('give the same model on the same data, equal to learnOne event by event', async () => {
    const data = events(300);
    const json = createJsonCodec();
    const csv = createCsvCodec({ columns: [...FIELDS, 'y'], types: Object.fromEntries([...FIELDS, 'y'].map((c) => [c, 'number' as const])) });
    const arrow = createArrowCodec();
    const topology = (codec: typeof json | typeof csv | typeof arrow) => regressionTopology({ model, input: { topic: 'events', codec } });
    const tables = Array.from({ length: data.length / ROWS_PER_TABLE }, (_, t) => {
      const rows = data.slice(t * ROWS_PER_TABLE, (t + 1) * ROWS_PER_TABLE);
      return arrow.encode(tableFromColumns(Object.fromEntries([...FIELDS, 'y'].map((c) => [c, Float64Array.from(rows, (row) => row[c])]))));
    });
    const runs = {
      json: await learnAll(
        topology(json),
        data.map((row) => json.encode(row)),
      ),
      csv: await learnAll(
        topology(csv),
        data.map((row) => csv.encode(row)),
      ),
      arrow: await learnAll(topology(arrow), tables, { maxRecords: 1 }),
    };
    const twin = model();
    for (const row of data) twin.learnOne(row as Row, row.y);
    const weights = (state: ReturnType<typeof twin.state>) => Object.fromEntries(Object.entries(state.arrays).map(([k, v]) => [k, Array.from(v)]));
    for (const [format, run] of Object.entries(runs)) {
      expect([format, run.letters.length, run.slots.get('0')!.examplesSeen]).toEqual([format, 0, 300]);
      expect([format, weights(run.slots.get('0')!.model.state())]).toEqual([format, weights(twin.state())]);
    }
  });
});
