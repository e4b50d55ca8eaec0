import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Digits {
  /** 64 pixel intensities, scaled from 0..16 to 0..1. */
  xs: Float64Array[];
  /** The digit, 0..9. */
  ys: number[];
}

/** scikit-learn's 8x8 digits (test/fixtures/digits.csv: p0..p63 in 0..16, then target), in file order. */
export function loadDigits(): Digits {
  const [header, ...lines] = readFileSync(join(__dirname, '../../fixtures/digits.csv'), 'utf8').trim().split(/\r?\n/);
  const columns = header.split(',');
  if (columns.length !== 65 || columns[64] !== 'target') throw new Error(`unexpected digits header: ${header}`);
  const xs: Float64Array[] = [];
  const ys: number[] = [];
  for (const line of lines) {
    const values = line.split(',').map(Number);
    xs.push(Float64Array.from(values.slice(0, 64), (v) => v / 16));
    ys.push(values[64]);
  }
  return { xs, ys };
}
