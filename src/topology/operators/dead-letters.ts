import { DEAD_LETTER_HEADERS, deadLetterOf, type DeadLetter } from '../../../connectors/dead-letter';
import type { Codec, DecodedRecord } from '../../../connectors/types';

export interface Failure {
  record: DecodedRecord<unknown>;
  error: Error;
}

/** Row indexes in a header stay short; the first error's message names the first row anyway. */
const MAX_ROWS_HEADER_CHARS = 4000;

function rowsHeader(rows: number[]): string {
  const all = rows.join(',');
  if (all.length <= MAX_ROWS_HEADER_CHARS) return all;
  const cut = all.slice(0, MAX_ROWS_HEADER_CHARS);
  return `${cut.slice(0, cut.lastIndexOf(','))},…(${rows.length} rows)`;
}

/**
 * Dead-letters records that cannot be learned, as the bytes they arrived as. Rows cut from one message (an
 * Arrow record batch) share its bytes: that message is dead-lettered once, byte for byte, with the failed
 * rows' indexes in `x-source-rows` and the first failure as the reason; a replay of the dead-letter topic
 * must take only those rows (the others were learned).
 */
export async function deadLetterRecords(deadLetter: DeadLetter, codec: Codec<unknown>, failures: Failure[]): Promise<void> {
  const byMessage = new Map<unknown, Failure[]>();
  const single: Failure[] = [];
  for (const failure of failures) {
    if (failure.record.row === undefined || failure.record.raw === undefined) single.push(failure);
    else byMessage.set(failure.record.raw, [...(byMessage.get(failure.record.raw) ?? []), failure]);
  }
  const letters = single.map(({ record, error }) => deadLetterOf(record, error, codec));
  for (const group of byMessage.values()) {
    const letter = deadLetterOf(group[0].record, group[0].error, codec);
    const rows = group.map(({ record }) => record.row as number);
    letters.push({ ...letter, extraHeaders: { ...letter.extraHeaders, [DEAD_LETTER_HEADERS.rows]: rowsHeader(rows) } });
  }
  await Promise.all(letters.map((letter) => deadLetter.write(letter)));
}
