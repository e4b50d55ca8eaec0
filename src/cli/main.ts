// The GC's ergonomics before anything else is loaded (src/gc.ts; bin/streamlearn.js loads it first too).
import '../gc';
import { parseArgs } from 'node:util';
import '../builtins';
import { errorMessage } from '../errors';
import { UsageError, type Command } from './command';
import { commands } from './commands';

function help(): string {
  const width = Math.max(...commands.map((command) => command.usage.length));
  return [
    'streamlearn: machine learning on Kafka streams',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`),
    '',
    'Commands that talk to Kafka take --brokers host:port[,…], --command-config client.properties and --connection-timeout MS.',
    'Brokers come from --brokers, then KAFKA_BROKERS, then bootstrap.servers in --command-config, then the broker `streamlearn kafka start` runs.',
    'Security (SASL PLAIN/SCRAM over TLS, mutual TLS): --command-config or KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, … (docs/security.md).',
  ].join('\n');
}

/** Longest match first, so `kafka start` wins over a command named `kafka`. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const byLength = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of byLength) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(words.length) };
  }
  return undefined;
}

/**
 * Anything that escapes a command (a rejected promise nobody awaited, an error thrown in a callback) is
 * still one line and exit 1, never a stack trace printed next to the command's own error line.
 */
function exitOnStrayErrors(): void {
  const fatal = (err: unknown) => {
    process.stderr.write(`streamlearn: ${errorMessage(err)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}

export async function main(argv: string[]): Promise<void> {
  exitOnStrayErrors();
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${help()}\n`);
    return;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`unknown command "${argv.join(' ')}"\n\n${help()}\n`);
    process.exitCode = 2;
    return;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: ${command.usage}\n${command.summary}\n`);
    return;
  }
  try {
    const parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    await command.run({ values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals });
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`streamlearn ${command.name}: ${errorMessage(err)}\n${usage ? `usage: ${command.usage}\n` : ''}`);
    process.exitCode = usage ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2));
}
