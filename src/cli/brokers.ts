import { brokersFromEnv, resolveBroker, type ResolvedBroker } from '../broker/resolve-broker';
import { runningLocalBroker } from '../broker/broker-record';
import { propertiesFromEnv, readClientProperties, settingsFromProperties, type ClientSettings } from '../../connectors/kafka/client-properties';
import { describeConnection, validateConnection, type KafkaConnection } from '../../connectors/kafka/connection';
import { probeBrokers } from '../../connectors/kafka/probe';
import { integerOption, stringOption, UsageError, type ParsedArgs } from './command';

export interface CommandBroker extends Omit<ResolvedBroker, 'source'> {
  source: 'flag' | 'env' | 'command-config' | 'local' | 'throwaway';
}

const log = (line: string) => process.stderr.write(`[kafka] ${line}\n`);

/** Security settings from the environment (KAFKA_SECURITY_PROTOCOL…), overridden by `--command-config` (or KAFKA_COMMAND_CONFIG). */
export function clientSettings(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const file = stringOption(args, 'command-config') ?? (env.KAFKA_COMMAND_CONFIG || undefined);
  const properties = new Map([...propertiesFromEnv(env), ...(file ? readClientProperties(file) : new Map())]);
  const settings = settingsFromProperties(properties);
  if (settings.ignored.length > 0) log(`not used by streamlearn: ${settings.ignored.join(', ')}`);
  const timeoutMs = integerOption(args, 'connection-timeout');
  if (timeoutMs === 0) throw new UsageError('--connection-timeout must be at least 1 ms');
  return timeoutMs === undefined ? settings : { ...settings, security: { ...settings.security, connectionTimeoutMs: timeoutMs } };
}

const hasSecurity = (settings: ClientSettings) => settings.security.ssl !== undefined || settings.security.sasl !== undefined;

async function reached(connection: KafkaConnection, source: CommandBroker['source']): Promise<CommandBroker> {
  await probeBrokers(connection);
  log(
    `using ${describeConnection(connection)}, from ${source === 'local' ? 'the broker `streamlearn kafka start` runs' : source === 'flag' ? '--brokers' : source === 'env' ? 'KAFKA_BROKERS' : 'bootstrap.servers'}`,
  );
  return { brokers: connection.brokers, connection, source, stop: async () => undefined };
}

/**
 * The brokers a command talks to, in this order: `--brokers`; `KAFKA_BROKERS`; `bootstrap.servers` in
 * `--command-config`; the broker `streamlearn kafka start` left running. Security settings apply to the
 * first three. With none of them, a command refuses and says what to run, because what it writes would
 * vanish with a broker of its own; only `throwaway` commands (the `start` demo) start one, and say so.
 */
export async function brokersFor(args: ParsedArgs, options: { throwaway?: boolean } = {}): Promise<CommandBroker> {
  const settings = clientSettings(args);
  const flag = stringOption(args, 'brokers')
    ?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const env = brokersFromEnv();
  const named = flag?.length
    ? { brokers: flag, source: 'flag' as const }
    : env
      ? { brokers: env, source: 'env' as const }
      : settings.brokers
        ? { brokers: settings.brokers, source: 'command-config' as const }
        : undefined;
  if (named) return reached(validateConnection('connection settings', { brokers: named.brokers, ...settings.security }), named.source);
  if (hasSecurity(settings))
    throw new UsageError('security settings are given but no brokers: pass --brokers, set KAFKA_BROKERS, or put bootstrap.servers in --command-config');

  const local = runningLocalBroker();
  if (local) return reached({ brokers: local.brokers, ...settings.security }, 'local');
  if (!options.throwaway) {
    throw new UsageError(
      'no Kafka broker to use: run `streamlearn kafka start` first (its data survives this command), or pass --brokers host:port, or set KAFKA_BROKERS',
    );
  }
  log(
    'no broker given and none started by `streamlearn kafka start`: starting a throwaway broker; it and everything written to it are deleted when this command exits',
  );
  const throwaway = await resolveBroker({ log });
  return { ...throwaway, source: 'throwaway' };
}
