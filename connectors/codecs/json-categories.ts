/**
 * String cells of JSON messages read into columns (json-columns.ts) without a string per event: each
 * column's plain-ASCII strings are interned through a bounded table keyed by their bytes, and a chunk's
 * cells become ids into a dictionary of the chunk's distinct strings. A category seen before costs a
 * probe and a byte compare; its string was made once, when it was first seen. (Ids are per chunk, so
 * that clearing a full table never invalidates a chunk's ids.)
 *
 * Memory stays flat: a column's table holds at most {@link INTERNED_PER_COLUMN} strings and is cleared
 * when full (clear-on-full, not LRU: a hit costs nothing more than the probe), and at most
 * {@link INTERNED_COLUMNS} columns are remembered. A column whose values are mostly new within a chunk (an
 * event id: over 1,024 and 90% of the rows new to the table) stops being interned for that chunk and the
 * next {@link SKIPPED_CHUNKS} (doubled each time it gives up again): its cells are then
 * only checked, and a stage that reads it takes the row form.
 */

/** The strings of one column of one chunk: `ids[row]` indexes `strings`, or is -1 where the cell is not a string. */
export interface TextColumn {
  readonly ids: Int32Array;
  readonly strings: readonly string[];
}

/** Distinct strings a column's table holds before it is cleared. */
export const INTERNED_PER_COLUMN = 1 << 14;
/** Columns (by key) whose tables are kept: more, and all are dropped (key names come from the data). */
export const INTERNED_COLUMNS = 256;
/** A column stops interning once more of its strings than this, and than 90% of its rows since it (re)started, were new to the table. */
const NEW_BEFORE_GIVING_UP = 1024;
/** Chunks a column that gave up is only checked for, before it is tried again; doubled at each give-up that follows, up to the maximum. */
const SKIPPED_CHUNKS = 16;
const MAX_SKIPPED_CHUNKS = 1024;

/** Slots of a table at most (twice its strings: probes stay short); a table starts at {@link FIRST_SLOTS} and doubles as it fills. */
const SLOTS = INTERNED_PER_COLUMN * 2;
/**
 * A ctr column holds a few dozen categories: 64 slots (256 B) stay in the L1 cache, where the full 32,768
 * (128 KiB a column, 11 columns) missed it on nearly every probe (the probe's two loads were 6.6% of the scan).
 */
const FIRST_SLOTS = 64;

/** FNV-1a's step, which the scanner runs on each byte of a string as it checks it. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const fnvStep = (hash: number, byte: number): number => Math.imul(hash ^ byte, 0x01000193);

/** One column's interned strings: an open-addressing table (linear probing) over entries. */
class ColumnTable {
  private slots = new Int32Array(FIRST_SLOTS);
  private mask = FIRST_SLOTS - 1;
  private readonly hashes = new Int32Array(INTERNED_PER_COLUMN);
  private readonly strings: string[] = [];
  /** The chunk an entry was last given an id in, and that id. */
  private readonly stamps = new Int32Array(INTERNED_PER_COLUMN);
  private readonly locals = new Int32Array(INTERNED_PER_COLUMN);
  private chunk = 0;
  private rows = 0;
  /** Strings new to the table, and rows read in earlier chunks, since the column last (re)started interning; halved now and then. */
  private misses = 0;
  private seen = 0;
  private dictionary: string[] = [];
  private ids: Int32Array | undefined;
  /** Chunks left to skip; -1 while the current chunk's column interns. */
  private skip = 0;
  /** Chunks to skip at the next give-up. */
  private backoff = SKIPPED_CHUNKS;

  /** Starts a chunk of `rows` messages. */
  begin(rows: number): void {
    this.chunk = (this.chunk + 1) | 0 || 1;
    this.rows = rows;
    this.dictionary = [];
    this.ids = undefined;
    if (this.skip > 0) this.skip--;
    else this.skip = -1;
  }

  /**
   * Gives row `row` of this chunk the id of the string in `bytes[start, end)` (`hash`: its FNV-1a) in the
   * chunk's dictionary; a no-op once the column gave up on this chunk.
   */
  intern(row: number, bytes: Buffer, start: number, end: number, hash: number): void {
    if (this.skip !== -1) return;
    let entry = this.find(bytes, start, end, hash);
    if (entry < 0) {
      // Nearly every value new (an event id): interning would make a string per event. Give up on it for a while.
      if (++this.misses > NEW_BEFORE_GIVING_UP && this.misses > (this.seen + row) * 0.9) {
        // Skipped for longer each time it gives up again (an id column stays an id column): 16, 32, ... 1,024 chunks.
        this.skip = this.backoff;
        this.backoff = Math.min(this.backoff * 2, MAX_SKIPPED_CHUNKS);
        this.misses = 0;
        this.seen = 0;
        return;
      }
      entry = this.insert(bytes.toString('latin1', start, end), hash);
    }
    if (this.stamps[entry] !== this.chunk) {
      this.stamps[entry] = this.chunk;
      this.locals[entry] = this.dictionary.length;
      this.dictionary.push(this.strings[entry]);
    }
    this.ids ??= new Int32Array(this.rows).fill(-1);
    this.ids[row] = this.locals[entry];
  }

  /** Un-does what `intern` gave row `row` (a message found not to be fast after some of its cells were read). */
  forget(row: number): void {
    if (this.ids !== undefined) this.ids[row] = -1;
  }

  /** This chunk's strings, or undefined when the column gave up on it or held none. */
  end(): TextColumn | undefined {
    const ids = this.skip === -1 ? this.ids : undefined;
    if (this.skip === -1) {
      this.skip = 0;
      this.seen += this.rows;
      // A recent rate: a column that once was mostly new may settle.
      if (this.seen > 1 << 14) this.backoff = SKIPPED_CHUNKS;
      if (this.seen > 1 << 16) {
        this.seen >>= 1;
        this.misses >>= 1;
      }
    }
    this.ids = undefined;
    return ids === undefined ? undefined : { ids, strings: this.dictionary };
  }

  /** Entries held, for the memory test. */
  get size(): number {
    return this.strings.length;
  }

  private find(bytes: Buffer, start: number, end: number, hash: number): number {
    const length = end - start;
    const { slots, mask, hashes, strings } = this;
    for (let slot = hash & mask; slots[slot] !== 0; slot = (slot + 1) & mask) {
      const entry = slots[slot] - 1;
      if (hashes[entry] !== hash) continue;
      const text = strings[entry];
      if (text.length !== length) continue;
      let k = 0;
      while (k < length && text.charCodeAt(k) === bytes[start + k]) k++;
      if (k === length) return entry;
    }
    return -1;
  }

  private insert(text: string, hash: number): number {
    if (this.strings.length === INTERNED_PER_COLUMN) {
      // Full: start again. Ids already handed out stay valid (they index the chunk's dictionary, not this table).
      this.slots.fill(0);
      this.strings.length = 0;
      this.stamps.fill(0);
    }
    const entry = this.strings.length;
    this.strings.push(text);
    this.hashes[entry] = hash;
    if (2 * this.strings.length > this.slots.length && this.slots.length < SLOTS) this.grow();
    else this.place(entry);
    return entry;
  }

  /** Doubles the slots and places every entry again (each string's hash is kept). */
  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let entry = 0; entry < this.strings.length; entry++) this.place(entry);
  }

  private place(entry: number): void {
    let slot = this.hashes[entry] & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = entry + 1;
  }
}

const tables = new Map<string, ColumnTable>();

/** The interning table of the column named `name` (one per key, shared by every chunk of the process). */
export function columnTable(name: string): ColumnTable {
  let table = tables.get(name);
  if (table === undefined) {
    if (tables.size >= INTERNED_COLUMNS) tables.clear();
    tables.set(name, (table = new ColumnTable()));
  }
  return table;
}

/** Strings held by every column's table, and the number of tables: for the memory test. */
export function internedSizes(): { columns: number; strings: number } {
  let strings = 0;
  for (const table of tables.values()) strings += table.size;
  return { columns: tables.size, strings };
}

export type { ColumnTable };
