// Helpers of the trainer tier (npm run test:trainers): the venvs scripts/trainers/setup.sh made, the tiny model,
// the offline environment the trainers need here, and trainer CLIs run in process groups of their own.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The repository's root. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** The folder holding the venvs and venvs.json (as setup.sh's TUNEFILE_TRAINERS_CACHE). */
export const TRAINERS_CACHE = process.env.TUNEFILE_TRAINERS_CACHE ?? join(homedir(), '.cache', 'tunefile-trainers');

/** The venvs setup.sh makes. */
export type VenvName = 'trl' | 'llamafactory' | 'axolotl';

/** The bin/ folder of each venv setup.sh made, from its venvs.json; a venv it could not make is absent. */
export function venvBins(): Partial<Record<VenvName, string>> {
  const file = join(TRAINERS_CACHE, 'venvs.json');
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<VenvName, string>>;
}

/** The bin/ folder of one venv. @throws if setup.sh has not made it. */
export function venvBin(name: VenvName): string {
  const bin = venvBins()[name];
  if (bin === undefined || !existsSync(bin)) {
    throw new Error(`no ${name} venv in ${TRAINERS_CACHE}/venvs.json: run bash scripts/trainers/setup.sh ${name}`);
  }
  return bin;
}

/**
 * The environment a trainer needs on this machine: no hub (downloads fail here, so they must fail at once),
 * Hugging Face's caches in `home` (a temporary folder of the test), no trackers, two threads.
 */
export function trainerEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HF_HUB_OFFLINE: '1',
    HF_DATASETS_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
    HF_HOME: join(home, 'hf-home'),
    HF_HUB_DISABLE_TELEMETRY: '1',
    WANDB_DISABLED: 'true',
    WANDB_MODE: 'disabled',
    DISABLE_VERSION_CHECK: '1',
    AXOLOTL_DO_NOT_TRACK: '1',
    TOKENIZERS_PARALLELISM: 'false',
    OMP_NUM_THREADS: '2',
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
}

/**
 * Builds the tiny Qwen3 model (scripts/trainers/make-tiny-model.py, with the TRL venv's Python) into `dir`; returns
 * `dir`. About 7 s. `texts`: a file of texts (one a line) for the small-BPE fallback tokenizer.
 */
export function makeTinyModel(dir: string, o: { texts?: string; seed?: number } = {}): string {
  const args = [join(ROOT, 'scripts', 'trainers', 'make-tiny-model.py'), dir, '--seed', String(o.seed ?? 0)];
  if (o.texts !== undefined) args.push('--texts', o.texts);
  const r = spawnSync(join(venvBin('trl'), 'python'), args, { env: trainerEnv(dir), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-tiny-model.py exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return dir;
}

/** How a process group's leader ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A command running as the leader of its own process group, its stdout and stderr going to one log file. */
export interface Group {
  /** The leader's pid, which is also the group's id. */
  pid: number;
  logPath: string;
  /** Resolves when the leader has exited (and has been reaped). */
  exited: Promise<Exit>;
  /** The log so far. */
  log(): string;
  /** Sends `signal` to every process of the group. */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM to the group, then SIGKILL after `graceMs`; resolves once no process of the group is left. */
  stop(graceMs?: number): Promise<Exit>;
}

/** Starts `command args` in a process group of its own (so a kill reaches its children), output appended to `logPath`. */
export function startGroup(command: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; logPath: string }): Group {
  const fd = openSync(o.logPath, 'a');
  const child = spawn(command, args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // ESRCH: the group is already gone
    }
  };
  return {
    pid,
    logPath: o.logPath,
    exited,
    log: () => readFileSync(o.logPath, 'utf8'),
    kill,
    async stop(graceMs = 20_000) {
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), graceMs);
      const exit = await exited;
      await waitFor(() => groupMembers(pid).length === 0 || undefined, { timeoutMs: graceMs + 5_000, what: `process group ${pid} to end` });
      clearTimeout(timer);
      kill('SIGKILL'); // a member that ignored SIGTERM after its leader exited
      return exit;
    },
  };
}

/** Runs `command args` in its own process group to the end; rejects with the log's tail unless it exits 0. */
export async function runGroup(command: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; logPath: string }): Promise<string> {
  const group = startGroup(command, args, o);
  const exit = await group.exited;
  if (exit.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${exit.code ?? exit.signal}; the end of ${o.logPath}:\n${tail(group.log())}`);
  return group.log();
}

/** What a command printed and how it ended. */
export interface Captured extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs `command args` to the end (in its own process group), capturing its output; never rejects on a non-zero exit. */
export function capture(command: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The live (not zombie) processes whose process group is `pgid`, read from /proc (Linux). */
export function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // the process ended between readdir and read
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after its last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') pids.push(Number(name));
  }
  return pids;
}

/**
 * Polls `probe` every `intervalMs` until it returns something other than undefined; rejects after `timeoutMs`, or at
 * once when `group` (the process producing the awaited event) has exited first.
 */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  o: { timeoutMs: number; what: string; intervalMs?: number; group?: Group },
): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let ended: Exit | undefined;
  void o.group?.exited.then((exit) => (ended = exit));
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (ended !== undefined) {
      throw new Error(`waiting for ${o.what}: the process exited ${ended.code ?? ended.signal} first; the end of ${o.group!.logPath}:\n${tail(o.group!.log())}`);
    }
    if (Date.now() > deadline) throw new Error(`waiting for ${o.what}: not after ${o.timeoutMs} ms${o.group ? `; the end of ${o.group.logPath}:\n${tail(o.group.log())}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, o.intervalMs ?? 200));
  }
}

/** The last `lines` lines of a log, with tqdm's carriage-return redraws reduced to their last state. */
export function tail(log: string, lines = 40): string {
  return log.split('\n').map((line) => line.slice(line.lastIndexOf('\r') + 1)).slice(-lines).join('\n');
}

/** A trainer_state.json as transformers' Trainer writes it (the fields the tests read). */
export interface TrainerState {
  global_step: number;
  max_steps: number;
  log_history: { step: number; loss?: number; train_loss?: number }[];
}

/** The checkpoint-N folders of an output folder whose trainer_state.json exists, by N ascending. */
export function checkpoints(outputDir: string): { step: number; dir: string }[] {
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir)
    .map((name) => /^checkpoint-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(outputDir, m[0], 'trainer_state.json')))
    .map((m) => ({ step: Number(m[1]), dir: join(outputDir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

/** Reads a trainer_state.json. */
export function readTrainerState(path: string): TrainerState {
  return JSON.parse(readFileSync(path, 'utf8')) as TrainerState;
}

/** Writes the first `n` SMS Spam rows as chat examples (system, user: the SMS, assistant: ham or spam), one JSON a line. */
export function smsChatJsonl(n: number): string {
  const lines = readFileSync(join(ROOT, 'test', 'data', 'sms-spam', 'SMSSpamCollection.tsv'), 'utf8').split('\n').slice(1);
  return (
    lines
      .filter((line) => line !== '')
      .slice(0, n)
      .map((line) => {
        const [label, text] = line.split('\t');
        return JSON.stringify({
          messages: [
            { role: 'system', content: 'Classify the SMS as ham or spam.' },
            { role: 'user', content: text },
            { role: 'assistant', content: label },
          ],
        });
      })
      .join('\n') + '\n'
  );
}

/** What trainKilledAndResumed saw. */
export interface KilledAndResumed {
  /** The checkpoint the rerun resumed from: the newest whose trainer_state.json existed after the kill. */
  resumedFrom: { step: number; dir: string };
  /** The first checkpoint, the event the kill waited for. */
  firstCheckpoint: { step: number; dir: string };
  /** The rerun's log. */
  log: string;
}

/**
 * A trainer run killed with SIGKILL (the whole process group) as soon as its first checkpoint-N/trainer_state.json
 * exists, then run again from its newest checkpoint to the end. `writeConfig(resumeFrom)` writes the config file
 * (with resume_from_checkpoint when resumeFrom is given) and returns its path; `args(config)` is the command line's
 * arguments. Logs go to train-1.log and train-2.log in `root`.
 * @throws if the first run exits before its first checkpoint, the kill leaves a process behind, or the rerun fails.
 */
export async function trainKilledAndResumed(o: {
  command: string;
  args: (config: string) => string[];
  writeConfig: (resumeFrom?: string) => string;
  outputDir: string;
  root: string;
  env: NodeJS.ProcessEnv;
}): Promise<KilledAndResumed> {
  const first = startGroup(o.command, o.args(o.writeConfig()), { cwd: o.root, env: o.env, logPath: join(o.root, 'train-1.log') });
  const firstCheckpoint = await waitFor(() => checkpoints(o.outputDir)[0], { timeoutMs: 300_000, what: 'the first checkpoint-N/trainer_state.json', group: first });
  first.kill('SIGKILL');
  const exit = await first.exited;
  if (exit.signal !== 'SIGKILL') throw new Error(`the first run ended by itself (${exit.code}) before the kill; the end of its log:\n${tail(first.log())}`);
  await waitFor(() => groupMembers(first.pid).length === 0 || undefined, { timeoutMs: 10_000, what: `process group ${first.pid} to be gone after SIGKILL` });
  const resumedFrom = checkpoints(o.outputDir).at(-1)!;
  const log = await runGroup(o.command, o.args(o.writeConfig(resumedFrom.dir)), { cwd: o.root, env: o.env, logPath: join(o.root, 'train-2.log') });
  return { resumedFrom, firstCheckpoint, log };
}

/** Makes `dir` (and its parents) and returns it. */
export function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
