/** Rebuilds stages from stored states by kind, so a pipeline restores whole from a checkpoint. */

import { createRegistry } from '../registry';
import type { Stage, StageState } from './stage';

export type StageFromState = (state: StageState) => Stage;

const stages = createRegistry<StageFromState>('stage');

/** Makes `stageFromState` able to rebuild a stage kind; built-in kinds are registered by src/builtins.ts and cannot be replaced. */
export function registerStage(kind: string, fromState: StageFromState): void {
  stages.register(kind, fromState);
}

export function stageKinds(): string[] {
  return stages.kinds();
}

export function stageFromState(state: StageState): Stage {
  return stages.get(state.kind)(state);
}
