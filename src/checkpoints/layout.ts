/**
 * The layout of a model state for readers in other languages: each array's shape and role, plus values
 * a reader would otherwise have to derive with a formula found only in our source (effective weights'
 * scale, the scaler's standard deviation). One describer per kind; a kind without one gets the fallback
 * (shape `[length]`, role = the last part of the name), so new kinds still publish valid checkpoints.
 */
import { createRegistry } from '../registry';
import type { ModelState, TypedArray } from '../state';
import type { ArrayLayout } from './arrow-arrays';

export interface StateLayout {
  layout: Record<string, ArrayLayout>;
  /** Values for readers, computed from the state; restore never reads them. */
  derived: Record<string, TypedArray>;
}

/** Describes the arrays of one kind's state (names without any pipeline prefix). */
export type LayoutDescriber = (state: ModelState) => StateLayout;

const describers = createRegistry<LayoutDescriber>('layout');

/** Makes checkpoints of `kind` carry shapes and roles; one describer per kind. */
export function registerLayout(kind: string, describe: LayoutDescriber): void {
  describers.register(kind, describe);
}

export function hasLayout(kind: string): boolean {
  return describers.has(kind);
}

const fits = (shape: number[], length: number): boolean => shape.reduce((a, b) => a * b, 1) === length;

/**
 * The layout of `state`. Arrays its kind's describer leaves out, or gives a shape that does not fit
 * (a state its describer did not foresee), keep the fallback: a layout never stops a checkpoint.
 */
export function describeState(state: ModelState): StateLayout {
  const described = describers.has(state.kind) ? describers.get(state.kind)(state) : { layout: {}, derived: {} };
  const layout: Record<string, ArrayLayout> = {};
  for (const [name, array] of Object.entries({ ...state.arrays, ...described.derived })) {
    const given = described.layout[name];
    layout[name] = given && fits(given.shape, array.length) ? given : { shape: [array.length], role: given?.role ?? name.slice(name.lastIndexOf('/') + 1) };
  }
  return { layout, derived: described.derived };
}

/** The arrays of `state` under `prefix`, as the sub-state of one part (a pipeline's stage or model). */
export function subState(state: ModelState, prefix: string, header: { kind: string; version: number; config: ModelState['config'] }): ModelState {
  const arrays: Record<string, TypedArray> = {};
  for (const [name, array] of Object.entries(state.arrays)) if (name.startsWith(prefix)) arrays[name.slice(prefix.length)] = array;
  return { ...header, arrays };
}

/** Adds a part's layout under `prefix` into `into`. */
export function mergeLayout(into: StateLayout, prefix: string, part: StateLayout): void {
  for (const [name, layout] of Object.entries(part.layout)) into.layout[prefix + name] = layout;
  for (const [name, array] of Object.entries(part.derived)) into.derived[prefix + name] = array;
}
