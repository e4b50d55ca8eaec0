import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors';
import type { Topology, TopologyOptions } from './topology';

/** The compiled `topologies/` folder, next to the compiled `src/`. */
const BUILT_IN = resolve(__dirname, '..', '..', 'topologies');

export function builtInTopologies(): string[] {
  return existsSync(BUILT_IN)
    ? readdirSync(BUILT_IN)
        .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
        .map((f) => f.replace(/\.(js|ts)$/, ''))
    : [];
}

function isTopology(value: unknown): value is Topology {
  return typeof value === 'object' && value !== null && 'config' in value && 'modelId' in value;
}

/**
 * A topology by built-in name (`ctr-logistic`) or by path to a module whose default export (or, in
 * CommonJS, `module.exports`) is a `defineTopology(...)` result, or a function of `TopologyOptions`
 * returning one (then `options` apply).
 * Modules are loaded with `require`: code, never evaluated strings.
 */
export function loadTopology(nameOrPath: string, options: TopologyOptions = {}): Topology {
  const builtIn = builtInTopologies().includes(nameOrPath);
  const path = builtIn ? join(BUILT_IN, nameOrPath) : isAbsolute(nameOrPath) ? nameOrPath : resolve(process.cwd(), nameOrPath);
  let loaded: { default?: unknown } | null;
  try {
    loaded = require(path) as { default?: unknown } | null;
  } catch (err) {
    throw new ConfigError(`topology "${nameOrPath}" could not be loaded (built-in: ${builtInTopologies().join(', ') || 'none'}): ${(err as Error).message}`);
  }
  // An ES module (or TypeScript) has a default export; a CommonJS module may instead assign module.exports.
  const value = loaded?.default ?? loaded;
  const exported = typeof value === 'function' ? (value as (options: TopologyOptions) => unknown)(options) : value;
  if (!isTopology(exported)) throw new ConfigError(`${path} has no default export (nor module.exports) made by defineTopology() (or a function returning one)`);
  return exported;
}
