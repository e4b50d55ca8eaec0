import { Registry } from 'prom-client';
import { createRateWindow } from '../../../src/observability/rate-window';
import { createTopologyMetrics } from '../../../src/observability/topology-metrics';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text';

describe('records/s window', () => {
  it('averages over the window, or over the time since start when shorter, and forgets old samples', () => {
    const rate = createRateWindow(10_000, 0);
    rate.add(100, 1000);
    expect(rate.perSecond(2000)).toBe(50);
    rate.add(300, 9000);
    expect(rate.perSecond(10_000)).toBe(40);
    expect(rate.perSecond(15_000)).toBe(30); // the sample at 1 s has left the window
    expect(rate.perSecond(30_000)).toBe(0);
  });
});

describe('the strict Prometheus text parser (test support)', () => {
  it('rejects what a Prometheus server would', () => {
    expect(() => parsePrometheusText('a_total 1\n')).toThrow('no # TYPE');
    expect(() => parsePrometheusText('# TYPE a counter\na{x="1} 1\n')).toThrow('unterminated');
    expect(() => parsePrometheusText('# TYPE a counter\na{x="\\t"} 1\n')).toThrow('bad escape');
    expect(() => parsePrometheusText('# TYPE a counter\na 1\na 2\n')).toThrow('duplicate series');
    expect(() => parsePrometheusText('# TYPE a gauge\na one\n')).toThrow('not a sample value');
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow('not cumulative');
    expect(() => parsePrometheusText('# TYPE a gauge\na 1')).toThrow('newline');
  });
});

describe('topology metrics', () => {
  it('export what the runtime reports, in a format the strict parser accepts, label values escaped', async () => {
    const registry = new Registry();
    const topology = 'orders "eu"\\west';
    const observer = createTopologyMetrics({ registry, topology });
    const batch = { topic: 'in', partition: 2, records: new Array(9), deadLettered: 1, lag: 17 } as never;
    const slot = { modelId: 'm', version: 3, examplesSeen: 8 } as never;
    observer.batchLearned!({ batch, slot, learned: 8, undone: 0, deadLettered: 2, replayed: 0, metrics: { accuracy: 0.75, auc: NaN }, learnMs: 12 });
    observer.deadLettered!('SCHEMA', { topic: 'in', partition: 2, offset: '4' });
    observer.checkpointPublished!({ modelId: 'm', version: 4, payloadBytes: 2048 } as never, 30);
    const families = parsePrometheusText(await registry.metrics());
    const labels = { topology };
    expect(sampleValue(families, 'streamlearn_records_total', { ...labels, partition: '2', outcome: 'learned' })).toBe(8);
    expect(sampleValue(families, 'streamlearn_records_total', { ...labels, partition: '2', outcome: 'dead_lettered' })).toBe(2);
    expect(sampleValue(families, 'streamlearn_records_consumed_total', { ...labels, partition: '2' })).toBe(10);
    expect(sampleValue(families, 'streamlearn_dead_letters_total', { ...labels, code: 'SCHEMA' })).toBe(1);
    expect(sampleValue(families, 'streamlearn_consumer_lag', { ...labels, topic: 'in', partition: '2' })).toBe(17);
    expect(sampleValue(families, 'streamlearn_model_version', { ...labels, model: 'm' })).toBe(4);
    expect(sampleValue(families, 'streamlearn_model_metric', { ...labels, model: 'm', metric: 'accuracy' })).toBe(0.75);
    expect(() => sampleValue(families, 'streamlearn_model_metric', { ...labels, metric: 'auc' })).toThrow('0 samples');
    expect(sampleValue(families, 'streamlearn_batch_learn_seconds_sum', labels)).toBeCloseTo(0.012, 9);
    expect(sampleValue(families, 'streamlearn_checkpoint_publish_seconds_sum', labels)).toBeCloseTo(0.03, 9);
    expect(sampleValue(families, 'streamlearn_checkpoint_size_bytes', { ...labels, model: 'm' })).toBe(2048);
  });
});
