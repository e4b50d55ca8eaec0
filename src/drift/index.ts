export type { DriftDetector, DriftDirection, DriftStatus } from './detector';
export { Adwin, type AdwinConfig, type ResolvedAdwinConfig } from './adwin';
export { PageHinkley, type PageHinkleyConfig, type PageHinkleyMode } from './page-hinkley';
export { Ddm, type DdmConfig } from './ddm';
export { Kswin, type KswinConfig } from './kswin';
export {
  createDriftDetector,
  driftDetectorFromState,
  driftDetectorKinds,
  registerDriftDetector,
  type DriftDetectorKindEntry,
  type DriftDetectorKind,
  type DriftDetectorSpec,
} from './registry';
export { stateToJson, stateFromJson } from '../state-json';
