import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerError, ConfigError } from '../errors';
import { cacheDir } from '../paths';
import { freePort } from './free-port';
import { ensureKafkaJars, requireTool } from './kafka-jars';
import { waitForBroker } from './wait-for-broker';

export interface LocalKafkaConfig {
  /** Client port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Keep the JVM running after this process exits (the CLI's `kafka start`). */
  detached?: boolean;
  startupTimeoutMs?: number;
}

export interface LocalKafka {
  brokers: string[];
  pid: number;
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
}

const LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=WARN
`;

/**
 * A single-node KRaft config. Every replication factor is 1: left at the default of 3, a lone broker
 * never elects a group coordinator (kafkajs#1752). Topics are created explicitly, so auto-creation is off.
 */
function serverProperties(port: number, controllerPort: number, logDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM (Kafka shuts down cleanly on it), then SIGKILL if it lingers. */
export async function stopProcess(pid: number, graceMs = 20_000): Promise<void> {
  if (!isRunning(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (isRunning(pid)) process.kill(pid, 'SIGKILL');
}

function tail(file: string, chars = 3000): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

/**
 * Runs Apache Kafka in KRaft mode as a JVM process from jars resolved from Maven Central, on a freshly
 * formatted data dir, and resolves once a kafkajs admin call succeeds.
 */
export async function startLocalKafka({ port = 0, detached = false, startupTimeoutMs = 90_000 }: LocalKafkaConfig = {}): Promise<LocalKafka> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be an integer in 0..65535, got ${port}`);
  requireTool('java', '-version', 'a Java 17+ runtime (e.g. `apt-get install openjdk-17-jre-headless`)');
  const lib = ensureKafkaJars();

  const clientPort = port === 0 ? await freePort() : port;
  const controllerPort = await freePort();
  const runDir = cacheDir('kafka', 'run', `${clientPort}-${Date.now()}`);
  const dataDir = join(runDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const properties = join(runDir, 'server.properties');
  const log4j = join(runDir, 'log4j.properties');
  const logFile = join(runDir, 'broker.log');
  writeFileSync(properties, serverProperties(clientPort, controllerPort, dataDir));
  writeFileSync(log4j, LOG4J);

  const classpath = ['-cp', join(lib, '*'), `-Dlog4j.configuration=file:${log4j}`];
  const clusterId = randomBytes(16).toString('base64url');
  const format = spawnSync('java', [...classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties], { encoding: 'utf8' });
  if (format.status !== 0) throw new BrokerError(`formatting ${dataDir} failed: ${(format.stderr || format.stdout).slice(-2000)}`);

  const out = openSync(logFile, 'a');
  const child = spawn(
    'java',
    ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true', ...classpath, 'kafka.Kafka', properties],
    { detached, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  if (detached) child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new BrokerError('the Kafka JVM could not be spawned');

  const brokers = [`127.0.0.1:${clientPort}`];
  const stop = async (): Promise<void> => {
    await stopProcess(pid);
    rmSync(runDir, { recursive: true, force: true });
  };
  try {
    await waitForBroker({ brokers }, startupTimeoutMs, () => isRunning(pid) && child.exitCode === null);
  } catch (err) {
    const log = tail(logFile);
    await stop();
    throw new BrokerError(`${(err as Error).message}\n--- broker log (tail) ---\n${log}`, { cause: err });
  }
  return { brokers, pid, dataDir, logFile, stop };
}

/** What `streamlearn kafka start` leaves behind so that `status` and `stop` can find the broker. */
export interface BrokerRecord {
  brokers: string[];
  pid: number;
  dataDir: string;
  logFile: string;
  startedAt: string;
}

const recordFile = (): string => cacheDir('kafka', 'broker.json');

export function saveBrokerRecord(record: BrokerRecord): void {
  writeFileSync(recordFile(), JSON.stringify(record, null, 2));
}

export function loadBrokerRecord(): (BrokerRecord & { alive: boolean }) | undefined {
  try {
    const record = JSON.parse(readFileSync(recordFile(), 'utf8')) as BrokerRecord;
    return { ...record, alive: isRunning(record.pid) };
  } catch {
    return undefined;
  }
}

export async function stopRecordedBroker(): Promise<BrokerRecord | undefined> {
  const record = loadBrokerRecord();
  if (!record) return undefined;
  await stopProcess(record.pid);
  rmSync(join(record.dataDir, '..'), { recursive: true, force: true });
  rmSync(recordFile(), { force: true });
  return record;
}
