import { loadLatestCheckpoints } from '../../checkpoints/latest';
import { subscribeModel } from '../../checkpoints/subscribe';
import type { CheckpointManifest } from '../../checkpoints/manifest';
import { brokersFor } from '../brokers';
import { follow } from '../follow';
import { brokerOption, requiredOption, stringOption, type Command } from '../command';

/** One line per version: what it learned up to, and how well it was doing. */
export function describeVersion(manifest: CheckpointManifest, latencyMs?: number): string {
  const offsets = manifest.offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).join(' ');
  const metrics = Object.entries(manifest.metrics).filter(([, v]) => Number.isFinite(v)).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ');
  return `${manifest.modelId} v${manifest.version} ${manifest.model.kind} seen=${manifest.examplesSeen} ${metrics} offsets[${offsets}] ${manifest.createdAt}` +
    (latencyMs === undefined ? '' : ` (+${latencyMs} ms)`);
}

export const subscribe: Command = {
  name: 'subscribe',
  usage: 'streamlearn subscribe --topic <model-topic> [--model ID] [--brokers B]',
  summary: 'print each new verified model version with its metrics and offsets',
  options: { ...brokerOption, topic: { type: 'string', short: 't' }, model: { type: 'string', short: 'm' } },
  async run(args) {
    const topic = requiredOption(args, 'topic');
    const broker = await brokersFor(args);
    let modelId = stringOption(args, 'model');
    if (!modelId) {
      const latest = await loadLatestCheckpoints(broker.connection, topic);
      modelId = [...latest.keys()][0];
      if (!modelId) throw new Error(`no checkpoint on "${topic}" yet; name the model with --model to wait for one`);
    }
    const versions = subscribeModel({ ...broker.connection, topic, modelId, onRejected: (reason) => process.stderr.write(`rejected: ${reason}\n`) });
    try {
      await follow(versions, ({ manifest, receivedAt }) => process.stdout.write(`${describeVersion(manifest, receivedAt - Date.parse(manifest.createdAt))}\n`));
    } finally {
      await broker.stop();
    }
  },
};

export const models: Command = {
  name: 'models',
  usage: 'streamlearn models --topic <model-topic> [--brokers B]',
  summary: 'list the models on a model topic with their latest versions',
  options: { ...brokerOption, topic: { type: 'string', short: 't' } },
  async run(args) {
    const topic = requiredOption(args, 'topic');
    const broker = await brokersFor(args);
    try {
      const latest = await loadLatestCheckpoints(broker.connection, topic);
      if (latest.size === 0) process.stdout.write(`no models on ${topic}\n`);
      for (const { manifest } of latest.values()) process.stdout.write(`${describeVersion(manifest)}\n`);
    } finally {
      await broker.stop();
    }
  },
};
