import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../src/errors';
import type { JsonValue } from '../../src/learners/estimator';
import { runPython } from '../python';
import type { BenchResult } from '../report';
import { latencyTable, ratioTable, runsTable, RMSE_TOLERANCE, SPEED_TARGET } from '../reco/compare';
import { REPEAT_BUDGET_SECONDS, RIVER_PEER_SETTINGS, RIVER_SETTINGS, runJsTools, WARMUP_EVENTS, type RecoRun } from '../reco/js-tools';
import { recommendLatency } from '../reco/latency';
import { generateWorkload, writeWorkloadFiles, WORLD } from '../reco/workload';

const CATALOG_ITEMS = 100_000;

/**
 * Recommenders on one seeded interaction stream, in one invocation: streamlearn's BiasedMF (River's SGD
 * settings, and AdaGrad), BprMF and the popularity baseline, then River's `reco.BiasedMF` and `reco.FunkMF`
 * (bench/python/reco_peers.py, venv group `reco`); then `recommend()` latency on a 100k-item catalog.
 * Options: `--scale f` multiplies the stream's length (0.1 for a smoke run), `--repeats r` timed passes
 * per tool at most (the fastest counts; default 3), `--seed s`.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: { scale: { type: 'string', default: '1' }, seed: { type: 'string', default: '1' }, repeats: { type: 'string', default: '3' } },
  });
  const scale = Number(values.scale);
  const seed = Number(values.seed);
  const repeats = Number(values.repeats);
  if (!(scale > 0 && scale <= 10)) throw new ConfigError(`--scale must be in (0, 10], got "${values.scale}"`);
  if (!Number.isInteger(seed)) throw new ConfigError(`--seed must be an integer, got "${values.seed}"`);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new ConfigError(`--repeats must be a positive integer, got "${values.repeats}"`);

  const workload = generateWorkload(scale, seed);
  process.stderr.write(`reco: ${workload.events.length} events\n`);
  const runs: RecoRun[] = runJsTools(workload, repeats, seed);
  const dir = mkdtempSync(join(tmpdir(), 'streamlearn-bench-reco-'));
  let peers: { versions: { [key: string]: JsonValue }; runs: RecoRun[] };
  try {
    const manifest = {
      files: writeWorkloadFiles(dir, workload),
      n: workload.events.length,
      rankEvery: workload.rankEvery,
      warmup: WARMUP_EVENTS,
      repeats,
      repeatBudgetSeconds: REPEAT_BUDGET_SECONDS,
      river: { ...RIVER_PEER_SETTINGS, seed },
    };
    const manifestPath = join(dir, 'manifest.json');
    writeFileSync(manifestPath, JSON.stringify(manifest));
    peers = readPeerOutput(await runPython('reco', 'reco_peers.py', [manifestPath]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  runs.push(...peers.runs);
  process.stderr.write(`recommend() latency on ${CATALOG_ITEMS} items\n`);
  const latency = recommendLatency(CATALOG_ITEMS, seed);

  return {
    tables: [runsTable(runs), ratioTable(runs), latencyTable(latency)],
    context: {
      seed,
      scale,
      events: workload.events.length,
      rankEvery: workload.rankEvery,
      world: { ...WORLD } as { [key: string]: JsonValue },
      streamlearnRiverSettings: RIVER_SETTINGS,
      riverSettings: RIVER_PEER_SETTINGS,
      warmupEvents: WARMUP_EVENTS,
      repeats,
      speedTarget: SPEED_TARGET,
      rmseTolerance: RMSE_TOLERANCE,
      catalogItems: CATALOG_ITEMS,
      ...peers.versions,
    },
    notes: [
      `One stream (src/datasets/reco-events.ts): ${WORLD.users} users and ${WORLD.items} items with ${WORLD.factors} latent dimensions, Zipf(${WORLD.popularityExponent}) exposure, choice by taste among ${WORLD.candidates} shown items, ratings with N(0, ${WORLD.noise}²) noise (the RMSE floor). Explicit tools learn the rating, implicit ones the event weight (view 0.5, click 1, buy 2).`,
      'events/s: predict_one then learn_one for every event, one thread, after a 20k-event warm-up on a throwaway model; the fastest of up to `repeats` passes (no more once they add up to 3 s). River gets string ids, as streamlearn does.',
      "streamlearn BiasedMF (River SGD) is River's algorithm with River's settings in streamlearn's ½r² convention: SGD 0.02 (River 0.01 on r²), L2 0.001 (River 0.002), N(0, 0.1²) initial factors; the two differ only in their random initial factors.",
      'HitRate@10, NDCG@10, MRR: a separate pass ranks the item of every n-th event among all items seen so far, for its user, before learning it; one relevant item per event. River is ranked from its own biases and factors (numpy over its dicts); FunkMF has no biases.',
      'recommend() latency: one call at a time for distinct known users over a full catalog, k = 10, 20 items excluded; measured here, not in tests.',
    ],
  };
}

function isRun(value: unknown): value is RecoRun {
  const run = value as Partial<Record<keyof RecoRun, unknown>> | null;
  return typeof run === 'object' && run !== null && typeof run.tool === 'string' && typeof run.n === 'number' && typeof run.hitRate === 'number';
}

function readPeerOutput(output: unknown): { versions: { [key: string]: JsonValue }; runs: RecoRun[] } {
  const candidate = output as { versions?: unknown; runs?: unknown } | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.versions !== 'object' ||
    !Array.isArray(candidate.runs) ||
    !candidate.runs.every(isRun)
  ) {
    throw new Error(`reco_peers.py printed an unexpected result: ${JSON.stringify(output).slice(0, 200)}`);
  }
  return candidate as { versions: { [key: string]: JsonValue }; runs: RecoRun[] };
}
