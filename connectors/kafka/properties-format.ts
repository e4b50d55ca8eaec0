import { ConfigError } from '../../src/errors';

/** A property with where it came from, for errors that point at the line without repeating the value. */
export interface Property {
  value: string;
  /** e.g. `client.properties:4` or `KAFKA_SASL_MECHANISM`. */
  origin: string;
}

const ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

/** Java's `loadConvert`: `\uXXXX`, `\t \n \r \f`, and any other escaped character as itself; `\u` without 4 hex digits is refused, as Java's "Malformed \uxxxx encoding". */
function unescape(text: string, origin: string): string {
  return text.replace(/\\(?:u([0-9a-fA-F]{4})?|([\s\S]))/g, (_, hex: string | undefined, char: string | undefined) => {
    if (char !== undefined) return ESCAPES[char] ?? char;
    if (hex === undefined) throw new ConfigError(`${origin}: malformed \\u escape (\\u must be followed by 4 hex digits)`);
    return String.fromCharCode(parseInt(hex, 16));
  });
}

/** Joins lines ending in an odd number of backslashes with the next one (its leading blanks dropped), keeping each logical line's first line number. */
function logicalLines(text: string): Array<{ line: string; number: number }> {
  const out: Array<{ line: string; number: number }> = [];
  let pending: { line: string; number: number } | undefined;
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = pending ? raw.replace(/^[ \t\f]+/, '') : raw;
    if (!pending && /^[ \t\f]*([#!]|$)/.test(line)) return;
    const current = pending ? { line: pending.line + line, number: pending.number } : { line: line.replace(/^[ \t\f]+/, ''), number: i + 1 };
    const trailing = /\\+$/.exec(current.line)?.[0].length ?? 0;
    if (trailing % 2 === 1) {
      pending = { line: current.line.slice(0, -1), number: current.number };
      return;
    }
    pending = undefined;
    out.push(current);
  });
  if (pending) out.push(pending);
  return out;
}

/**
 * Parses Java `.properties` text, the format of Kafka's `client.properties`: `key=value`, `key: value` or
 * `key value`; `#` and `!` comments; backslash line continuations and escapes. Later keys win.
 */
export function parseProperties(text: string, source: string): Map<string, Property> {
  const properties = new Map<string, Property>();
  for (const { line, number } of logicalLines(text)) {
    const origin = `${source}:${number}`;
    // The key ends at the first unescaped '=', ':' or blank; blanks around the separator are dropped. Blanks are
    // Java's three (space, tab, form feed): a no-break space or \v is part of the key or value, as in Java.
    const match = /^((?:\\[\s\S]|[^\\=: \t\f])*)[ \t\f]*[=:]?[ \t\f]*([\s\S]*)$/.exec(line)!;
    const key = unescape(match[1], origin);
    if (key === '') throw new ConfigError(`${origin}: a line without a property name`);
    properties.set(key, { value: unescape(match[2], origin), origin });
  }
  return properties;
}
