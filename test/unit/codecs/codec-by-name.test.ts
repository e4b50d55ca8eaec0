import { CODEC_NAMES, codecByName, isCodecName } from '../../../connectors/codecs/by-name';
import { ConfigError } from '../../../src/errors';

describe('codecByName', () => {
  const context = { topic: 't', partition: 0, offset: '0' };

  it('returns the named codec with its options applied', () => {
    expect(codecByName('json', { maxBytes: 4 }).name).toBe('json');
    expect(() => codecByName('json', { maxBytes: 4 }).decode(Buffer.from('"long"'), context)).toThrow('exceed maxBytes 4');
    expect(codecByName('csv', { columns: ['a', 'b'], delimiter: ';' }).decode(Buffer.from('1;2'), context)).toEqual({ a: '1', b: '2' });
    expect(codecByName('arrow', { rejectNonFinite: false }).name).toBe('arrow');
  });

  it('rejects an unknown name (from an unchecked CLI flag)', () => {
    expect(() => codecByName('avro' as 'json', {})).toThrow(ConfigError);
    expect(() => codecByName('avro' as 'json', {})).toThrow('expected one of json, csv, arrow');
  });

  it('tells codec names apart from other strings', () => {
    expect(CODEC_NAMES.every(isCodecName)).toBe(true);
    expect(isCodecName('jsonl')).toBe(false);
  });
});
