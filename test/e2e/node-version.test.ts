// The built CLI on a Node.js too old for it says so instead of failing inside a command.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, makeProject } from '../helpers/cli.ts';

const OLD_NODE = '/usr/bin/node';
const oldMajor = existsSync(OLD_NODE) ? Number(execFileSync(OLD_NODE, ['-p', 'process.versions.node']).toString().split('.')[0]) : undefined;

describe.runIf(oldMajor !== undefined && oldMajor < 22)('an old Node.js', () => {
  it('gets a clear message and exit 2 from dist/cli/main.js', () => {
    const r = spawnSync(OLD_NODE, [join(REPO, 'dist', 'cli', 'main.js'), 'status'], { cwd: makeProject(), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tunefile: needs Node\.js 22\.18 or newer \(for node:sqlite\); this is v\d+\./);
  });
});
