import { startDashboard } from '../../observability/dashboard/server';
import { brokersFor } from '../brokers';
import { untilSignal } from '../follow';
import { brokerOption, integerOption, stringOption, UsageError, type Command } from '../command';

export const dashboard: Command = {
  name: 'dashboard',
  usage: 'streamlearn dashboard [--port 8080] [--prefix P] [--host H] [--brokers B]',
  summary: 'a live web page of the topologies on the broker: versions, lag, learning curves, importances, dead letters, drift',
  options: { ...brokerOption, port: { type: 'string', short: 'p' }, prefix: { type: 'string' }, host: { type: 'string' } },
  async run(args) {
    const port = integerOption(args, 'port', 8080)!;
    if (port > 65_535) throw new UsageError(`--port takes a port in 0..65535, got ${port}`);
    const host = stringOption(args, 'host');
    const broker = await brokersFor(args);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    try {
      const running = await startDashboard({ ...broker.connection, port, host, prefix: stringOption(args, 'prefix'), log });
      if (host !== undefined && host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
        log(`warning: listening on ${host}: anyone who can reach it sees these topologies' models, offsets and dead-letter records`);
      }
      process.stdout.write(`dashboard at ${running.url} (Ctrl-C to stop)\n`);
      await untilSignal();
      await running.close();
    } finally {
      await broker.stop();
    }
  },
};
