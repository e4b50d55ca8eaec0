import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/paths';

/**
 * The python of the project's `reader` venv (confluent-kafka, pyarrow, numpy only), created on first use
 * (~20 s from PyPI), then reused. Without python3 or the venv it throws, naming why: a test that needs
 * Python fails rather than passing silently.
 */
export async function readerPython(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(join(projectRoot(), 'scripts', 'venv.sh'), ['reader'], { timeout: 600_000 });
    return stdout.trim();
  } catch (err) {
    throw new Error(`this test needs python3 and the 'reader' venv (scripts/venv.sh reader), which failed: ${String(err)}`, { cause: err });
  }
}
