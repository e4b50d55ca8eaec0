import { CheckpointError, ConfigError } from '../errors';
import type { ModelState } from '../state';
import { Adwin, type AdwinConfig } from './adwin';
import { Ddm, type DdmConfig } from './ddm';
import type { DriftDetector } from './detector';
import { Kswin, type KswinConfig } from './kswin';
import { PageHinkley, type PageHinkleyConfig } from './page-hinkley';

/** A detector as written in a topology or a config file: its kind plus that kind's settings. */
export type DriftDetectorSpec =
  | ({ kind: 'ADWIN' } & AdwinConfig)
  | ({ kind: 'PageHinkley' } & PageHinkleyConfig)
  | ({ kind: 'DDM' } & DdmConfig)
  | ({ kind: 'KSWIN' } & KswinConfig);

export type DriftDetectorKind = DriftDetectorSpec['kind'];

interface DetectorKind {
  create(config: object): DriftDetector;
  fromState(state: ModelState): DriftDetector;
}

const KINDS: Record<DriftDetectorKind, DetectorKind> = {
  ADWIN: { create: (c) => new Adwin(c), fromState: (s) => Adwin.fromState(s) },
  PageHinkley: { create: (c) => new PageHinkley(c), fromState: (s) => PageHinkley.fromState(s) },
  DDM: { create: (c) => new Ddm(c), fromState: (s) => Ddm.fromState(s) },
  KSWIN: { create: (c) => new Kswin(c), fromState: (s) => Kswin.fromState(s) },
};

export const DRIFT_DETECTOR_KINDS = Object.keys(KINDS) as DriftDetectorKind[];

function lookup(kind: unknown, fail: (message: string) => Error): DetectorKind {
  const entry = typeof kind === 'string' ? KINDS[kind as DriftDetectorKind] : undefined;
  if (entry === undefined) {
    throw fail(`unknown drift detector kind ${JSON.stringify(kind)} (known: ${DRIFT_DETECTOR_KINDS.join(', ')})`);
  }
  return entry;
}

/** Builds a detector from its spec; throws `ConfigError` naming the field that is wrong. */
export function createDriftDetector(spec: DriftDetectorSpec): DriftDetector {
  const { kind, ...config } = spec;
  return lookup(kind, (m) => new ConfigError(m)).create(config);
}

/** Rebuilds a detector from `state()` output; it continues exactly where the original stood. */
export function driftDetectorFromState(state: ModelState): DriftDetector {
  return lookup(state.kind, (m) => new CheckpointError(m)).fromState(state);
}
