// The GC's ergonomics first, as the CLI applies them (src/gc.ts): the figures are the product's.
import '../src/gc';
import { ConfigError } from '../src/errors';
import { SUITES } from './registry';
import { report } from './report';

function listing(): string {
  const names = Object.keys(SUITES);
  const width = Math.max(...names.map((name) => name.length));
  return ['usage: npm run bench -- <suite> [options]', '', 'Suites:', ...names.map((name) => `  ${name.padEnd(width)}  ${SUITES[name].summary}`)].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${listing()}\n`);
    return;
  }
  const entry = Object.hasOwn(SUITES, name) ? SUITES[name] : undefined;
  if (entry === undefined) {
    process.stderr.write(`unknown suite "${name}"\n\n${listing()}\n`);
    process.exitCode = 2;
    return;
  }
  const startedAt = new Date();
  const result = await (await entry.load()).run(args);
  const path = report(name, result, startedAt);
  process.stdout.write(`\nwritten to ${path}\n`);
}

/** A bad option (ours or `parseArgs`'s) is the user's to fix: its message says enough, no stack. */
function isUsageError(err: unknown): err is Error {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof ConfigError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (isUsageError(err)) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
