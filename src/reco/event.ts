import { DecodeError } from '../errors';
import { describeValue } from '../features/config';

/** A user or item id as events carry it. Ids are compared as strings: `7` and `"7"` are the same id. */
export type RecoId = string | number;

export type RecoEventKind = 'view' | 'click' | 'buy';

/**
 * One interaction, the input `X` of every recommender: who, what, and either an explicit `rating` or an
 * implicit `event`. Any other field is context (device, hour, category…), which only the factorization
 * machine reads, through its `userFields` and `itemFields`.
 */
export interface RecoEvent {
  userId: RecoId;
  itemId: RecoId;
  rating?: number;
  event?: RecoEventKind;
  /** Milliseconds since the epoch; the event's place in time, for time-respecting evaluation. */
  timestamp?: number;
  [context: string]: unknown;
}

export interface Recommendation {
  itemId: string;
  /** The model's score: a predicted rating for explicit models, a preference score for implicit ones. */
  score: number;
}

export interface RecommendOptions {
  /** Items never to return, e.g. what the user already has. Unknown ids are ignored. */
  exclude?: Iterable<RecoId>;
  /** Request-time context (the factorization machine's `userFields`); other models ignore it. */
  context?: Record<string, unknown>;
}

/** How much an implicit event says about a preference: the weight the implicit learners give it. */
export const EVENT_STRENGTH: Readonly<Record<RecoEventKind, number>> = { view: 0.5, click: 1, buy: 2 };

/** Names the example at hand in an error; called only on failure, so the happy path builds no strings. */
export type Where = () => string;

/** The string an id is stored under, or a `DecodeError` naming the field and where. */
export function idKey(value: unknown, field: string, where: Where): string {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  const got = value === undefined ? 'missing' : `${describeValue(value)}, not a non-empty string or finite number`;
  throw new DecodeError('SCHEMA', `${field} is ${got} in ${where()}`);
}

/** Checks that `x` is an object; returns it typed. */
export function eventObject(x: unknown, where: Where): RecoEvent {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new DecodeError('SCHEMA', `the event is ${describeValue(x)}, not an object, in ${where()}`);
  }
  return x as RecoEvent;
}

/** The implicit weight of an event: its `event` kind's strength. */
export function eventStrength(x: RecoEvent, where: Where): number {
  const kind = x.event;
  if (typeof kind === 'string' && Object.hasOwn(EVENT_STRENGTH, kind)) return EVENT_STRENGTH[kind];
  const known = Object.keys(EVENT_STRENGTH).join(', ');
  throw new DecodeError('SCHEMA', `event is ${kind === undefined ? 'missing' : describeValue(kind)}, not one of ${known}, in ${where()}`);
}
