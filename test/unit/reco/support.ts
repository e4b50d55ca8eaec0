import { buildCheckpoint, openCheckpoint } from '../../../src/checkpoints/envelope';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';
import { createRecoWorld, type GeneratedRecoEvent, type RecoWorldConfig } from '../../../src/datasets/reco-events';
import type { LearnerState } from '../../../src/learners';
import {
  createBiasedMF,
  createBprMF,
  createFactorizationMachine,
  createPopularity,
  EVENT_STRENGTH,
  type RecoCommonConfig,
  type Recommender,
} from '../../../src/reco';
export { errorOf } from '../../support/error-of';

export function take<T>(iterator: Iterator<T>, n: number): T[] {
  return Array.from({ length: n }, () => iterator.next().value as T);
}

export function worldEvents(n: number, config: RecoWorldConfig = {}): GeneratedRecoEvent[] {
  return take(createRecoWorld(config).events(), n);
}

/** Every recommender kind, with the feedback it learns and a state array that holds learned numbers. */
export interface RecoCase {
  name: string;
  create(overrides?: RecoCommonConfig): Recommender;
  label(event: GeneratedRecoEvent): number;
  learnedArray: string;
}

const rating = (event: GeneratedRecoEvent) => event.rating;
const strength = (event: GeneratedRecoEvent) => EVENT_STRENGTH[event.event];

export const CASES: RecoCase[] = [
  { name: 'BiasedMF', create: (o) => createBiasedMF({ factors: 4, ...o }), label: rating, learnedArray: 'items/factors' },
  {
    name: 'BiasedMF (adagrad)',
    create: (o) => createBiasedMF({ factors: 4, optimizer: 'adagrad', learningRate: 0.1, ...o }),
    label: rating,
    learnedArray: 'users/factorsAccum',
  },
  { name: 'BprMF', create: (o) => createBprMF({ factors: 4, ...o }), label: strength, learnedArray: 'items/bias' },
  {
    name: 'FactorizationMachine',
    create: (o) => createFactorizationMachine({ bits: 10, factors: 4, userFields: ['device'], itemFields: ['category'], ...o }),
    label: rating,
    learnedArray: 'weights',
  },
  {
    name: 'FactorizationMachine (bpr)',
    create: (o) => createFactorizationMachine({ bits: 10, factors: 4, loss: 'bpr', itemFields: ['category'], ...o }),
    label: strength,
    learnedArray: 'factors',
  },
  { name: 'Popularity', create: (o) => createPopularity(o), label: strength, learnedArray: 'items/count' },
];

/** The state as another process gets it: through a real checkpoint (manifest JSON, Arrow payload, SHA-256). */
export function throughCheckpoint(state: LearnerState): LearnerState {
  const { manifest, payload } = buildCheckpoint({ modelId: 'reco-test', version: 1, offsets: [], examplesSeen: 0, metrics: {} }, state);
  return openCheckpoint(JSON.parse(JSON.stringify(manifest)) as CheckpointManifest, payload).state;
}

/** A table of a state read the way a program in another language would: ids from UTF-8 bytes and offsets. */
export function readTable(state: LearnerState, prefix: string): { ids: string[]; column(name: string): number[][] } {
  const offsets = state.arrays[`${prefix}/idOffsets`];
  const bytes = state.arrays[`${prefix}/ids`] as Uint8Array;
  const decoder = new TextDecoder();
  const ids = Array.from({ length: offsets.length - 1 }, (_, r) => decoder.decode(bytes.subarray(offsets[r], offsets[r + 1])));
  return {
    ids,
    column(name: string) {
      const values = Array.from(state.arrays[`${prefix}/${name}`]);
      const width = values.length / ids.length;
      return ids.map((_, r) => values.slice(r * width, (r + 1) * width));
    },
  };
}
