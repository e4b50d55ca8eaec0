/** The main job (`npm start`) shows the drift it injects being detected, with the offset and the delay. */
import { start } from '../../../src/cli/commands/start';
import { testBrokers } from '../../support/kafka';

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
});
