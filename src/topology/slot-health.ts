import type { Metric } from '../evaluation/metric';
import type { ModelState, TypedArray } from '../state';
import { encodeMetricStates } from './metric-state';
import type { ModelSlot, SlotSnapshot } from './model-slot';

/**
 * Weights beyond this are taken as exploded: a weight whose square overflows a double (|w| > 1.3e154) makes
 * every later step non-finite, and no model of standardised features comes within many orders of magnitude.
 */
export const DEFAULT_MAX_ABS_WEIGHT = 1e100;

function firstBad(array: TypedArray, maxAbs: number): number {
  for (let i = 0; i < array.length; i++) if (!(Math.abs(array[i]) <= maxAbs)) return i;
  return -1;
}

/** Why a model state and its metrics must not be published, or null when they are healthy. */
export function healthProblem(state: ModelState, metrics: Record<string, Metric>, maxAbsWeight = DEFAULT_MAX_ABS_WEIGHT): string | null {
  for (const [name, array] of Object.entries(state.arrays)) {
    const at = firstBad(array, maxAbsWeight);
    if (at >= 0) return `${state.kind} array "${name}"[${at}] is ${array[at]}, beyond ±${maxAbsWeight}`;
  }
  for (const [name, metric] of Object.entries(metrics)) {
    const value = metric.get();
    if (Math.abs(value) === Infinity) return `metric ${name} is ${value}`;
    for (const [key, array] of Object.entries(metric.state().arrays)) {
      if (firstBad(array, Number.MAX_VALUE) >= 0) return `metric ${name} state "${key}" is not finite`;
    }
  }
  return null;
}

/** The slot as it stands, with copies of everything (states are copies by contract). */
export function snapshotSlot(slot: ModelSlot): SlotSnapshot {
  return {
    state: slot.model.state(),
    metrics: encodeMetricStates(slot.metrics),
    labels: slot.labelGuard.state(),
    examplesSeen: slot.examplesSeen,
    importance: slot.importance?.snapshot() ?? null,
  };
}
