import { existsSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths';

/** Debian's chromium (apt), which `.ci/run` installs; `STREAMLEARN_CHROMIUM` points elsewhere. */
export const CHROMIUM = process.env.STREAMLEARN_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or null when they can. */
export function browserMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `chromium not installed at ${CHROMIUM} (apt-get install -y chromium, or set STREAMLEARN_CHROMIUM)`;
}

/** The git-ignored folder browser tests save screenshots into. */
export function screenshotPath(name: string): string {
  const dir = join(projectRoot(), 'test-screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
