// Issue 15: `tunefile dag` in its three formats, `run --dry-run`, `run --stage ID --downstream` and `show --path`,
// through the CLI on a small project whose graph branches and whose `count` stage takes an input from a stage above
// the one it needs (dedupe's dataset, found breadth-first through split).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloneProject, makeProject, runCli, runJson } from '../helpers/cli.ts';
import { listFiles } from '../reliability/sms.ts';
import { stateRows } from '../helpers/state-db.ts';

const NODE = JSON.stringify(process.execPath);
const PIPELINE = `version: 1
stages:
  load:
    with: { path: data.jsonl }
  dedupe: {}
  split:
    with: { valid: 0.25, seed: 1 }
  count:
    uses: command
    with:
      run: [${NODE}, tool.mjs, "{in.train}", "{in.dataset}", "{out.counts}"]
      deps: [tool.mjs]
  side-copy:
    uses: command
    needs: [load]
    with:
      run: [${NODE}, tool.mjs, "{in.dataset}", "{out.lines}"]
      deps: [tool.mjs]
`;
// Writes the line count of each input file, comma-separated, to the last argument.
const TOOL = `import { readFileSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const out = args.pop();
writeFileSync(out, args.map((f) => readFileSync(f, 'utf8').split('\\n').filter(Boolean).length).join(',') + '\\n');
`;
// 40 rows, 4 of them exact duplicates of earlier prompts: dedupe keeps 36.
const ROWS = Array.from({ length: 40 }, (_, i) => JSON.stringify({ prompt: `message ${i < 36 ? i : i - 36}`, completion: i % 3 ? 'ham' : 'spam' })).join('\n') + '\n';

/**
 * The edges by DESIGN §2's wiring rules, worked out by hand: each stage needs the one before it unless `needs:` says
 * otherwise; an input comes from the nearest upstream producer (count's dataset: split makes none, dedupe does).
 */
const EDGES = ['load->dedupe:dataset', 'dedupe->split:dataset', 'split->count:train', 'dedupe->count:dataset', 'load->side-copy:dataset'].sort();
const STAGES = { load: 'load', dedupe: 'dedupe', split: 'split', count: 'command', 'side-copy': 'command' };

function makeDagProject(): string {
  return makeProject({ 'pipeline.yaml': PIPELINE, 'tool.mjs': TOOL, 'data.jsonl': ROWS });
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A strict reader for the subset of Graphviz DOT a pipeline needs: throws on anything outside the grammar. */
function parseDot(text: string): { name: string; nodes: Record<string, Record<string, string>>; edges: { from: string; to: string; attrs: Record<string, string> }[] } {
  const tokens: string[] = [];
  const re = /\s+|(\/\/[^\n]*)|("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?)|(->|[{}[\]=;,])|(.)/gy;
  for (let m; (m = re.exec(text)); ) {
    if (m[5] !== undefined) throw new Error(`dot: unexpected character ${JSON.stringify(m[5])} at ${m.index}`);
    const token = m[2] ?? m[3] ?? m[4];
    if (token !== undefined) tokens.push(token);
  }
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string) => {
    const t = tokens[i++];
    if (t === undefined || (want !== undefined && t !== want)) throw new Error(`dot: expected ${want ?? 'a token'} at token ${i - 1}, got ${t}`);
    return t;
  };
  const isId = (t: string | undefined) => t !== undefined && /^("|[A-Za-z_0-9-])/.test(t) && t !== '->';
  const id = () => {
    const t = take();
    if (!isId(t)) throw new Error(`dot: expected an id, got ${t}`);
    return t.startsWith('"') ? (JSON.parse(t) as string) : t;
  };
  const attrs = () => {
    const out: Record<string, string> = {};
    if (peek() !== '[') return out;
    take('[');
    while (peek() !== ']') {
      const k = id();
      take('=');
      out[k] = id();
      if (peek() === ',' || peek() === ';') take();
    }
    take(']');
    return out;
  };
  take('digraph');
  const name = isId(peek()) ? id() : '';
  take('{');
  const nodes: Record<string, Record<string, string>> = {};
  const edges: { from: string; to: string; attrs: Record<string, string> }[] = [];
  while (peek() !== '}') {
    const first = id();
    if (peek() === '=') {
      take('=');
      id(); // a graph attribute (rankdir=TB)
    } else if (peek() === '->') {
      const chain = [first];
      while (peek() === '->') {
        take('->');
        chain.push(id());
      }
      const a = attrs();
      for (let k = 1; k < chain.length; k++) edges.push({ from: chain[k - 1]!, to: chain[k]!, attrs: a });
    } else nodes[first] = attrs();
    if (peek() === ';') take(';');
  }
  take('}');
  if (i !== tokens.length) throw new Error('dot: text after the closing brace');
  return { name, nodes, edges };
}

/** A strict reader for the Mermaid flowchart lines tunefile writes: a header, node declarations and labelled links. */
function parseMermaid(text: string): { direction: string; labels: Record<string, string>; edges: { from: string; to: string; label: string }[] } {
  const [header, ...lines] = text.trimEnd().split('\n');
  const head = /^(flowchart|graph) (TB|TD|BT|RL|LR)$/.exec(header!);
  if (!head) throw new Error(`mermaid: bad header ${header}`);
  const labels: Record<string, string> = {};
  const edges: { from: string; to: string; label: string }[] = [];
  for (const line of lines) {
    const node = /^ {2}([A-Za-z0-9_]+)\["([^"]*)"\]$/.exec(line);
    const edge = /^ {2}([A-Za-z0-9_]+) -->(?:\|([^|"]*)\|)? ([A-Za-z0-9_]+)$/.exec(line);
    if (node) {
      if (labels[node[1]!] !== undefined) throw new Error(`mermaid: node ${node[1]} declared twice`);
      labels[node[1]!] = node[2]!;
    } else if (edge) edges.push({ from: edge[1]!, to: edge[3]!, label: edge[2] ?? '' });
    else throw new Error(`mermaid: line not understood: ${JSON.stringify(line)}`);
  }
  for (const e of edges) if (labels[e.from] === undefined || labels[e.to] === undefined) throw new Error(`mermaid: edge to an undeclared node: ${e.from} --> ${e.to}`);
  return { direction: head[2]!, labels, edges };
}

/** "from->to:artifact" for each artifact of each edge. */
function edgeSet(edges: { from: string; to: string; label: string }[]): string[] {
  return edges.flatMap((e) => e.label.split(', ').map((a) => `${e.from}->${e.to}:${a}`)).sort();
}

function runRecords(dir: string): number {
  return stateRows<{ n: number }>(dir, 'SELECT COUNT(*) AS n FROM runs')[0]!.n;
}

const blobs = (dir: string) => listFiles(join(dir, '.tunefile', 'cache', 'blobs')).sort();

describe('dag, run --dry-run, run --downstream, show --path', () => {
  it.concurrent('dag: text, mermaid and dot show every stage and every edge, also an input wired past the stage it needs', async () => {
    const dir = makeDagProject();
    const text = await runCli(['dag'], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const fromText: { from: string; to: string; label: string }[] = [];
    for (const line of lines) {
      const m = /^([\w-]+) \(([\w-]+)\)(?: <- (.*))?$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(STAGES[m![1] as keyof typeof STAGES]).toBe(m![2]);
      for (const up of m![3]?.split(/, (?=[\w-]+ \[)/) ?? []) {
        const u = /^([\w-]+) \[([^\]]*)\]$/.exec(up);
        expect(u, up).not.toBeNull();
        fromText.push({ from: u![1]!, to: m![1]!, label: u![2]! });
      }
    }
    expect(edgeSet(fromText)).toEqual(EDGES);

    const mermaid = await runCli(['dag', '--format', 'mermaid'], { cwd: dir });
    expect(mermaid.code, mermaid.stderr).toBe(0);
    const chart = parseMermaid(mermaid.stdout);
    // Node ids are Mermaid-safe; the labels name the stages (one node per stage).
    const stageOf = Object.fromEntries(Object.entries(chart.labels).map(([nodeId, label]) => [nodeId, /^([\w-]+) \(/.exec(label)![1]!]));
    expect(Object.values(stageOf).sort()).toEqual(Object.keys(STAGES).sort());
    for (const [nodeId, label] of Object.entries(chart.labels)) expect(label).toBe(`${stageOf[nodeId]} (${STAGES[stageOf[nodeId] as keyof typeof STAGES]})`);
    expect(edgeSet(chart.edges.map((e) => ({ from: stageOf[e.from]!, to: stageOf[e.to]!, label: e.label })))).toEqual(EDGES);

    const dot = await runCli(['dag', '--format', 'dot'], { cwd: dir });
    expect(dot.code, dot.stderr).toBe(0);
    const graph = parseDot(dot.stdout);
    expect(Object.keys(graph.nodes).sort()).toEqual(Object.keys(STAGES).sort());
    for (const [id, type] of Object.entries(STAGES)) expect(graph.nodes[id]!.label).toBe(`${id} (${type})`);
    expect(edgeSet(graph.edges.map((e) => ({ from: e.from, to: e.to, label: e.attrs.label ?? '' })))).toEqual(EDGES);

    const bad = await runCli(['dag', '--format', 'svg'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be one of text, mermaid, dot');
    // dag reads the pipeline only: nothing ran, nothing was cached.
    expect(existsSync(join(dir, 'pipeline.lock'))).toBe(false);
    expect(blobs(dir)).toEqual([]);
  }, 120_000);

  it.concurrent('dag: mermaid keeps stages apart whose ids differ only in - and _, and never uses the keyword end as an id', async () => {
    const dir = makeProject({
      'pipeline.yaml': `version: 1
stages:
  end:
    uses: command
    with: { run: [${NODE}, "{out.a}"] }
  clean-a:
    uses: command
    with: { run: [${NODE}, "{in.a}", "{out.b}"] }
  clean_a:
    uses: command
    with: { run: [${NODE}, "{in.b}", "{out.c}"] }
`,
    });
    const mermaid = await runCli(['dag', '--format', 'mermaid'], { cwd: dir });
    expect(mermaid.code, mermaid.stderr).toBe(0);
    const chart = parseMermaid(mermaid.stdout);
    expect(Object.keys(chart.labels)).toHaveLength(3);
    expect(Object.keys(chart.labels)).not.toContain('end');
    const stageOf = Object.fromEntries(Object.entries(chart.labels).map(([nodeId, label]) => [nodeId, /^([\w-]+) \(/.exec(label)![1]!]));
    expect(Object.values(stageOf).sort()).toEqual(['clean-a', 'clean_a', 'end']);
    expect(edgeSet(chart.edges.map((e) => ({ from: stageOf[e.from]!, to: stageOf[e.to]!, label: e.label })))).toEqual(['clean-a->clean_a:b', 'end->clean-a:a']);
  }, 120_000);

  it.concurrent('the strict readers reject what is not DOT or Mermaid', () => {
    expect(() => parseDot('digraph p { "a" -> ; }')).toThrow();
    expect(() => parseDot('digraph p { "a" -> "b" [label="x"] ')).toThrow();
    expect(() => parseDot('graph p { "a" -> "b"; }')).toThrow();
    expect(parseDot('digraph p { rankdir=TB; "a" [label="a (x)"]; "a" -> "b" [label="t, v"]; }').edges).toEqual([{ from: 'a', to: 'b', attrs: { label: 't, v' } }]);
    expect(() => parseMermaid('flowchart TD\n  a["a"]\n  a --> b\n')).toThrow(/undeclared/);
    expect(() => parseMermaid('flowchart TD\n  a-b["a"]\n')).toThrow(/not understood/);
  });

  it.concurrent('run --dry-run prints the plan with reasons, exits 0, and writes no blob, run record, log or lock file', async () => {
    const dir = makeDagProject();
    const fresh = await runCli(['run', '--dry-run'], { cwd: dir });
    expect(fresh.code, fresh.stderr).toBe(0);
    for (const id of Object.keys(STAGES)) expect(fresh.stdout).toMatch(new RegExp(`^${id}\\s+would run: never run`, 'm'));
    expect(existsSync(join(dir, 'pipeline.lock'))).toBe(false);
    expect(blobs(dir)).toEqual([]);
    expect(existsSync(join(dir, '.tunefile', 'logs'))).toBe(false);

    const run = await runJson([], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const lock = readFileSync(join(dir, 'pipeline.lock'), 'utf8');
    const cached = blobs(dir);
    const records = runRecords(dir);
    expect(records).toBe(5);

    const upToDate = await runJson(['--dry-run'], { cwd: dir });
    expect(upToDate.code).toBe(0);
    expect(upToDate.report.dry_run).toBe(true);
    expect((upToDate.report.stages as { action: string }[]).map((s) => s.action)).toEqual(Array(5).fill('restore'));

    // A new split seed: split and count (below it) would run; load, dedupe and side-copy are restored.
    const set = ['--set', 'split.with.seed=2'];
    const plan = await runJson([...set, '--dry-run'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const planned = Object.fromEntries((plan.report.stages as { id: string; action: string; state: string; reasons: string[]; key: string | null }[]).map((s) => [s.id, s]));
    expect(Object.fromEntries(Object.entries(planned).map(([id, s]) => [id, s.action]))).toEqual({ load: 'restore', dedupe: 'restore', split: 'run', count: 'run', 'side-copy': 'restore' });
    expect(planned.split!.state).toBe('stale');
    expect(planned.split!.reasons.join('\n')).toContain('with.seed 1 -> 2');
    expect(planned.count!.key).toBeNull(); // its inputs are not known before split runs
    const human = await runCli(['run', ...set, '--dry-run'], { cwd: dir });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^split\s+would run: params changed: with\.seed 1 -> 2$/m);
    expect(human.stdout).toMatch(/^side-copy\s+up-to-date$/m);
    // Nothing ran: the lock, the blobs and the run records are as they were.
    expect(readFileSync(join(dir, 'pipeline.lock'), 'utf8')).toBe(lock);
    expect(blobs(dir)).toEqual(cached);
    expect(runRecords(dir)).toBe(records);

    // The run then does what the plan said.
    const real = await runJson(set, { cwd: dir });
    expect(real.code, real.stderr).toBe(0);
    expect(real.status).toEqual({ load: 'cached', dedupe: 'cached', split: 'ran', count: 'ran', 'side-copy': 'cached' });
    expect(readFileSync(join(dir, 'pipeline.lock'), 'utf8')).not.toBe(lock);

    const invalid = await runCli(['run', '--dry-run', '--set', 'split.with.valid=1.5'], { cwd: dir });
    expect(invalid.code).toBe(2);
  }, 120_000);

  it.concurrent('run --stage ID --downstream runs the stage, what it needs, and every stage below it; nothing on other branches', async () => {
    const a = makeDagProject();
    const b = cloneProject(a);
    const down = await runJson(['--stage', 'dedupe', '--downstream'], { cwd: a });
    expect(down.code, down.stderr).toBe(0);
    // What it needs (load), itself, and below it (split, count); not side-copy, which hangs off load.
    expect(down.status).toEqual({ load: 'ran', dedupe: 'ran', split: 'ran', count: 'ran' });
    const status = await runCli(['status', '--json'], { cwd: a });
    const states = Object.fromEntries((JSON.parse(status.stdout).stages as { id: string; state: string }[]).map((s) => [s.id, s.state]));
    expect(states).toEqual({ load: 'up-to-date', dedupe: 'up-to-date', split: 'up-to-date', count: 'up-to-date', 'side-copy': 'never-run' });
    expect(Object.keys(JSON.parse(readFileSync(join(a, 'pipeline.lock'), 'utf8')).stages).sort()).toEqual(['count', 'dedupe', 'load', 'split']);

    // Without --downstream only the stage and what it needs.
    const only = await runJson(['--stage', 'dedupe'], { cwd: b });
    expect(only.code, only.stderr).toBe(0);
    expect(only.status).toEqual({ load: 'ran', dedupe: 'ran' });

    // Below a changed stage: only it and its dependents run again; the rest are restored.
    const again = await runJson(['--stage', 'split', '--downstream', '--set', 'split.with.seed=5'], { cwd: a });
    expect(again.code, again.stderr).toBe(0);
    expect(again.status).toEqual({ load: 'cached', dedupe: 'cached', split: 'ran', count: 'ran' });
  }, 120_000);

  it.concurrent('show --path prints the path of the cached artifact the lock file names, which holds what show prints', async () => {
    const dir = makeDagProject();
    const run = await runJson([], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(dir, 'pipeline.lock'), 'utf8'));
    for (const [stage, artifact] of [['split', 'train'], ['split', 'valid'], ['dedupe', 'dataset'], ['count', undefined], ['side-copy', undefined]] as const) {
      const args = artifact ? [stage, artifact] : [stage];
      const path = await runCli(['show', ...args, '--path'], { cwd: dir });
      expect(path.code, path.stderr).toBe(0);
      const file = path.stdout.trimEnd();
      expect(path.stdout).toBe(`${file}\n`);
      expect(file.startsWith(join(dir, '.tunefile', 'cache', 'blobs') + sep)).toBe(true);
      const outputs = lock.stages[stage].outputs as Record<string, { hash: string; bytes: number }>;
      const expected = outputs[artifact ?? Object.keys(outputs)[0]!]!;
      const bytes = readFileSync(file);
      expect(sha256(bytes)).toBe(expected.hash);
      expect(bytes.length).toBe(expected.bytes);
      const content = await runCli(['show', ...args], { cwd: dir });
      expect(content.code).toBe(0);
      expect(content.stdout).toBe(bytes.toString('utf8'));
    }
    // The count stage's artifact is what its program computed: 27 train rows (36 deduplicated, valid 0.25) and 36.
    expect(readFileSync((await runCli(['show', 'count', '--path'], { cwd: dir })).stdout.trimEnd(), 'utf8')).toBe('27,36\n');
    expect(readdirSync(join(dir, '.tunefile', 'cache', 'blobs')).length).toBeGreaterThan(0);

    const ambiguous = await runCli(['show', 'split', '--path'], { cwd: dir });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("stage 'split' has several outputs");
  }, 120_000);
});
