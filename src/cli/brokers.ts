import { resolveBroker, type ResolvedBroker } from '../broker/resolve-broker';
import { stringOption, type ParsedArgs } from './command';

/** `--brokers` wins, then KAFKA_BROKERS; with neither, the broker helper starts one for this command. */
export async function brokersFor(args: ParsedArgs): Promise<ResolvedBroker> {
  const flag = stringOption(args, 'brokers');
  if (flag) process.env.KAFKA_BROKERS = flag;
  return resolveBroker({ log: (line) => process.stderr.write(`[kafka] ${line}\n`) });
}
