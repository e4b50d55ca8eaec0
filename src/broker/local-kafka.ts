import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BrokerError, ConfigError, errorMessage } from '../errors';
import { cacheDir } from '../paths';
import { freePort } from './free-port';
import { ensureKafkaJars, requireTool } from './kafka-jars';
import { isRunning, stopProcess } from './process';
import { listenerProperties, scramFormatArgs, type ListenerPorts, type SecuredBrokerConfig } from './secured-listeners';
import { waitForBroker } from './wait-for-broker';

export { stopProcess } from './process';

export interface LocalKafkaConfig {
  /** Client port on 127.0.0.1; 0 picks a free one. A port already in use is refused before anything starts. */
  port?: number;
  /** Keep the JVM running after this process exits (the CLI's `kafka start`). */
  detached?: boolean;
  startupTimeoutMs?: number;
  /**
   * A folder kept across starts (the CLI's `kafka start`): its data dir is formatted on first use only, so
   * topics and data survive a stop and a start. Default: a fresh folder that `stop()` deletes.
   */
  home?: string;
  /** With `home`: delete its data and format a new cluster. */
  fresh?: boolean;
  /** Serve clients on SASL_SSL (and mutual TLS) instead of PLAINTEXT. */
  secured?: SecuredBrokerConfig;
}

export interface LocalKafka {
  /** The client listener: PLAINTEXT, or SASL_SSL when secured. */
  brokers: string[];
  /** Every client listener by protocol; a secured broker also has a PLAINTEXT one for its own use and for probes. */
  listeners: { PLAINTEXT?: string; SASL_SSL?: string; SSL?: string };
  clusterId: string;
  pid: number;
  home: string;
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
function serverProperties(ports: ListenerPorts, logDir: string, secured?: SecuredBrokerConfig): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    ...listenerProperties(ports, secured),
    'controller.listener.names=CONTROLLER',
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

/**
 * A Kafka cluster id: 16 random bytes, base64url, 22 characters. One in 64 would begin with `-`, which the
 * storage tool reads as an option and fails on, so such ids are drawn again (Kafka's own Uuid does the same).
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The cluster id a formatted data dir belongs to, or undefined if it was never formatted. */
function formattedClusterId(dataDir: string): string | undefined {
  const meta = join(dataDir, 'meta.properties');
  if (!existsSync(meta)) return undefined;
  return /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1]?.trim();
}

/** Fails at once, naming the port, when something already listens on it: the broker would die with a BindException. */
export function requirePortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new BrokerError(
          `port ${port} on 127.0.0.1 is already in use${err.code === 'EADDRINUSE' ? '' : ` (${err.code ?? errorMessage(err)})`}; stop what runs there or choose another port (--port)`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** The broker log's last ERROR line, if any, to say in one line why the broker did not come up. */
function lastLogError(file: string): string {
  try {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .reverse()
      .find((l) => / (ERROR|FATAL) /.test(l));
    return line ? ` (last error: ${line.replace(/^\[[^\]]*\] /, '').slice(0, 300)})` : '';
  } catch {
    return '';
  }
}

async function choosePorts(port: number, secured?: SecuredBrokerConfig): Promise<ListenerPorts> {
  if (port !== 0) await requirePortFree(port);
  // Each port is free when asked but not held, so two asks can get the same one back (seen once: the client
  // and controller listeners on one port, and the storage format failed): ask until they differ.
  const taken = new Set(port === 0 ? [] : [port]);
  const another = async (): Promise<number> => {
    for (;;) {
      const free = await freePort();
      if (!taken.has(free)) return (taken.add(free), free);
    }
  };
  return {
    client: port === 0 ? await another() : port,
    controller: await another(),
    ...(secured ? { internal: await another() } : {}),
    ...(secured?.clientCaPem ? { mtls: await another() } : {}),
  };
}

function format(classpath: string[], properties: string, dataDir: string, secured?: SecuredBrokerConfig): string {
  const existing = formattedClusterId(dataDir);
  if (existing) return existing;
  const clusterId = newClusterId();
  const args = [...classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties, ...scramFormatArgs(secured)];
  const result = spawnSync('java', args, { encoding: 'utf8' });
  // The tool's output can echo its arguments, which hold SCRAM passwords: only say that it failed, and where to look.
  if (result.status !== 0)
    throw new BrokerError(`formatting ${dataDir} failed (exit ${result.status}); rerun \`kafka.tools.StorageTool format\` by hand to see why`);
  return clusterId;
}

/**
 * Runs Apache Kafka in KRaft mode as a JVM process from jars resolved from Maven Central, and resolves
 * once the broker answering on its port is the one just started (same cluster id, process alive).
 */
export async function startLocalKafka({
  port = 0,
  detached = false,
  startupTimeoutMs = 90_000,
  home,
  fresh = false,
  secured,
}: LocalKafkaConfig = {}): Promise<LocalKafka> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be an integer in 0..65535, got ${port}`);
  requireTool('java', '-version', 'a Java 17+ runtime (e.g. `apt-get install openjdk-17-jre-headless`)');
  const lib = ensureKafkaJars();
  const ports = await choosePorts(port, secured);

  const runDir = home ?? cacheDir('kafka', 'run', `${ports.client}-${Date.now()}`);
  const dataDir = join(runDir, 'data');
  if (fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const properties = join(runDir, 'server.properties');
  const log4j = join(runDir, 'log4j.properties');
  const logFile = join(runDir, 'broker.log');
  writeFileSync(properties, serverProperties(ports, dataDir, secured), { mode: 0o600 });
  writeFileSync(log4j, LOG4J);

  const classpath = ['-cp', join(lib, '*'), `-Dlog4j.configuration=file:${log4j}`];
  const clusterId = format(classpath, properties, dataDir, secured);

  const out = openSync(logFile, 'a');
  const child = spawn('java', ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true', ...classpath, 'kafka.Kafka', properties], {
    detached,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  if (detached) child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new BrokerError('the Kafka JVM could not be spawned');

  const address = (p: number) => `127.0.0.1:${p}`;
  const listeners = secured
    ? { SASL_SSL: address(ports.client), PLAINTEXT: address(ports.internal!), ...(ports.mtls ? { SSL: address(ports.mtls) } : {}) }
    : { PLAINTEXT: address(ports.client) };
  const stop = async (): Promise<void> => {
    await stopProcess(pid);
    if (!home) rmSync(runDir, { recursive: true, force: true });
  };
  try {
    const answering = await waitForBroker({ brokers: [listeners.PLAINTEXT] }, startupTimeoutMs, () => isRunning(pid) && child.exitCode === null);
    if (answering !== clusterId)
      throw new BrokerError(`the broker answering on ${listeners.PLAINTEXT} belongs to cluster ${answering}, not to the one just started (${clusterId})`);
  } catch (err) {
    // The folder stays, for its log: that is where the broker says why it did not come up.
    await stopProcess(pid);
    throw new BrokerError(`${errorMessage(err)}; the broker's log: ${logFile}${lastLogError(logFile)}`, { cause: err });
  }
  return { brokers: [address(ports.client)], listeners, clusterId, pid, home: runDir, dataDir, logFile, stop };
}
