import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { tableFromColumns } from '../../../connectors/codecs/arrow';
import type { Command } from '../../../src/cli/command';
import { consume } from '../../../src/cli/commands/consume';
import { produce } from '../../../src/cli/commands/produce';
import { createRandom } from '../../../src/random';
import { testBrokers, uniqueName } from '../../support/kafka';
import { endOffsets } from './support';

/** Runs a command as the CLI would (same option parsing), capturing what it prints. */
async function runCommand(command: Command, argv: string[]): Promise<{ stdout: string; stderr: string }> {
  const parsed = parseArgs({ args: [...argv, '--brokers', testBrokers().join(',')], options: command.options, allowPositionals: true, strict: true });
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await command.run({ values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals });
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr };
}

const linesOf = (text: string) => text.split('\n').filter((line) => line.length > 0);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'streamlearn-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('streamlearn produce / consume', () => {
  it('round-trips a JSONL file through a new topic, skipping and reporting the line that is not JSON', async () => {
    const random = createRandom(3);
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: i, x: random.gaussian(), tags: [`t${i % 7}`], nested: { ok: i % 2 === 0 } }));
    const lines = rows.map((row) => JSON.stringify(row));
    lines.splice(120, 0, '{"id": broken');
    lines.splice(200, 0, '');
    const file = join(dir, 'rows.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const topic = uniqueName('cli-json');

    const produced = await runCommand(produce, ['--topic', topic, '--file', file]);
    expect(produced.stderr).toContain(`${file}/0@120: json: invalid JSON`);
    expect(produced.stderr).toContain(`produced 300 messages to "${topic}" (1 unreadable records skipped)`);
    expect((await endOffsets(testBrokers(), topic)).get(0)).toBe('300');

    const consumed = await runCommand(consume, ['--topic', topic, '--from-beginning', '--max', '250']);
    expect(linesOf(consumed.stdout).map((line) => JSON.parse(line))).toEqual(rows.slice(0, 250));
  });

  it('round-trips CSV rows, one message per row', async () => {
    const file = join(dir, 'rows.csv');
    const rows = Array.from({ length: 50 }, (_, i) => ({ name: `item ${i}, "quoted"`, price: String(i * 1.5), city: i % 2 ? 'Zürich' : 'Oslo' }));
    const quote = (field: string) => (/[",]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);
    writeFileSync(file, ['name,price,city', ...rows.map((row) => [row.name, row.price, row.city].map(quote).join(','))].join('\r\n'));
    const topic = uniqueName('cli-csv');

    await runCommand(produce, ['--topic', topic, '--file', file]);
    const consumed = await runCommand(consume, ['--topic', topic, '--from-beginning', '--max', '50', '--format', 'csv', '--columns', 'name,price,city']);
    expect(linesOf(consumed.stdout).map((line) => JSON.parse(line))).toEqual(rows);
  });

  it('sends one message per Arrow record batch and prints their rows', async () => {
    const random = createRandom(11);
    const batches = [700, 1, 299].map(
      (rows) =>
        tableFromColumns({ x: Float64Array.from({ length: rows }, () => random.gaussian()), label: Array.from({ length: rows }, (_, i) => `r${i}`) })
          .batches[0],
    );
    const file = join(dir, 'three-batches.arrow');
    writeFileSync(file, tableToIPC(new Table(batches as RecordBatch[]), 'file'));
    const topic = uniqueName('cli-arrow');

    const produced = await runCommand(produce, ['--topic', topic, '--file', file]);
    expect(produced.stderr).toContain(`produced 3 messages to "${topic}"`);
    const consumed = await runCommand(consume, ['--topic', topic, '--from-beginning', '--max', '3', '--format', 'arrow']);
    const expected = batches.flatMap((batch) => [...new Table(batch)].map((row) => row?.toJSON()));
    expect(linesOf(consumed.stdout).map((line) => JSON.parse(line))).toEqual(expected);
  });

  it('refuses calls it cannot serve, saying why', async () => {
    await expect(runCommand(produce, ['--topic', 't', '--file', join(dir, 'missing.jsonl')])).rejects.toThrow('does not exist');
    await expect(runCommand(produce, ['--topic', 't', '--file', join(dir, 'data.bin')])).rejects.toThrow('pass --format json|csv|arrow');
    await expect(runCommand(consume, ['--topic', 't', '--format', 'csv'])).rejects.toThrow('--format csv needs --columns');
    await expect(runCommand(consume, ['--topic', 't', '--format', 'xml'])).rejects.toThrow('--format must be json, csv or arrow');
  });
});
