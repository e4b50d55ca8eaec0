import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the nearest folder above this file whose package.json is streamlearn's. */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'streamlearn') {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`streamlearn's package.json was not found above ${from}`);
  }
}

/** Git-ignored folder for downloaded jars, broker data and Python venvs; `STREAMLEARN_CACHE_DIR` moves it. */
export function cacheDir(...parts: string[]): string {
  return join(process.env.STREAMLEARN_CACHE_DIR ?? join(projectRoot(), '.cache'), ...parts);
}

let version: string | undefined;

/** streamlearn's own version, as written into checkpoint manifests. */
export function libraryVersion(): string {
  version ??= (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
