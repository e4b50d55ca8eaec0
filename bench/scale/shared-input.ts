/**
 * regression-sgd on the bench's one input topic (`SCALE_BENCH_INPUT`), whatever the prefix: every setup of
 * `npm run bench -- scale` reads the same events, produced once, with its own group, model and mix topics
 * (the prefix). Producing 2M events for each of seven setups took longer than learning them. Workers run it
 * as a user runs a topology module: `streamlearn run dist/bench/scale/shared-input.js --prefix P`.
 */
import { defineTopology, type Topology, type TopologyOptions } from '../../src/topology/topology';
import { regressionSgd } from '../../topologies/regression-sgd';

export const INPUT_ENV = 'SCALE_BENCH_INPUT';
/** Bytes per partition a fetch asks for (`--fetch-kb`), when the bench compares fetch sizes. */
export const FETCH_BYTES_ENV = 'SCALE_BENCH_FETCH_BYTES';

export default function sharedInput(options: TopologyOptions = {}): Topology {
  const { config } = regressionSgd(options);
  const topic = process.env[INPUT_ENV];
  const fetchBytes = Number(process.env[FETCH_BYTES_ENV]);
  const batch = fetchBytes > 0 ? { ...config.batch, maxBytesPerPartition: fetchBytes } : config.batch;
  return defineTopology({ ...config, batch, input: topic ? { ...config.input, topic } : config.input });
}
