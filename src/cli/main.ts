#!/usr/bin/env -S node --disable-warning=ExperimentalWarning --max-semi-space-size=8
// The one exit point: dispatches to a command module and maps errors to exit codes.
import { realpathSync } from 'node:fs';
import nodeModule from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TunefileError, exitCodeFor } from '../errors.ts';
import { redact, secretsInEnv } from '../providers/redact.ts';
import type { CliIO, Command } from './command.ts';
import { userCacheDir } from '../user-cache.ts';

/** Command modules, imported only when used so a no-op run stays fast. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  init: { summary: 'scaffold a pipeline, sample data and .gitignore lines', load: async () => (await import('./init.ts')).default },
  validate: { summary: 'check a pipeline file (schema, wiring, source files); exit 0 or 2', load: async () => (await import('./validate.ts')).default },
  run: { summary: 'run the stages that are stale', load: async () => (await import('./run.ts')).default },
  status: { summary: 'show each stage as up-to-date, stale or never-run, with reasons', load: async () => (await import('./status.ts')).default },
  dag: { summary: 'print the stage graph (text, mermaid, dot)', load: async () => (await import('./dag.ts')).default },
  show: { summary: "print a stage's artifact", load: async () => (await import('./show.ts')).default },
  metrics: { summary: "show the lock file's evaluation metrics, or diff them against a git revision", load: async () => (await import('./metrics.ts')).default },
  prepare: { summary: 'check and prepare one data file (legacy prepare_data)', load: async () => (await import('./prepare.ts')).default },
  serve: { summary: 'run the local OpenAI-compatible fine-tuning server, or serve one model folder', load: async () => (await import('./serve.ts')).default },
  'local-train': { summary: 'train the local classifier as a Hugging Face Trainer run', load: async () => (await import('./local-train.ts')).default },
  gc: { summary: 'remove cached blobs, local jobs and scratch no lock file references', load: async () => (await import('./gc.ts')).default },
};

const USAGE = `tunefile: declarative, cached fine-tuning pipelines

Usage: tunefile <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`).join('\n')}

Global options:
  --help, -h     help for tunefile or a command
  --version      print the version
  --debug        print stack traces for errors

Exit codes: 0 success, 1 a stage failed or the run lock is held, 2 usage or invalid pipeline, 130 interrupted.
Run 'tunefile <command> --help' for a command's options.`;

/** Runs the CLI with the given arguments and streams; returns the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  io.debug = debug;
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    const { readFileSync } = await import("node:fs");
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    io.stdout.write(pkg.version + '\n');
    return 0;
  }
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 18)) {
    io.stderr.write(`tunefile: needs Node.js 22.18 or newer (for node:sqlite); this is ${process.version}\n`);
    return 2;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry && name.startsWith('-')) {
    // An option before any command (`tunefile --verison`): one line with a did-you-mean, as commands' options get.
    const { didYouMean } = await import('../errors.ts');
    const guess = name.startsWith('--') ? didYouMean(name.slice(2), ['help', 'version', 'debug']) : undefined;
    io.stderr.write(`error: tunefile: unknown option '${name}'${guess ? `; did you mean '--${guess}'?` : ''}\nhint: options go after the command: tunefile <command> [options]; see 'tunefile --help'\n`);
    return 2;
  }
  if (!entry) {
    const { didYouMean } = await import('../errors.ts');
    const guess = didYouMean(name, Object.keys(COMMANDS));
    io.stderr.write(`tunefile: unknown command '${name}'${guess ? `; did you mean '${guess}'?` : ''}\nRun 'tunefile --help' for the list.\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(command.help.trimEnd() + '\n');
      return 0;
    }
    return await command.run(rest, io);
  } catch (error) {
    io.stderr.write(formatError(error, debug, io.env));
    return exitCodeFor(error);
  }
}

/**
 * One clean message for an error; stacks only with --debug. The last line of defence for secrets: whatever an error
 * carries (a provider's message echoing the key, a URL with user:password@), API keys from `env` and `sk-…` tokens
 * are redacted from the text, stacks included.
 */
export function formatError(error: unknown, debug: boolean, env: Record<string, string | undefined> = {}): string {
  return redact(describeError(error, debug), secretsInEnv(env));
}

function describeError(error: unknown, debug: boolean): string {
  if (error instanceof TunefileError) {
    const lines = [`error: ${error.message}`, ...error.details.map((d) => `  ${d}`)];
    if (error.hint) lines.push(`hint: ${error.hint}`);
    if (debug && error.stack) lines.push(error.stack);
    if (debug && error.cause instanceof Error && error.cause.stack) lines.push(`caused by: ${error.cause.stack}`);
    return lines.join('\n') + '\n';
  }
  const message = error instanceof Error ? error.message : String(error);
  const lines = [`error: ${message}`];
  if (debug && error instanceof Error && error.stack) lines.push(error.stack);
  else lines.push("This is a bug in tunefile; rerun with --debug for the stack trace and please report it.");
  return lines.join('\n') + '\n';
}

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // V8's compiled code for the modules imported from here on is kept on disk, so a no-op run compiles nothing and
  // its time is Node's start and the module loads. Node keys entries by its version and each file's contents, so
  // an entry cannot outlive the code it was made from; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  // (A namespace lookup, not a named import: Node before 22.1 has no enableCompileCache, and must still reach the version check.)
  nodeModule.enableCompileCache?.(join(userCacheDir(process.env), 'compile-cache'));
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    controller.abort(new TunefileError('TUNEFILE_INTERRUPTED', `interrupted by ${signal}`));
  };
  // A closed pipe (`tunefile show ... | head`) is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIO = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
    debug: false,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(formatError(error, true, process.env));
      process.exitCode = 1;
    },
  );
}
