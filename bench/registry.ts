import type { BenchResult } from './report';

/** A benchmark suite: bench/suites/<name>.ts exporting `run`. */
export interface Suite {
  /** `args` are the command-line words after the suite's name. */
  run(args: string[]): Promise<BenchResult>;
}

export interface SuiteEntry {
  summary: string;
  /** Loaded on demand, so one suite's heavy imports (tfjs, Kafka) never slow another. */
  load: () => Promise<Suite>;
}

/** One line per suite. */
export const SUITES: Readonly<Record<string, SuiteEntry>> = {
  learners: { summary: 'online linear learners vs River, Vowpal Wabbit, scikit-learn and a bare JS loop', load: () => import('./suites/learners.js') },
  neural: { summary: 'MLP training on TensorFlow.js (wasm, cpu) vs Keras train_on_batch and PyTorch', load: () => import('./suites/neural.js') },
};
