import { spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const LOCK = join(ROOT, '.cache', 'build.lock');

/**
 * `npm run build`, one at a time across Jest workers: tests that run the compiled CLI build first, and two
 * tsc processes writing the same dist/ files at once could let a child process read a half-written file.
 * The lock is a directory (mkdir is atomic); a build is incremental, so the second one is quick.
 */
export async function buildDist(): Promise<void> {
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  for (let waited = 0; ; waited += 250) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (waited > 600_000) throw new Error(`${LOCK} held for 10 minutes: remove it if no build is running`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  } finally {
    rmdirSync(LOCK);
  }
}
