import { DecodeError, NonFiniteError } from '../errors';
import { describeValue } from '../features/config';
import { murmur3String } from '../features/murmur3';
import type { Where } from './event';

export interface EventHasherConfig {
  /** The feature space has 2^bits slots. */
  bits: number;
  seed: number;
  /** Context fields known when recommending (device, hour…): hashed with the user id. */
  userFields: readonly string[];
  /** Item attributes (category…): hashed with the item id and remembered per item for `recommend`. */
  itemFields: readonly string[];
}

/**
 * Hashes an event into one-hot features, as FeatureHasher does for categories: an id or a string (or
 * boolean) value is the feature (field, value) with value 1; a number is the feature (field) with that
 * value; an absent field (null, undefined) takes its numeric slot with value 0. Ids are always categories,
 * whatever their type. Each side writes exactly `1 + fields` entries, so item features fit a fixed-width table.
 */
export class EventHasher {
  readonly size: number;
  readonly userWidth: number;
  readonly itemWidth: number;
  private readonly mask: number;
  private readonly userIdHash: number;
  private readonly itemIdHash: number;
  private readonly userFieldHashes: number[];
  private readonly itemFieldHashes: number[];

  constructor(private readonly config: EventHasherConfig) {
    this.size = 2 ** config.bits;
    this.mask = this.size - 1;
    this.userIdHash = murmur3String('userId', config.seed);
    this.itemIdHash = murmur3String('itemId', config.seed);
    this.userFieldHashes = config.userFields.map((name) => murmur3String(name, config.seed));
    this.itemFieldHashes = config.itemFields.map((name) => murmur3String(name, config.seed));
    this.userWidth = 1 + config.userFields.length;
    this.itemWidth = 1 + config.itemFields.length;
  }

  /** Writes the user id and `userFields` read from `fields` at `indices/values[at..at+userWidth)`. */
  userSide(
    userKey: string,
    fields: Record<string, unknown> | undefined,
    indices: Int32Array,
    values: Float64Array | Float32Array,
    at: number,
    where: Where,
  ): void {
    indices[at] = murmur3String(userKey, this.userIdHash) & this.mask;
    values[at] = 1;
    this.fields(this.config.userFields, this.userFieldHashes, fields, indices, values, at + 1, where);
  }

  /** Writes the item id and `itemFields` read from `fields` at `indices/values[at..at+itemWidth)`. */
  itemSide(
    itemKey: string,
    fields: Record<string, unknown> | undefined,
    indices: Int32Array,
    values: Float64Array | Float32Array,
    at: number,
    where: Where,
  ): void {
    indices[at] = murmur3String(itemKey, this.itemIdHash) & this.mask;
    values[at] = 1;
    this.fields(this.config.itemFields, this.itemFieldHashes, fields, indices, values, at + 1, where);
  }

  private fields(
    names: readonly string[],
    hashes: number[],
    fields: Record<string, unknown> | undefined,
    indices: Int32Array,
    values: Float64Array | Float32Array,
    at: number,
    where: Where,
  ): void {
    for (let f = 0; f < names.length; f++) {
      const value = fields?.[names[f]];
      if (typeof value === 'string' || typeof value === 'boolean') {
        indices[at + f] = murmur3String(String(value), hashes[f]) & this.mask;
        values[at + f] = 1;
      } else if (typeof value === 'number' || value === null || value === undefined) {
        const x = value ?? 0;
        if (!Number.isFinite(x)) throw new NonFiniteError(`context field "${names[f]}" is ${x} in ${where()}`);
        indices[at + f] = hashes[f] & this.mask;
        values[at + f] = x;
      } else {
        throw new DecodeError('SCHEMA', `context field "${names[f]}" holds ${describeValue(value)}, not a string, boolean or number, in ${where()}`);
      }
    }
  }
}
