/** The main job (`npm start`) shows the drift it injects being detected, with the offset and the delay. */
import { start } from '../../../src/cli/commands/start';
import { buildDist } from '../../support/build';
import { testBrokers } from '../../support/kafka';

// The job's subscriber, drift watch and dashboard run on a worker thread, which runs the compiled JavaScript.
beforeAll(buildDist, 300_000);

it('npm start: ADWIN detects the injected Agrawal drift and the summary names its offset and delay', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => out.push(String(chunk)) > 0);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => err.push(String(chunk)) > 0);
  try {
    await start.run({ values: { events: '20000', brokers: testBrokers().join(',') }, positionals: [] });
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const summary = out
    .join('')
    .split('\n')
    .find((line) => line.trim().startsWith('drift '));
  const match = /injected at event 10000; ADWIN detected a rise of the error at offset (\d+), (\d+) events after the injected drift/.exec(summary ?? '');
  expect(match).not.toBeNull();
  expect(Number(match![1])).toBe(10000 + Number(match![2]));
  expect(Number(match![2])).toBeLessThan(1000);
  expect(err.join('')).toContain(`drift ← ADWIN detected a rise of the error at offset ${match![1]}`);
  // The subscriber (on the job's watcher thread) rebuilt the final version, and the summary counts it.
  const model = /model +(\S+) v(\d+) on \S+; subscriber saw (\d+) versions/.exec(out.join(''));
  expect(model).not.toBeNull();
  expect(Number(model![3])).toBeGreaterThan(0);
  expect(err.join('')).toContain(`subscriber ← ${model![1]} v${model![2]} `);
});
