import { Adwin, type AdwinConfig } from '../drift/adwin';
import { CheckpointError } from '../errors';
import type { TypedArray } from '../state';

/**
 * The trees' drift detectors are `src/drift`'s ADWIN, watching 0/1 errors (or normalised regression
 * errors). These helpers put a detector's state arrays into a tree's or forest's state under a prefix.
 */
export function exportDetector(arrays: Record<string, TypedArray>, prefix: string, detector: Adwin): void {
  for (const [name, values] of Object.entries(detector.state().arrays)) arrays[prefix + name] = values;
}

export function importDetector(arrays: Record<string, TypedArray>, prefix: string, config: AdwinConfig): Adwin {
  const template = new Adwin(config);
  const own: Record<string, TypedArray> = {};
  for (const name of Object.keys(template.state().arrays)) {
    const values = arrays[prefix + name];
    if (values === undefined) throw new CheckpointError(`state has no detector array '${prefix}${name}'`);
    own[name] = values;
  }
  return Adwin.fromState({ kind: template.kind, version: 1, config: { ...template.config }, arrays: own });
}
