import { createReadStream } from 'node:fs';

const LF = 0x0a;
const CR = 0x0d;

/** A line with nothing but an optional CR (CRLF files) carries no record. */
export function isBlankLine(line: Buffer): boolean {
  return line.length === 0 || (line.length === 1 && line[0] === CR);
}

/**
 * The file's lines as bytes, split on LF; a trailing CR stays (JSON treats it as whitespace, the CSV codec
 * strips it). Bytes, not strings, so a codec sees invalid UTF-8 and a dead letter keeps the line untouched.
 * Reading stops, and the file closes, when the consumer stops pulling.
 */
export async function* readLines(path: string): AsyncGenerator<Buffer> {
  let partial: Buffer[] = [];
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(LF); end >= 0; end = chunk.indexOf(LF, start)) {
      const piece = chunk.subarray(start, end);
      yield partial.length === 0 ? piece : Buffer.concat([...partial, piece]);
      partial = [];
      start = end + 1;
    }
    if (start < chunk.length) partial.push(chunk.subarray(start));
  }
  if (partial.length > 0) yield Buffer.concat(partial);
}
