import { createArrowCodec, tableFromColumns, type ColumnValues } from '../../connectors/codecs/arrow';
import { createRandom } from '../../src/random';

export const FEATURES = 8;
export const FEATURE_COLUMNS = Array.from({ length: FEATURES }, (_, j) => `x${j}`);
export const ROWS_PER_ARROW_MESSAGE = 1000;

/** The same records twice: one JSON object per message, and Arrow IPC messages of 1,000 rows each. */
export interface IoData {
  records: number;
  /** `{"id":…,"x":[8 floats],"label":0|1}`, one per message. */
  json: Buffer[];
  /** Columns id (int32), x0..x7 (float64), label (int32). */
  arrow: Buffer[];
  jsonBytes: number;
  arrowBytes: number;
  /** What a reader that touches every value must add up: labels equal to 1, and all features. */
  positives: number;
  featureSum: number;
}

const totalBytes = (values: Buffer[]) => values.reduce((sum, value) => sum + value.length, 0);

/** Seeded: x ~ N(0, 1), label = 1 when the features sum above 0. `records` must be a multiple of 1,000. */
export function generateIoData(records: number, seed: number): IoData {
  const rng = createRandom(seed);
  const id = new Int32Array(records);
  const label = new Int32Array(records);
  const x = FEATURE_COLUMNS.map(() => new Float64Array(records));
  const json: Buffer[] = [];
  const features: number[] = new Array<number>(FEATURES);
  let positives = 0;
  let featureSum = 0;
  for (let i = 0; i < records; i++) {
    let sum = 0;
    for (let j = 0; j < FEATURES; j++) {
      features[j] = x[j][i] = rng.gaussian();
      sum += features[j];
    }
    id[i] = i;
    label[i] = sum > 0 ? 1 : 0;
    positives += label[i];
    featureSum += sum;
    json.push(Buffer.from(JSON.stringify({ id: i, x: features, label: label[i] })));
  }
  const codec = createArrowCodec();
  const arrow: Buffer[] = [];
  for (let start = 0; start < records; start += ROWS_PER_ARROW_MESSAGE) {
    const end = start + ROWS_PER_ARROW_MESSAGE;
    const columns: Record<string, ColumnValues> = { id: id.subarray(start, end) };
    FEATURE_COLUMNS.forEach((name, j) => (columns[name] = x[j].subarray(start, end)));
    columns.label = label.subarray(start, end);
    arrow.push(codec.encode(tableFromColumns(columns)));
  }
  return { records, json, arrow, jsonBytes: totalBytes(json), arrowBytes: totalBytes(arrow), positives, featureSum };
}
