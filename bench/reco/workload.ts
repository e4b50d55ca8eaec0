import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRecoWorld, type GeneratedRecoEvent, type RecoWorldConfig } from '../../src/datasets/reco-events';
import { EVENT_STRENGTH } from '../../src/reco';

/** The stream every tool learns: a world where taste decides among what popularity shows. */
export const WORLD = {
  users: 2000,
  items: 2000,
  factors: 8,
  popularityExponent: 0.8,
  choiceSharpness: 4,
  candidates: 50,
  noise: 0.5,
} satisfies RecoWorldConfig;
export const EVENTS = 200_000;
/** Events whose item is ranked (before they are learned) for HitRate, NDCG and MRR: every this-many-th. */
export const RANKED_EVENTS = 5000;

export interface RecoWorkload {
  events: GeneratedRecoEvent[];
  ratings: Float64Array;
  strengths: Float64Array;
  /** Event i is ranked when i % rankEvery === 0. */
  rankEvery: number;
  world: RecoWorldConfig;
}

export function generateWorkload(scale: number, seed: number): RecoWorkload {
  const world = { ...WORLD, seed };
  const n = Math.max(10_000, Math.round(EVENTS * scale));
  const stream = createRecoWorld(world).events();
  const events = Array.from({ length: n }, () => stream.next().value as GeneratedRecoEvent);
  return {
    events,
    ratings: Float64Array.from(events, (e) => e.rating),
    strengths: Float64Array.from(events, (e) => EVENT_STRENGTH[e.event]),
    rankEvery: Math.max(1, Math.floor(n / RANKED_EVENTS)),
    world,
  };
}

/** Where the Python peers read the stream: little-endian int32 user and item indices (ids are `u<i>`, `i<j>`), float64 ratings. */
export interface WorkloadFiles {
  users: string;
  items: string;
  ratings: string;
}

function writeArray(path: string, array: Float64Array | Int32Array): string {
  writeFileSync(path, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return path;
}

export function writeWorkloadFiles(dir: string, { events, ratings }: RecoWorkload): WorkloadFiles {
  return {
    users: writeArray(
      join(dir, 'users.i32'),
      Int32Array.from(events, (e) => Number(e.userId.slice(1))),
    ),
    items: writeArray(
      join(dir, 'items.i32'),
      Int32Array.from(events, (e) => Number(e.itemId.slice(1))),
    ),
    ratings: writeArray(join(dir, 'ratings.f64'), ratings),
  };
}
