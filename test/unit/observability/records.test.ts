import type { RawRecord } from '../../../connectors/kafka/topic-reader';
import { buildCheckpoint } from '../../../src/checkpoints/envelope';
import { checkpointRecords } from '../../../src/checkpoints/records';
import { createLinearRegression } from '../../../src/learners';
import { parseDeadLetter, parseDrift, parseMetricsRecord, parseModelRecord } from '../../../src/observability/dashboard/records';

const raw = (value: string | Buffer | null, fields: Partial<RawRecord> = {}): RawRecord => ({
  topic: 't.metrics',
  partition: 0,
  offset: '7',
  key: 'm',
  value: typeof value === 'string' ? Buffer.from(value) : value,
  timestamp: 1000,
  headers: {},
  ...fields,
});

describe('dashboard record parsing', () => {
  it('reads a metrics record; undefined metrics (null in JSON) are left out', () => {
    const point = parseMetricsRecord(
      raw(
        JSON.stringify({
          modelId: 'm',
          version: 3,
          examplesSeen: 30,
          metrics: { acc: 0.9, auc: null },
          offsets: [{ topic: 'in', partition: 0, offset: '31' }],
          createdAt: '2026-01-01T00:00:00.000Z',
        }),
      ),
    );
    expect(point).toMatchObject({
      modelId: 'm',
      version: 3,
      examplesSeen: 30,
      metrics: { acc: 0.9 },
      offsets: [{ topic: 'in', partition: 0, offset: '31' }],
      recordedAt: 1000,
      fromMetricsTopic: true,
    });
  });

  it('names the record and the field when a record is not what it should be', () => {
    expect(() => parseMetricsRecord(raw('{"modelId": 1'))).toThrow('t.metrics/0@7: not JSON');
    expect(() => parseMetricsRecord(raw('[1]'))).toThrow('t.metrics/0@7: not a JSON object');
    expect(() => parseMetricsRecord(raw(JSON.stringify({ modelId: 'm', version: '3', examplesSeen: 1, createdAt: '2026-01-01' })))).toThrow(
      't.metrics/0@7: field "version" must be a number',
    );
    expect(() => parseDrift(raw(JSON.stringify({ modelId: 'm', modelVersion: 1, detector: 'ADWIN', topic: 'in', partition: 0, offset: '1' })))).toThrow(
      't.metrics/0@7: field "topology" must be a string',
    );
  });

  it('reads manifests from the model topic, under the model id or a versioned key, and skips chunks and tombstones', () => {
    const model = createLinearRegression({ numFeatures: 3 });
    const built = buildCheckpoint(
      { modelId: 'm', version: 4, offsets: [{ topic: 'in', partition: 0, offset: '9' }], examplesSeen: 9, metrics: { rmse: 1.5 } },
      model.state(),
    );
    const { records } = checkpointRecords(built.manifest, built.payload);
    const point = parseModelRecord(raw(records[0].value, { key: records[0].key }));
    expect(point).toMatchObject({
      modelId: 'm',
      version: 4,
      examplesSeen: 9,
      kind: 'LinearRegression',
      payloadBytes: built.payload.byteLength,
      fromMetricsTopic: false,
    });
    expect(parseModelRecord(raw(Buffer.from('x'), { key: 'm/v4/chunk/0' }))).toBeUndefined();
    expect(parseModelRecord(raw(null))).toBeUndefined();
    expect(parseModelRecord(raw(records[0].value, { key: 'm@v4' }))).toMatchObject({ modelId: 'm', version: 4 });
  });

  it('keeps a dead letter’s code, source, headers and the start of its bytes, markup and all', () => {
    const headers = {
      'x-error-code': 'SCHEMA',
      'x-error-message': 'in/0@5: bad',
      'x-source-topic': 'in',
      'x-source-partition': '0',
      'x-source-offset': '5',
      '<script>': '<b>',
    };
    const point = parseDeadLetter(raw('<script>alert(1)</script>'.repeat(40), { headers }));
    expect(point).toMatchObject({ code: 'SCHEMA', message: 'in/0@5: bad', source: 'in/0@5', headers, bytes: 1000 });
    expect(point.preview).toHaveLength(300);
    expect(point.preview.startsWith('<script>alert(1)</script>')).toBe(true);
  });

  it('reads a drift detection as the drift watch writes it', () => {
    const record = {
      topology: 't',
      modelId: 'm',
      detector: 'ADWIN',
      on: 'error',
      statistic: 0.2,
      threshold: 0.1,
      direction: 'up',
      topic: 'in',
      partition: 1,
      offset: '420',
      watched: 400,
      rollingError: 0.3,
      modelVersion: 6,
      action: 'reset',
      newVersion: 7,
      detectedAt: '2026-01-01T00:00:00Z',
    };
    expect(parseDrift(raw(JSON.stringify(record)))).toEqual({
      recordedAt: 1000,
      modelId: 'm',
      modelVersion: 6,
      detector: 'ADWIN',
      statistic: 0.2,
      direction: 'up',
      topic: 'in',
      partition: 1,
      offset: '420',
      action: 'reset',
    });
  });
});
