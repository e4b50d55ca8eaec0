import {
  formatRanking,
  importanceExtra,
  importanceMessage,
  parseImportanceRecord,
  rankScores,
  readImportanceExtra,
  scoresFromSnapshot,
} from '../../../src/importance';

const snapshot = rankScores('ipfi', ['a', 'b', 'c'], { means: Float64Array.of(0.5, 2, NaN), variances: Float64Array.of(0.04, 1, 0), samples: 120 }, 0.01);
const manifest = { modelId: 'm', version: 7, examplesSeen: 5000, createdAt: '2026-11-28T10:00:00.000Z' };

describe('publishing importances', () => {
  it('ranks by mean, largest first, NaN last', () => {
    expect(snapshot.features.map(({ name, rank }) => [name, rank])).toEqual([
      ['b', 1],
      ['a', 2],
      ['c', 3],
    ]);
  });

  it('round-trips a snapshot through an importance-topic record', () => {
    const message = importanceMessage(manifest, snapshot);
    expect(message.key).toBe('m');
    const record = parseImportanceRecord(message.value as string, 'importance/0@0');
    expect(record).toEqual({ ...manifest, ...snapshot });
  });

  it('round-trips a snapshot through a manifest extra, and resumes scores by name', () => {
    const extra = JSON.parse(JSON.stringify(importanceExtra(snapshot)));
    const read = readImportanceExtra({ ...manifest, extra });
    expect(read).toEqual(snapshot);
    expect(readImportanceExtra({ ...manifest })).toBeNull();
    const scores = scoresFromSnapshot(['b', 'new', 'a'], read!);
    expect(Array.from(scores.means)).toEqual([2, 0, 0.5]);
    expect(scores.samples).toBe(120);
  });

  it('names what is wrong with a malformed record', () => {
    expect(() => parseImportanceRecord('{', 'imp/0@3')).toThrow(/imp\/0@3: not JSON/);
    expect(() => parseImportanceRecord('[]', 'imp/0@3')).toThrow(/expected a JSON object/);
    const good = JSON.parse(importanceMessage(manifest, snapshot).value as string);
    expect(() => parseImportanceRecord(JSON.stringify({ ...good, version: 'x' }), 'imp/0@3')).toThrow(/field "version" must be a number, got "x"/);
    const badFeature = { ...good, features: [{ name: 'a', mean: '1', variance: 0, rank: 1 }] };
    expect(() => parseImportanceRecord(JSON.stringify(badFeature), 'imp/0@3')).toThrow(/features\[0\]: field "mean" must be a number or null/);
    expect(() => readImportanceExtra({ ...manifest, extra: { importance: 3 } })).toThrow(/checkpoint m v7 extra.importance: expected an object/);
  });

  it('formats a ranking for the terminal, the top ones first', () => {
    const text = formatRanking(parseImportanceRecord(importanceMessage(manifest, snapshot).value as string, 'x'), 2);
    expect(text.split('\n')).toEqual([
      'm v7 ipfi seen=5000 samples=120 2026-11-28T10:00:00.000Z',
      '   1  b           2.000  ±1.00',
      '   2  a          0.5000  ±0.200',
      '      … 1 more',
    ]);
  });
});
