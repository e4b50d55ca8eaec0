/**
 * The one kind of registry: learners, feature stages and metrics each keep one, keyed by the `kind`
 * their states carry. Built-in kinds are registered in one place, src/builtins.ts; users add theirs
 * with the `registerX` functions. A kind is registered once: replacing a built-in would silently
 * change what an existing checkpoint restores to.
 */
import { CheckpointError } from './errors';

export interface Registry<T> {
  register(kind: string, entry: T): void;
  has(kind: string): boolean;
  /** The entry of `kind`; throws `CheckpointError` naming the registered kinds when there is none. */
  get(kind: string): T;
  /** Registered kinds, in registration order. */
  kinds(): string[];
}

/** `what` names the registry's entries in errors, e.g. `'learner'`. */
export function createRegistry<T>(what: string): Registry<T> {
  const entries = new Map<string, T>();
  return {
    register(kind, entry) {
      if (typeof kind !== 'string' || kind === '') throw new CheckpointError(`${what} kind must be a non-empty string, got ${JSON.stringify(kind)}`);
      if (entries.has(kind)) throw new CheckpointError(`${what} kind '${kind}' is registered twice`);
      entries.set(kind, entry);
    },
    has: (kind) => entries.has(kind),
    get(kind) {
      const entry = entries.get(kind);
      if (entry === undefined) {
        const known = [...entries.keys()].join(', ') || 'none';
        throw new CheckpointError(
          `no ${what} of kind '${String(kind)}' is registered (registered: ${known}); register it, or import 'streamlearn' so that the built-in kinds are`,
        );
      }
      return entry;
    },
    kinds: () => [...entries.keys()],
  };
}
