/** Rebuilds stages from stored states by kind, so a pipeline restores whole from a checkpoint. */

import { CheckpointError } from '../errors';
import { featureHasherFromState } from './feature-hasher';
import { hashingTokenizerFromState } from './hashing-tokenizer';
import { imputerFromState } from './imputer';
import { interactionsFromState } from './interactions';
import { oneHotEncoderFromState } from './one-hot-encoder';
import type { Stage, StageState } from './stage';
import { standardScalerFromState } from './standard-scaler';
import { vectorAssemblerFromState } from './vector-assembler';

export type StageFromState = (state: StageState) => Stage;

const stageKindMap = new Map<string, StageFromState>([
  ['VectorAssembler', vectorAssemblerFromState],
  ['StandardScaler', standardScalerFromState],
  ['OneHotEncoder', oneHotEncoderFromState],
  ['FeatureHasher', featureHasherFromState],
  ['HashingTokenizer', hashingTokenizerFromState],
  ['Imputer', imputerFromState],
  ['Interactions', interactionsFromState],
]);

/** Makes `stageFromState` able to rebuild a custom stage kind; built-in kinds cannot be replaced. */
export function registerStage(kind: string, fromState: StageFromState): void {
  if (stageKindMap.has(kind)) throw new CheckpointError(`stage kind '${kind}' is registered twice`);
  stageKindMap.set(kind, fromState);
}

/** Every kind `stageFromState` can rebuild: the built-in ones, then those registered. */
export function stageKinds(): string[] {
  return [...stageKindMap.keys()];
}

export function stageFromState(state: StageState): Stage {
  const fromState = stageKindMap.get(state.kind);
  if (fromState === undefined) throw new CheckpointError(`no stage of kind '${String(state.kind)}' is registered`);
  return fromState(state);
}
