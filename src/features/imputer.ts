import { ConfigError, DecodeError, NonFiniteError } from '../errors';
import { choiceField, numberField } from '../learners/config-checks';
import { columnList, describeValue, distinctOutputs } from './config';
import { p2Add, p2Median } from './p2-median';
import { checkKind, restoreArray } from './restore';
import type { Row, Stage, StageState } from './stage';

export type ImputeStrategy = 'mean' | 'median' | 'constant';

export interface ImputerConfig {
  inputCols: string[];
  /** One output per input, in order; each must differ from every input. */
  outputCols: string[];
  /** 'median' is the P² running estimate, exact for the first five values. */
  strategy?: ImputeStrategy;
  /** The 'constant' value, and what 'mean'/'median' fill in before a column has any value. */
  fillValue?: number;
}

const KIND = 'Imputer';

interface ImputerStats {
  count: Float64Array;
  mean: Float64Array;
  /** Five P² markers per column. */
  heights: Float64Array;
  positions: Float64Array;
}

/**
 * Replaces missing numbers (null, undefined, NaN) by a running mean, a running median or a constant.
 * Only present values update the statistics; ±Infinity is an error, not a missing value.
 */
export function createImputer(config: ImputerConfig): Stage {
  return buildImputer(config, null);
}

function emptyStats(columns: number): ImputerStats {
  return {
    count: new Float64Array(columns),
    mean: new Float64Array(columns),
    heights: new Float64Array(columns * 5),
    positions: new Float64Array(columns * 5),
  };
}

function buildImputer(config: ImputerConfig, restored: ImputerStats | null): Stage {
  const inputCols = columnList(KIND, 'inputCols', config.inputCols);
  const outputCols = columnList(KIND, 'outputCols', config.outputCols);
  if (outputCols.length !== inputCols.length) {
    throw new ConfigError(`${KIND}: ${outputCols.length} outputCols for ${inputCols.length} inputCols`);
  }
  distinctOutputs(KIND, inputCols, outputCols);
  const strategy = choiceField(KIND, 'strategy', config.strategy, 'mean', ['mean', 'median', 'constant']);
  const fillValue = numberField(KIND, 'fillValue', config.fillValue, 0, Number.isFinite, 'a finite number');
  const savedConfig = { inputCols, outputCols, strategy, fillValue };
  const stats = restored ?? emptyStats(inputCols.length);

  /** The value, or NaN when it is missing. */
  function read(row: Row, c: number): number {
    const value = row[inputCols[c]];
    if (value === null || value === undefined) return NaN;
    if (typeof value !== 'number') {
      throw new DecodeError('SCHEMA', `${KIND}: column "${inputCols[c]}" must hold a number, got ${describeValue(value)}`);
    }
    if (value === Infinity || value === -Infinity) {
      throw new NonFiniteError(`${KIND}: column "${inputCols[c]}" holds ${value}`);
    }
    return value;
  }

  function fill(c: number): number {
    if (strategy === 'constant' || stats.count[c] === 0) return fillValue;
    return strategy === 'mean' ? stats.mean[c] : p2Median(stats.heights, c * 5, stats.count[c]);
  }

  return {
    kind: KIND,
    inputCols,
    outputCols,
    transform(row: Row): boolean {
      for (let c = 0; c < inputCols.length; c++) {
        const value = read(row, c);
        row[outputCols[c]] = Number.isNaN(value) ? fill(c) : value;
      }
      return true;
    },
    learn(row: Row): void {
      if (strategy === 'constant') return;
      for (let c = 0; c < inputCols.length; c++) {
        const value = read(row, c);
        if (Number.isNaN(value)) continue;
        const count = ++stats.count[c];
        stats.mean[c] += (value - stats.mean[c]) / count;
        if (strategy === 'median') p2Add(stats.heights, stats.positions, c * 5, count, value);
      }
    },
    state(): StageState {
      const { count, mean, heights, positions } = stats;
      return {
        kind: KIND,
        version: 1,
        config: savedConfig,
        arrays: { count: count.slice(), mean: mean.slice(), heights: heights.slice(), positions: positions.slice() },
      };
    },
  };
}

export function imputerFromState(state: StageState): Stage {
  checkKind(state, KIND, 1);
  const config = state.config as unknown as ImputerConfig;
  const columns = Array.isArray(config.inputCols) ? config.inputCols.length : 0;
  return buildImputer(config, {
    count: restoreArray(state, 'count', Float64Array, columns),
    mean: restoreArray(state, 'mean', Float64Array, columns),
    heights: restoreArray(state, 'heights', Float64Array, columns * 5),
    positions: restoreArray(state, 'positions', Float64Array, columns * 5),
  });
}
