import { readTopic } from '../../../connectors/kafka/topic-reader';
import { errorMessage } from '../../errors';
import { detectionKey, formatDrift, parseDriftRecord } from '../../topology/drift-record';
import { brokersFor } from '../brokers';
import { follow } from '../follow';
import { brokerOption, requiredOption, stringOption, type Command } from '../command';

export const drift: Command = {
  name: 'drift',
  usage: 'streamlearn drift --topic <drift-topic> [--model ID] [--once] [--brokers B]',
  summary: 'print the drift detections of a topology (offset, detector, statistic, model version, action), then each new one live',
  options: {
    ...brokerOption,
    topic: { type: 'string', short: 't' },
    model: { type: 'string', short: 'm' },
    once: { type: 'boolean' },
  },
  async run(args) {
    const topic = requiredOption(args, 'topic');
    const modelId = stringOption(args, 'model');
    const following = args.values.once !== true;
    const broker = await brokersFor(args);
    let seen = 0;
    // A detection replayed after a trainer's crash is published again under the same key: print it once.
    const printed = new Set<string>();
    try {
      await follow(readTopic({ ...broker.connection, topic, follow: following }), (event) => {
        if (event.type === 'caught-up') {
          if (seen === 0) process.stderr.write(`no drift detected on ${topic}${modelId ? ` for ${modelId}` : ''} yet${following ? '; waiting' : ''}\n`);
          return;
        }
        const { record } = event;
        if (record.value === null) return;
        try {
          const parsed = parseDriftRecord(record.value, `${record.topic}/${record.partition}@${record.offset}`);
          if (modelId !== undefined && parsed.modelId !== modelId) return;
          const key = detectionKey(parsed);
          if (printed.has(key)) return;
          printed.add(key);
          seen += 1;
          process.stdout.write(`${formatDrift(parsed)}\n`);
        } catch (err) {
          process.stderr.write(`skipped ${errorMessage(err)}\n`);
        }
      });
    } finally {
      await broker.stop();
    }
  },
};
