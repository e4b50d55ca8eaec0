import { DecodeError } from '../errors';
import { booleanField } from '../learners/config-checks';
import { columnName, describeValue, distinctOutputs } from './config';
import { checkKind, restoreArray } from './restore';
import type { ColumnKernel, ColumnSource } from './column-form';
import type { Row, Stage, StageOutput, StageState } from './stage';
import { isDenseVector } from './vector';

export interface StandardScalerConfig {
  /** A dense vector column (Float64Array, Float32Array or number array) of constant width. */
  inputCol: string;
  outputCol?: string;
  withMean?: boolean;
  withStd?: boolean;
}

const KIND = 'StandardScaler';

interface ScalerStats {
  count: Float64Array;
  mean: Float64Array;
  /** Sum of squared deviations from the mean (Welford's M2). */
  m2: Float64Array;
}

/**
 * Online standardisation, (x − mean) / std, with per-feature Welford statistics and the sample standard
 * deviation (n − 1), as Spark's StandardScaler. With `withStd`, a feature without spread yet (fewer than
 * two values, or all equal) maps to 0, as Spark maps zero-variance features: so the first records of a
 * stream, transformed before any statistics exist, cannot hand a model raw magnitudes. Non-finite
 * entries pass through `transform` and are left out of the statistics. The width is fixed by the first row.
 */
export function createStandardScaler(config: StandardScalerConfig): Stage {
  return buildStandardScaler(config, null);
}

function buildStandardScaler(config: StandardScalerConfig, restored: ScalerStats | null): Stage {
  const inputCol = columnName(KIND, 'inputCol', config.inputCol);
  const outputCol = columnName(KIND, 'outputCol', config.outputCol ?? 'scaled');
  distinctOutputs(KIND, [inputCol], [outputCol]);
  const withMean = booleanField(KIND, 'withMean', config.withMean, true);
  const withStd = booleanField(KIND, 'withStd', config.withStd, true);
  const savedConfig = { inputCol, outputCol, withMean, withStd };
  let stats = restored;

  function input(row: Row): ArrayLike<number> {
    const value = row[inputCol];
    const isVector = isDenseVector(value) || (Array.isArray(value) && value.every((x) => typeof x === 'number'));
    if (!isVector) {
      throw new DecodeError('SCHEMA', `${KIND}: column "${inputCol}" must hold a dense vector, got ${describeValue(value)}`);
    }
    const vector = value as ArrayLike<number>;
    if (!fitsWidth(vector.length)) {
      throw new DecodeError('SCHEMA', `${KIND}: column "${inputCol}" has width ${vector.length}, expected ${stats?.mean.length}`);
    }
    return vector;
  }

  /** Whether a vector of `width` can be scaled; the first one fixes the width (statistics made at the first transform, as ever). */
  function fitsWidth(width: number): boolean {
    if (stats === null) stats = { count: new Float64Array(width), mean: new Float64Array(width), m2: new Float64Array(width) };
    return width === stats.mean.length;
  }

  function learnVector(x: ArrayLike<number>): void {
    const { count, mean, m2 } = stats as ScalerStats;
    for (let j = 0; j < x.length; j++) {
      const value = x[j];
      if (!Number.isFinite(value)) continue;
      count[j]++;
      const delta = value - mean[j];
      mean[j] += delta / count[j];
      m2[j] += delta * (value - mean[j]);
    }
  }

  /** Column form: scales the vector an earlier stage's kernel writes, with the same arithmetic as `transform`. */
  function bindColumns(source: ColumnSource): ColumnKernel | undefined {
    const x = source.vector(inputCol);
    if (x === undefined || (stats !== null && stats.mean.length !== x.length)) return undefined;
    const output = new Float64Array(x.length);
    return {
      output,
      transform(): boolean {
        // Made here, not at binding: a run of which no row is transformed leaves the state as it was.
        if (stats === null) fitsWidth(x.length);
        scale(x, output);
        return true;
      },
      learn(): void {
        learnVector(x);
      },
      transformRun(out: Float64Array): boolean {
        const rows = source.vectorRun?.(inputCol);
        if (rows === undefined) return false;
        pending = scaleRun(rows, source.length, x.length, out);
        return true;
      },
      commitRun(): void {
        if (pending === null) return;
        if (stats === null) fitsWidth(pending.mean.length);
        const { count, mean, m2 } = stats as ScalerStats;
        count.set(pending.count);
        mean.set(pending.mean);
        m2.set(pending.m2);
        pending = null;
      },
    };
  }

  // What a run learned, kept apart until the caller commits it (buffers reused from run to run).
  let pending: ScalerStats | null = null;
  let runStats: ScalerStats | null = null;

  /**
   * `scale` then `learnVector` for each of `n` rows (`width` features, row-major), feature by feature: feature
   * j's statistics in locals, the same operations in the same order, so the same bits as row by row. The
   * statistics after the last row are returned, not stored. Measured: the scaler was 8.9% of the Arrow step.
   */
  function scaleRun(x: Float64Array, n: number, width: number, out: Float64Array): ScalerStats {
    if (runStats === null || runStats.mean.length !== width)
      runStats = { count: new Float64Array(width), mean: new Float64Array(width), m2: new Float64Array(width) };
    let j = 0;
    for (; j + 2 <= width; j += 2) scaleTwo(x, n, width, out, j, runStats);
    if (j < width) scaleOne(x, n, width, out, j, runStats);
    return runStats;
  }

  /** `scaleRun` of feature j. */
  function scaleOne(x: Float64Array, n: number, width: number, out: Float64Array, j: number, into: ScalerStats): void {
    let c = stats === null ? 0 : stats.count[j];
    let mu = stats === null ? 0 : stats.mean[j];
    let s = stats === null ? 0 : stats.m2[j];
    for (let i = 0, at = j; i < n; i++, at += width) {
      const value = x[at];
      const centred = withMean ? value - mu : value;
      const std = c > 1 ? Math.sqrt(s / (c - 1)) : 0;
      out[at] = !withStd ? centred : std > 0 ? centred / std : 0;
      if (!Number.isFinite(value)) continue;
      c++;
      const delta = value - mu;
      mu += delta / c;
      s += delta * (value - mu);
    }
    into.count[j] = c;
    into.mean[j] = mu;
    into.m2[j] = s;
  }

  /**
   * `scaleOne` of features j and j + 1 in one loop, each with its own locals and operations: a feature's
   * running mean is a chain of dependent divisions row after row, and two independent chains side by side
   * let the CPU overlap them.
   */
  function scaleTwo(x: Float64Array, n: number, width: number, out: Float64Array, j: number, into: ScalerStats): void {
    let c0 = stats === null ? 0 : stats.count[j];
    let mu0 = stats === null ? 0 : stats.mean[j];
    let s0 = stats === null ? 0 : stats.m2[j];
    let c1 = stats === null ? 0 : stats.count[j + 1];
    let mu1 = stats === null ? 0 : stats.mean[j + 1];
    let s1 = stats === null ? 0 : stats.m2[j + 1];
    for (let i = 0, at = j; i < n; i++, at += width) {
      const value0 = x[at];
      const value1 = x[at + 1];
      const centred0 = withMean ? value0 - mu0 : value0;
      const centred1 = withMean ? value1 - mu1 : value1;
      const std0 = c0 > 1 ? Math.sqrt(s0 / (c0 - 1)) : 0;
      const std1 = c1 > 1 ? Math.sqrt(s1 / (c1 - 1)) : 0;
      out[at] = !withStd ? centred0 : std0 > 0 ? centred0 / std0 : 0;
      out[at + 1] = !withStd ? centred1 : std1 > 0 ? centred1 / std1 : 0;
      if (Number.isFinite(value0)) {
        c0++;
        const delta0 = value0 - mu0;
        mu0 += delta0 / c0;
        s0 += delta0 * (value0 - mu0);
      }
      if (Number.isFinite(value1)) {
        c1++;
        const delta1 = value1 - mu1;
        mu1 += delta1 / c1;
        s1 += delta1 * (value1 - mu1);
      }
    }
    into.count[j] = c0;
    into.mean[j] = mu0;
    into.m2[j] = s0;
    into.count[j + 1] = c1;
    into.mean[j + 1] = mu1;
    into.m2[j + 1] = s1;
  }

  function scale(x: ArrayLike<number>, out: Float64Array): Float64Array {
    const { count, mean, m2 } = stats as ScalerStats;
    for (let j = 0; j < x.length; j++) {
      const centred = withMean ? x[j] - mean[j] : x[j];
      const std = count[j] > 1 ? Math.sqrt(m2[j] / (count[j] - 1)) : 0;
      out[j] = !withStd ? centred : std > 0 ? centred / std : 0;
    }
    return out;
  }

  return {
    kind: KIND,
    inputCols: [inputCol],
    outputCols: [outputCol],
    transform(row: Row): boolean {
      const x = input(row);
      row[outputCol] = scale(x, new Float64Array(x.length));
      return true;
    },
    transformInto(row: Row, out: StageOutput): boolean {
      const x = input(row);
      row[outputCol] = scale(x, out.dense(x.length));
      return true;
    },
    bindColumns,
    learn(row: Row): void {
      learnVector(input(row));
    },
    state(): StageState {
      const arrays: Record<string, Float64Array> = stats === null ? {} : { count: stats.count.slice(), mean: stats.mean.slice(), m2: stats.m2.slice() };
      return { kind: KIND, version: 1, config: savedConfig, arrays };
    },
  };
}

export function standardScalerFromState(state: StageState): Stage {
  checkKind(state, KIND, 1);
  const config = state.config as unknown as StandardScalerConfig;
  if (state.arrays.mean === undefined) return buildStandardScaler(config, null);
  const mean = restoreArray(state, 'mean', Float64Array);
  const count = restoreArray(state, 'count', Float64Array, mean.length);
  const m2 = restoreArray(state, 'm2', Float64Array, mean.length);
  return buildStandardScaler(config, { count, mean, m2 });
}
