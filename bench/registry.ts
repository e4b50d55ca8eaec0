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
  io: { summary: 'Kafka produce and consume + decode, JSON and Arrow IPC: streamlearn sink/source vs kafkajs and kcat', load: () => import('./suites/io.js') },
  e2e: {
    summary: 'consume → decode → learn → checkpoint through Kafka: runTopology vs bare kafkajs, Arrow columnar path, checkpoint latency',
    load: () => import('./suites/e2e.js'),
  },
  follow: {
    summary: 'memory of the main job at full speed: RSS of `streamlearn start --follow --follow-rate max` over --seconds (default 600)',
    load: () => import('./suites/follow.js'),
  },
  checkpoints: {
    summary: 'checkpoint cost: sparse vs dense payload sizes, gzip vs none, publish → subscriber latency idle and while ctr-logistic learns',
    load: () => import('./suites/checkpoints.js'),
  },
  importance: {
    summary: 'online feature importance: learner throughput with iPFI off and on, agreement with ixai IncrementalPFI',
    load: () => import('./suites/importance.js'),
  },
  neural: {
    summary: 'MLP training: NeuralNet on its dense SIMD path and on TensorFlow.js (wasm, cpu) vs Keras train_on_batch and PyTorch',
    load: () => import('./suites/neural.js'),
  },
  trees: {
    summary: 'Hoeffding tree, adaptive tree and ARF(10), classifier and regressor, vs River and MOA (CapyMOA) on drifting generated streams',
    load: () => import('./suites/trees.js'),
  },
  drift: {
    summary: 'drift detectors (ADWIN, Page-Hinkley, DDM, KSWIN): updates/s, delay, misses and false alarms vs River on the same streams',
    load: () => import('./suites/drift.js'),
  },
  scale: {
    summary:
      'scale-out: 1, 2 and 4 streamlearn run processes mixing one shared model on a 4-partition topic, every 1 s and every 10k records (--workers 1,2 --cadence none,1s,10k --repeat n --records n)',
    load: () => import('./suites/scale.js'),
  },
  reco: {
    summary: 'recommenders (biased MF, BPR, popularity) vs River reco.BiasedMF and FunkMF; recommend() latency on 100k items',
    load: () => import('./suites/reco.js'),
  },
};
