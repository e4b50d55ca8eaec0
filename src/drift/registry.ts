import { CheckpointError, ConfigError } from '../errors';
import { createRegistry } from '../registry';
import type { ModelState } from '../state';
import { Adwin, type AdwinConfig } from './adwin';
import { Ddm, type DdmConfig } from './ddm';
import type { DriftDetector } from './detector';
import { Kswin, type KswinConfig } from './kswin';
import { PageHinkley, type PageHinkleyConfig } from './page-hinkley';

/** A detector as written in a topology or a config file: its kind plus that kind's settings. */
export type DriftDetectorSpec =
  ({ kind: 'ADWIN' } & AdwinConfig) | ({ kind: 'PageHinkley' } & PageHinkleyConfig) | ({ kind: 'DDM' } & DdmConfig) | ({ kind: 'KSWIN' } & KswinConfig);

export type DriftDetectorKind = DriftDetectorSpec['kind'];

/** How a detector kind is built from its settings and rebuilt from its state. */
export interface DriftDetectorKindEntry {
  create(config: object): DriftDetector;
  fromState(state: ModelState): DriftDetector;
}

const detectors = createRegistry<DriftDetectorKindEntry>('drift detector');
detectors.register('ADWIN', { create: (c) => new Adwin(c), fromState: (s) => Adwin.fromState(s) });
detectors.register('PageHinkley', { create: (c) => new PageHinkley(c), fromState: (s) => PageHinkley.fromState(s) });
detectors.register('DDM', { create: (c) => new Ddm(c), fromState: (s) => Ddm.fromState(s) });
detectors.register('KSWIN', { create: (c) => new Kswin(c), fromState: (s) => Kswin.fromState(s) });

/** Adds a detector kind (a user's own), which topologies can then name in `drift.detector.kind`. */
export function registerDriftDetector(kind: string, entry: DriftDetectorKindEntry): void {
  detectors.register(kind, entry);
}

/** Registered detector kinds, built-ins first. */
export function driftDetectorKinds(): string[] {
  return detectors.kinds();
}

function lookup(kind: unknown, fail: (message: string) => Error): DriftDetectorKindEntry {
  if (typeof kind !== 'string' || !detectors.has(kind)) {
    throw fail(`unknown drift detector kind ${JSON.stringify(kind)} (known: ${detectors.kinds().join(', ')})`);
  }
  return detectors.get(kind);
}

/** Builds a detector from its spec; throws `ConfigError` naming the field that is wrong. */
export function createDriftDetector(spec: DriftDetectorSpec | ({ kind: string } & object)): DriftDetector {
  const { kind, ...config } = spec;
  return lookup(kind, (m) => new ConfigError(m)).create(config);
}

/** Rebuilds a detector from `state()` output; it continues exactly where the original stood. */
export function driftDetectorFromState(state: ModelState): DriftDetector {
  return lookup(state.kind, (m) => new CheckpointError(m)).fromState(state);
}
