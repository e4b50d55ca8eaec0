import type { Table } from 'apache-arrow';
import { ConfigError } from '../../src/errors';
import type { Codec } from '../types';
import { createArrowCodec, type ArrowCodecOptions } from './arrow';
import { createCsvCodec, type CsvCodecOptions, type CsvRecord } from './csv';
import { createJsonCodec, type JsonCodecOptions, type JsonValue } from './json';

export const CODEC_NAMES = ['json', 'csv', 'arrow'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

export interface CodecOptionsByName {
  json: JsonCodecOptions;
  csv: CsvCodecOptions;
  arrow: ArrowCodecOptions;
}

export interface CodecValueByName {
  json: JsonValue;
  csv: CsvRecord;
  arrow: Table;
}

export function isCodecName(name: string): name is CodecName {
  return (CODEC_NAMES as readonly string[]).includes(name);
}

/** The codec a CLI flag or config file names. */
export function codecByName<N extends CodecName>(name: N, options: CodecOptionsByName[N]): Codec<CodecValueByName[N]>;
export function codecByName(name: CodecName, options: CodecOptionsByName[CodecName]): Codec<CodecValueByName[CodecName]> {
  switch (name) {
    case 'json':
      return createJsonCodec(options as JsonCodecOptions);
    case 'csv':
      return createCsvCodec(options as CsvCodecOptions);
    case 'arrow':
      return createArrowCodec(options as ArrowCodecOptions);
    default:
      throw new ConfigError(`codecByName: unknown codec ${JSON.stringify(name)}; expected one of ${CODEC_NAMES.join(', ')}`);
  }
}
