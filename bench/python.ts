import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../src/paths';

/**
 * Runs `bench/python/<script>` with the project venv of `group` (made by scripts/venv.sh from
 * bench/python/requirements-<group>.txt) and returns its stdout parsed as JSON; its stderr (progress)
 * passes through. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for the peer alone: they guard old
 * OpenBLAS builds on this kind of machine and would slow a current numpy down.
 */
export async function runPython(group: string, script: string, args: string[]): Promise<unknown> {
  const root = projectRoot();
  const { stdout: venvOut } = await promisify(execFile)(join(root, 'scripts', 'venv.sh'), [group], { cwd: root });
  const python = venvOut.trim().split('\n').pop() ?? '';
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return runJsonProcess(python, [join(root, 'bench', 'python', script), ...args], env, `${script} (venv ${group})`);
}

/** Runs a process whose stdout is one JSON document (stderr passes through) and returns it parsed. */
export async function runJsonProcess(command: string, args: string[], env: NodeJS.ProcessEnv, what: string): Promise<unknown> {
  const child = spawn(command, args, { cwd: projectRoot(), env, stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const stdout = Buffer.concat(chunks).toString('utf8');
  if (code !== 0) throw new Error(`${what} exited with ${code}`);
  try {
    return JSON.parse(stdout) as unknown;
  } catch {
    throw new Error(`${what} printed no JSON: ${stdout.slice(0, 200)}`);
  }
}
