import { percentile, perCpuSecond, perSecond, type Measurement } from '../io/measure';
import type { LatencyRow, Target, ThroughputRow } from './tables';

/** Issue #4. */
export const TARGETS = { arrowPerCore: 1_000_000, jsonShareOfBare: 0.7, ctrShareOfBare: 0.6, ctrTimesRiver: 4, subscriberP99Ms: 50, checkpointCost: 0.05 };

/** Which rows of the suite's tables each target is judged on. */
export interface TargetRows {
  bare: string;
  jsonTopology: string;
  /** The CTR rows: their input label, and the paths of the topology and of the Python peer. */
  ctr: { input: string; topology: string; river: string };
  columnar: string;
  /** Arrow through runTopology: the path the Arrow target is judged on, against the columnar ceiling. */
  arrowTopology: string;
  /** The checkpoint label of the runs with one checkpoint per second. */
  everySecond: string;
}

const rate = (m: Measurement) => `${Math.round(perSecond(m)).toLocaleString('en-US')}/s`;
const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const verdict = (met: boolean) => (met ? 'yes' : 'no');
const ratio = (r: number) => `${r.toFixed(2)}×`;

/** How far apart a run's passes were: a wall-clock difference smaller than this is noise, not a result. */
const spread = (row: ThroughputRow) => 1 - Math.min(...row.passRates) / Math.max(...row.passRates);

export function judgeTargets(throughput: ThroughputRow[], latency: LatencyRow[], rows: TargetRows): Target[] {
  const find = (path: string, checkpoints: string, input?: string) =>
    throughput.find((row) => row.path === path && row.checkpoints === checkpoints && (input === undefined || row.input === input));
  const result: Target[] = [];

  const arrow = find(rows.arrowTopology, rows.everySecond)?.measurement;
  const columnar = find(rows.columnar, rows.everySecond)?.measurement;
  if (arrow) {
    const ceiling = columnar ? `; ${ratio(perCpuSecond(arrow) / perCpuSecond(columnar))} the bench-only columnar ceiling by CPU` : '';
    result.push({
      target: `Arrow through runTopology ≥ ${TARGETS.arrowPerCore.toLocaleString('en-US')} rows per CPU-second, scaler, metrics and checkpoints ${rows.everySecond} on`,
      measured: `${Math.round(perCpuSecond(arrow)).toLocaleString('en-US')}/CPU-s (${rate(arrow)} wall)${ceiling}`,
      met: verdict(perCpuSecond(arrow) >= TARGETS.arrowPerCore),
    });
  }

  const share = (what: string, ours: Measurement | undefined, peer: Measurement | undefined, times: number, peerName: string): void => {
    if (!ours || !peer) return;
    const wall = perSecond(ours) / perSecond(peer);
    const cpu = perCpuSecond(ours) / perCpuSecond(peer);
    result.push({
      target: `${what} ≥ ${times < 1 ? percent(times) : `${times}×`} of ${peerName}, by wall clock and by CPU (checkpoints ${rows.everySecond})`,
      measured: `${ratio(wall)} by wall clock (${rate(ours)} vs ${rate(peer)}), ${ratio(cpu)} by CPU`,
      met: verdict(wall >= times && cpu >= times),
    });
  };
  const bareName = 'bare kafkajs + JSON.parse';
  share(
    'JSON regression-sgd through runTopology',
    find(rows.jsonTopology, rows.everySecond)?.measurement,
    find(rows.bare, '–', 'JSON')?.measurement,
    TARGETS.jsonShareOfBare,
    bareName,
  );
  const ctr = find(rows.ctr.topology, rows.everySecond, rows.ctr.input)?.measurement;
  share('ctr-logistic through runTopology', ctr, find(rows.bare, '–', rows.ctr.input)?.measurement, TARGETS.ctrShareOfBare, bareName);
  share('ctr-logistic through runTopology', ctr, find(rows.ctr.river, '–', rows.ctr.input)?.measurement, TARGETS.ctrTimesRiver, 'confluent-kafka + River');

  for (const row of latency) {
    if (row.receiveMs.length === 0) continue;
    const p99 = percentile(row.receiveMs, 99);
    result.push({
      target: `publish → subscriber p99 < ${TARGETS.subscriberP99Ms} ms (${row.model}, ${row.condition})`,
      measured: `${p99} ms over ${row.receiveMs.length} versions`,
      met: verdict(p99 < TARGETS.subscriberP99Ms),
    });
  }

  for (const path of [rows.jsonTopology, rows.columnar]) {
    const none = find(path, 'none');
    const checkpointed = find(path, rows.everySecond);
    if (!none || !checkpointed) continue;
    const wall = 1 - perSecond(checkpointed.measurement) / perSecond(none.measurement);
    const cpu = 1 - perCpuSecond(checkpointed.measurement) / perCpuSecond(none.measurement);
    const noise = Math.max(spread(none), spread(checkpointed));
    const byCpu = cpu < TARGETS.checkpointCost;
    let met: string;
    if (!checkpointed.versions) met = 'undecided: no checkpoint fell in the timed pass';
    else if (noise <= TARGETS.checkpointCost) met = verdict(byCpu && wall < TARGETS.checkpointCost);
    else met = `${verdict(byCpu)} by CPU; by wall clock undecided, passes of one run differ by up to ${percent(noise)}`;
    result.push({
      target: `checkpointing ${rows.everySecond} costs < ${percent(TARGETS.checkpointCost)} of throughput (${path})`,
      measured: `${percent(wall)} by wall clock, ${percent(cpu)} by CPU (${checkpointed.versions ?? 0} checkpoints in the timed pass)`,
      met,
    });
  }
  return result;
}
