import { startMetricsServer, type MetricsServer } from '../observability/metrics-server';
import { integerOption, stringOption, UsageError, type OptionSpecs, type ParsedArgs } from './command';

/** `--metrics-port N [--metrics-host H]`: expose /metrics for Prometheus while the command runs. */
export const metricsOptions: OptionSpecs = {
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
};

/** Starts the exporter when `--metrics-port` is given, and says where it is; undefined otherwise. */
export async function metricsServerFor(args: ParsedArgs, log: (line: string) => void): Promise<MetricsServer | undefined> {
  const port = integerOption(args, 'metrics-port');
  const host = stringOption(args, 'metrics-host');
  if (port === undefined) {
    if (host !== undefined) throw new UsageError('--metrics-host needs --metrics-port');
    return undefined;
  }
  if (port > 65_535) throw new UsageError(`--metrics-port takes a port in 0..65535, got ${port}`);
  const server = await startMetricsServer({ port, host });
  log(`metrics at ${server.url}`);
  return server;
}
