import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../src/broker/free-port';
import { buildCli, privateCacheDir, runCli, type CliResult } from '../../support/cli';

const MESSAGES = 500;

let cache: string;
let otherCache: string;
let port: number;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, env);

function ok(result: CliResult): CliResult {
  if (result.code !== 0) throw new Error(`exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

const pidOf = (status: CliResult) => Number(/pid (\d+)/.exec(status.stdout)?.[1]);
const clusterOf = (status: CliResult) => /cluster (\S+),/.exec(status.stdout)?.[1];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  buildCli();
  cache = privateCacheDir('streamlearn-cli-broker-');
  otherCache = privateCacheDir('streamlearn-cli-other-');
  port = await freePort();
  env = { STREAMLEARN_CACHE_DIR: cache };
}, 300_000);

afterAll(async () => {
  await cli('kafka', 'stop');
  await runCli(['kafka', 'stop'], { STREAMLEARN_CACHE_DIR: otherCache });
  rmSync(cache, { recursive: true, force: true });
  rmSync(otherCache, { recursive: true, force: true });
}, 120_000);

describe('the CLI with the broker `streamlearn kafka start` runs', () => {
  it('keeps what produce wrote: consume reads it, and a stop and a start keep the topic and its data', async () => {
    const file = join(cache, 'rows.jsonl');
    writeFileSync(file, `${Array.from({ length: MESSAGES }, (_, i) => JSON.stringify({ i })).join('\n')}\n`);
    expect(ok(await cli('kafka', 'start', '--port', String(port))).stdout.trim()).toBe(`127.0.0.1:${port}`);
    const before = ok(await cli('kafka', 'status'));

    const produced = ok(await cli('produce', '--topic', 't', '--file', file));
    expect(produced.stderr).toContain(`using 127.0.0.1:${port} (PLAINTEXT), from the broker \`streamlearn kafka start\` runs`);
    expect(produced.stderr).toContain(`produced ${MESSAGES} messages to "t"`);
    const consumed = ok(await cli('consume', '--topic', 't', '--from-beginning', '--max', String(MESSAGES)));
    expect(
      consumed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).i),
    ).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));

    const stopped = ok(await cli('kafka', 'stop'));
    expect(stopped.stdout).toMatch(/^stopped 127\.0\.0\.1:\d+ \(pid \d+\); data kept in /);
    expect(alive(pidOf(before))).toBe(false);
    expect((await cli('kafka', 'status')).code).toBe(1);

    ok(await cli('kafka', 'start', '--port', String(port)));
    const after = ok(await cli('kafka', 'status'));
    expect(clusterOf(after)).toBe(clusterOf(before));
    const again = ok(await cli('consume', '--topic', 't', '--from-beginning', '--max', String(MESSAGES)));
    expect(again.stdout.trim().split('\n')).toHaveLength(MESSAGES);
  });

  it('refuses a port already in use, at once, and leaves the running broker and its record alone', async () => {
    const running = ok(await cli('kafka', 'status'));
    const taken = await runCli(['kafka', 'start', '--port', String(port)], { STREAMLEARN_CACHE_DIR: otherCache });
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe(
      `streamlearn kafka start: port ${port} on 127.0.0.1 is already in use; stop what runs there or choose another port (--port)`,
    );
    expect((await runCli(['kafka', 'status'], { STREAMLEARN_CACHE_DIR: otherCache })).stdout).toBe('not running\n');
    expect((await runCli(['kafka', 'stop'], { STREAMLEARN_CACHE_DIR: otherCache })).stdout).toBe('no broker was started by streamlearn\n');
    expect(pidOf(ok(await cli('kafka', 'status')))).toBe(pidOf(running));
  });

  it('refuses to produce or run with no broker given and none running, saying what to run', async () => {
    const pid = pidOf(ok(await cli('kafka', 'status')));
    ok(await cli('kafka', 'stop'));
    expect(alive(pid)).toBe(false);
    const file = join(cache, 'one.jsonl');
    writeFileSync(file, '{"x": 1}\n');
    for (const args of [
      ['produce', '--topic', 't', '--file', file],
      ['run', 'regression-sgd'],
    ]) {
      const refused = await cli(...args);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(
        'no Kafka broker to use: run `streamlearn kafka start` first (its data survives this command), or pass --brokers host:port, or set KAFKA_BROKERS',
      );
      expect(refused.stderr).not.toContain('produced');
    }
  });

  it('kafka start --fresh formats a new cluster: the old topics are gone', async () => {
    ok(await cli('kafka', 'start', '--port', String(port), '--fresh'));
    const missing = await cli('consume', '--topic', 't', '--from-beginning', '--max', '1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/topic "t" does not exist/);
  });
});
