import { loadLatestCheckpoints } from '../../checkpoints/latest';
import { subscribeModel } from '../../checkpoints/subscribe';
import type { CheckpointManifest } from '../../checkpoints/manifest';
import { brokersFor } from '../brokers';
import { follow } from '../follow';
import { brokerOption, requiredOption, stringOption, type Command } from '../command';
import type { ManifestVerifier } from '../../checkpoints/signing';
import { verifierFor, verifyKeyOption } from '../signing-options';

/** A model-topic record that failed verification is reported on stderr, and reading goes on. */
const reportSkipped = (reason: string) => process.stderr.write(`skipped: ${reason}\n`);

/** One line per version: what it learned up to, and how well it was doing. */
export function describeVersion(manifest: CheckpointManifest, latencyMs?: number): string {
  const offsets = manifest.offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).join(' ');
  const metrics = Object.entries(manifest.metrics)
    .filter(([, v]) => Number.isFinite(v))
    .map(([k, v]) => `${k}=${v.toFixed(4)}`)
    .join(' ');
  return (
    `${manifest.modelId} v${manifest.version} ${manifest.model.kind} seen=${manifest.examplesSeen} ${metrics} offsets[${offsets}] ${manifest.createdAt}` +
    (latencyMs === undefined ? '' : ` (+${latencyMs} ms)`)
  );
}

/** Said on every line, so that a reader of the output knows which versions were checked and against what key. */
const verifiedSuffix = (verifier: ManifestVerifier | undefined): string => (verifier ? ` verified ed25519 key ${verifier.keyId}` : '');

export const subscribe: Command = {
  name: 'subscribe',
  usage: 'streamlearn subscribe --topic <model-topic> [--model ID] [--verify-key PEM] [--brokers B]',
  summary: 'print each new verified model version with its metrics and offsets',
  options: { ...brokerOption, ...verifyKeyOption, topic: { type: 'string', short: 't' }, model: { type: 'string', short: 'm' } },
  async run(args) {
    const topic = requiredOption(args, 'topic');
    const verifier = verifierFor(args);
    const broker = await brokersFor(args);
    let modelId = stringOption(args, 'model');
    if (!modelId) {
      const latest = await loadLatestCheckpoints(broker.connection, topic, { verifier, onSkipped: reportSkipped });
      modelId = [...latest.keys()][0];
      if (!modelId) throw new Error(`no checkpoint on "${topic}" yet; name the model with --model to wait for one`);
    }
    const versions = subscribeModel({ ...broker.connection, topic, modelId, verifier, onRejected: (reason) => process.stderr.write(`rejected: ${reason}\n`) });
    const verified = verifiedSuffix(verifier);
    try {
      await follow(versions, ({ manifest, receivedAt }) =>
        process.stdout.write(`${describeVersion(manifest, receivedAt - Date.parse(manifest.createdAt))}${verified}\n`),
      );
    } finally {
      await broker.stop();
    }
  },
};

export const models: Command = {
  name: 'models',
  usage: 'streamlearn models --topic <model-topic> [--verify-key PEM] [--brokers B]',
  summary: 'list the models on a model topic with their latest versions',
  options: { ...brokerOption, ...verifyKeyOption, topic: { type: 'string', short: 't' } },
  async run(args) {
    const topic = requiredOption(args, 'topic');
    const verifier = verifierFor(args);
    const broker = await brokersFor(args);
    try {
      const latest = await loadLatestCheckpoints(broker.connection, topic, { verifier, onSkipped: reportSkipped });
      if (latest.size === 0) process.stdout.write(`no models on ${topic}\n`);
      for (const { manifest } of latest.values()) process.stdout.write(`${describeVersion(manifest)}${verifiedSuffix(verifier)}\n`);
    } finally {
      await broker.stop();
    }
  },
};
