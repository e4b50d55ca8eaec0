import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCsvCodec } from '../../connectors/codecs/csv';
import type { Codec } from '../../connectors/types';
import { DecodeError } from '../errors';
import { projectRoot } from '../paths';
import { createRandom } from '../random';

/**
 * scikit-learn's 8×8 handwritten digits (UCI "optdigits" test set, 1,797 images): 64 pixel intensities
 * p0..p63 in 0..16, row-major, and the digit as `target`.
 */
export type DigitEvent = Record<DigitColumn, number>;
type DigitColumn = `p${number}` | 'target';

export const DIGIT_PIXELS: readonly string[] = Array.from({ length: 64 }, (_, i) => `p${i}`);
export const DIGIT_COLUMNS: readonly string[] = [...DIGIT_PIXELS, 'target'];
/** The largest pixel intensity. */
export const DIGIT_MAX_PIXEL = 16;

/** The CSV lines of the fixture, one image per message, as a topology reads them from Kafka. */
export function createDigitsCodec(): Codec<DigitEvent> {
  const types = Object.fromEntries(DIGIT_COLUMNS.map((column) => [column, 'number' as const]));
  return createCsvCodec({ columns: DIGIT_COLUMNS, types }) as Codec<DigitEvent>;
}

/**
 * Every image of a digits CSV file (header `p0,…,p63,target`; default the repository's fixture), in
 * file order. A bad row throws a DecodeError naming `path/0@row` (rows counted from 0 after the header).
 */
export function loadDigits(path: string = join(projectRoot(), 'test', 'fixtures', 'digits.csv')): DigitEvent[] {
  const [header, ...lines] = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  if (header !== DIGIT_COLUMNS.join(',')) {
    throw new DecodeError('SCHEMA', `${path}: the header must be p0,…,p63,target, got ${JSON.stringify(header?.slice(0, 80))}`);
  }
  const codec = createDigitsCodec();
  return lines.map((line, row) => {
    const context = { topic: path, partition: 0, offset: String(row) };
    const event = codec.decode(Buffer.from(line), context);
    const bad = DIGIT_COLUMNS.find((column, c) => {
      const value = event[column as DigitColumn];
      const max = c < DIGIT_PIXELS.length ? DIGIT_MAX_PIXEL : 9;
      return !(Number.isInteger(value) && value >= 0 && value <= max);
    });
    if (bad !== undefined) {
      const value = event[bad as DigitColumn];
      throw new DecodeError('SCHEMA', `${path}/0@${row}: column "${bad}" holds ${value}, not an integer in range`);
    }
    return event;
  });
}

/**
 * The images again and again, each pass in a fresh seeded order (Fisher–Yates), as a stream of
 * events for prequential learning: pass k's predictions are made before pass k's learning.
 */
export function* digitsStream({
  seed = 5,
  passes = Infinity,
  images = loadDigits(),
}: { seed?: number; passes?: number; images?: readonly DigitEvent[] } = {}): Generator<DigitEvent> {
  const rng = createRandom(seed);
  const order = images.map((_, i) => i);
  for (let pass = 0; pass < passes; pass++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const i of order) yield images[i];
  }
}
