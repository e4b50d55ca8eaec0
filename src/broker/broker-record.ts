import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir } from '../paths';
import { commandLine, isRunning, stopProcess } from './process';

/** What `streamlearn kafka start` leaves behind so that every later command, `status` and `stop` can find the broker. */
export interface BrokerRecord {
  brokers: string[];
  pid: number;
  clusterId: string;
  /** The folder kept across starts: server.properties, broker.log and data/. */
  home: string;
  dataDir: string;
  logFile: string;
  startedAt: string;
}

/** The folder `kafka start` keeps its broker in, so that a stop and a start find the same topics and data. */
export const localBrokerHome = (): string => cacheDir('kafka', 'local');

const recordFile = (): string => cacheDir('kafka', 'broker.json');

export function saveBrokerRecord(record: BrokerRecord): void {
  writeFileSync(recordFile(), JSON.stringify(record, null, 2));
}

/**
 * Whether the recorded process is still our broker: alive, and (where the OS shows command lines) a
 * Kafka JVM started with our server.properties, not another process that reused the pid.
 */
function isOurBroker(record: BrokerRecord): boolean {
  if (!isRunning(record.pid)) return false;
  const command = commandLine(record.pid);
  // dirname(dataDir), not home: records written before `home` existed have the same layout.
  return command === undefined || command.includes(join(dirname(record.dataDir), 'server.properties'));
}

export function loadBrokerRecord(): (BrokerRecord & { alive: boolean }) | undefined {
  try {
    const record = JSON.parse(readFileSync(recordFile(), 'utf8')) as BrokerRecord;
    return { ...record, alive: isOurBroker(record) };
  } catch {
    return undefined;
  }
}

/** The running broker started by `kafka start`, if there is one. */
export function runningLocalBroker(): BrokerRecord | undefined {
  const record = loadBrokerRecord();
  return record?.alive ? record : undefined;
}

/** Stops exactly the recorded broker process (never another one), keeps its data, and forgets the record. */
export async function stopRecordedBroker(): Promise<{ record: BrokerRecord; wasRunning: boolean } | undefined> {
  const record = loadBrokerRecord();
  if (!record) return undefined;
  if (record.alive) await stopProcess(record.pid);
  rmSync(recordFile(), { force: true });
  return { record, wasRunning: record.alive };
}
