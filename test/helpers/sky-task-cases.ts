// Test helper: the SkyPilot tasks whose YAML is kept as golden files in test/fixtures/skypilot/, shared by the unit
// test of renderSkyTask (src/providers/trainer/skypilot/task.test.ts) and the trainer tier, which renders the same
// tasks over a real run folder and has SkyPilot validate them (test/trainers/skypilot.test.ts).
import { join } from 'node:path';
import type { SkyTaskOptions } from '../../src/providers/trainer/skypilot/task.ts';
import type { RunLayout } from '../../src/providers/trainer/types.ts';

/** The run folder the golden files were rendered with; the trainer tier puts a real folder in its place. */
export const GOLDEN_ROOT = '/home/user/project/.tunefile/trainer/0123456789abcdef';

/** The golden files' folder. */
export const GOLDEN_DIR = join(import.meta.dirname, '..', 'fixtures', 'skypilot');

/** Arguments a label or path could hold that a shell must not take apart: quotes, substitutions, newlines. */
export const HOSTILE_ARGS = [
  "it's",
  '$(touch PWNED)',
  '`touch PWNED`',
  'two\nlines',
  '',
  ' spaced out ',
  '*',
  '$HOME ${HOME}',
  '"double"',
  '\\',
  'a;b && c | d > e',
  '\ttab',
  'crlf\r\nend',
  '#not a comment',
  '- not a list',
  'uni ✓ é',
  'trailing newline\n',
];

/** A run's local layout under `root`, as the provider core lays a run folder out. */
export function layoutUnder(root: string, configName = 'axolotl.yaml'): RunLayout {
  return {
    runDir: root,
    dataDir: join(root, 'data'),
    outputDir: join(root, 'output'),
    configPath: join(root, configName),
    logPath: join(root, 'train.log'),
    cacheDir: join(root, 'cache'),
  };
}

/** A golden task: its file name in GOLDEN_DIR and its options for a run folder at `root`. */
export interface SkyTaskCase {
  file: string;
  options(root: string): SkyTaskOptions;
}

export const SKY_TASK_CASES: SkyTaskCase[] = [
  {
    // Axolotl on one spot A100, checkpoints under a folder of an S3 bucket, a Hugging Face token as a secret.
    file: 'task-axolotl-s3.yaml',
    options: (root) => ({
      name: 'tunefile-0123456789ab',
      run: ['axolotl', 'train', '/tunefile/run/axolotl.yaml'],
      layout: layoutUnder(root),
      spec: {
        bucket: 's3://my-team-checkpoints/tunefile',
        resources: { accelerators: 'A100:1', use_spot: true, disk_size: 512 },
        setup: 'pip install "axolotl[flash-attn]==0.9.2"\n',
      },
      env: { HF_TOKEN: 'hf_not_a_real_token_1234', HF_HUB_ENABLE_HF_TRANSFER: '1' },
    }),
  },
  {
    // Any command, resumed from a checkpoint, on a whole GCS bucket; its arguments are hostile to a shell.
    file: 'task-command-gs-resume.yaml',
    options: (root) => ({
      name: 'tunefile-fedcba987654',
      run: ['python', '/tunefile/run/train.py', '--config', '/tunefile/run/local-train.json', ...HOSTILE_ARGS],
      layout: layoutUnder(root, 'local-train.json'),
      spec: { bucket: 'gs://my-bucket/', resources: { infra: 'gcp/us-central1', accelerators: { L4: 1 } } },
      env: { WANDB_PROJECT: 'my project' },
      resumeFrom: join(root, 'output', 'checkpoint-40'),
    }),
  },
];
