import { readTopic } from '../../../connectors/kafka/topic-reader';
import { errorMessage } from '../../errors';
import { formatRanking, parseImportanceRecord, type ImportanceRecord } from '../../importance/publish';
import { brokersFor } from '../brokers';
import { follow } from '../follow';
import { brokerOption, integerOption, requiredOption, stringOption, type Command } from '../command';

export const importance: Command = {
  name: 'importance',
  usage: 'streamlearn importance --topic <importance-topic> [--model ID] [--top N] [--once] [--brokers B]',
  summary: 'print the latest feature-importance ranking of each model, then each new one as it is published',
  options: {
    ...brokerOption,
    topic: { type: 'string', short: 't' },
    model: { type: 'string', short: 'm' },
    top: { type: 'string', short: 'n' },
    once: { type: 'boolean' },
  },
  async run(args) {
    const topic = requiredOption(args, 'topic');
    const modelId = stringOption(args, 'model');
    const top = integerOption(args, 'top', 20);
    const following = args.values.once !== true;
    const broker = await brokersFor(args);
    const latest = new Map<string, ImportanceRecord>();
    let caughtUp = false;
    const print = (record: ImportanceRecord) => process.stdout.write(`${formatRanking(record, top)}\n\n`);
    try {
      await follow(readTopic({ ...broker.connection, topic, follow: following }), (event) => {
        if (event.type === 'caught-up') {
          caughtUp = true;
          if (latest.size === 0) process.stderr.write(`no importances on ${topic}${modelId ? ` for ${modelId}` : ''} yet${following ? '; waiting' : ''}\n`);
          latest.forEach(print);
          return;
        }
        const { record } = event;
        if (record.value === null) return;
        let parsed: ImportanceRecord;
        try {
          parsed = parseImportanceRecord(record.value, `${record.topic}/${record.partition}@${record.offset}`);
        } catch (err) {
          process.stderr.write(`skipped ${errorMessage(err)}\n`);
          return;
        }
        if (modelId !== undefined && parsed.modelId !== modelId) return;
        latest.set(parsed.modelId, parsed);
        if (caughtUp) print(parsed);
      });
    } finally {
      await broker.stop();
    }
  },
};
