import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkloadData } from './workloads';

/** Where the peers read a workload: little-endian binary arrays and the same examples as VW text. */
export interface DataFiles {
  /** n × dim float64, dense workloads. */
  x: string | null;
  /** n × active int32 and float64, sparse workloads. */
  indices: string | null;
  values: string | null;
  /** n float64. */
  y: string;
  /** One VW example per line: `label | index:value …`, logistic labels as ±1. */
  vw: string;
}

function writeArray(path: string, array: Float64Array | Int32Array): string {
  writeFileSync(path, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return path;
}

/** Six decimals: VW keeps float32 weights and features, so nothing it would use is lost. */
function vwValue(value: number): string {
  return value === 1 ? '1' : value.toFixed(6);
}

function writeVwText(path: string, data: WorkloadData): void {
  const { x, indices, values, y, workload } = data;
  const width = workload.active ?? workload.dim;
  const fd = openSync(path, 'w');
  try {
    let chunk: string[] = [];
    for (let i = 0; i < y.length; i++) {
      const label = workload.task === 'logistic' ? (y[i] === 1 ? '1' : '-1') : String(y[i]);
      const features = new Array<string>(width);
      for (let s = 0; s < width; s++) {
        const at = i * width + s;
        features[s] = x === null ? `${(indices as Int32Array)[at]}:${vwValue((values as Float64Array)[at])}` : `${s}:${vwValue(x[at])}`;
      }
      chunk.push(`${label} | ${features.join(' ')}\n`);
      if (chunk.length === 10_000) {
        writeSync(fd, chunk.join(''));
        chunk = [];
      }
    }
    writeSync(fd, chunk.join(''));
  } finally {
    closeSync(fd);
  }
}

export function writeDataFiles(dir: string, data: WorkloadData): DataFiles {
  const vw = join(dir, 'data.vw');
  writeVwText(vw, data);
  return {
    x: data.x === null ? null : writeArray(join(dir, 'x.f64'), data.x),
    indices: data.indices === null ? null : writeArray(join(dir, 'indices.i32'), data.indices),
    values: data.values === null ? null : writeArray(join(dir, 'values.f64'), data.values),
    y: writeArray(join(dir, 'y.f64'), data.y),
    vw,
  };
}
