/** Worker-thread entry of bench/learners/js-tools.ts: times one JavaScript tool on one workload. */
import { parentPort, workerData } from 'node:worker_threads';
import { measureJsTool, type JsTool } from './js-tools';
import type { WorkloadData } from './workloads';

const { data, tool, repeats } = workerData as { data: WorkloadData; tool: JsTool; repeats: number };

void measureJsTool(data, tool, repeats).then((run) => parentPort?.postMessage(run));
