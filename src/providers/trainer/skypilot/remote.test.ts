// The run's folders on the SkyPilot cluster, and the bucket URL split SkyPilot's mounting rules ask for.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN_ROOT, layoutUnder } from '../../../../test/helpers/sky-task-cases.ts';
import { bucketRoot, checkSkyPilotSpec, outputUrl, remoteLayout, toRemotePath } from './remote.ts';

const o = { name: 'tunefile-0123456789ab', layout: layoutUnder(GOLDEN_ROOT), spec: { bucket: 's3://team/ckpt/' } };

describe('bucketRoot', () => {
  it.each([
    ['s3://my-bucket', 's3://my-bucket', ''],
    ['s3://my-bucket/', 's3://my-bucket', ''],
    ['gs://b/runs/tunefile//', 'gs://b', 'runs/tunefile'],
    ['r2://b/x', 'r2://b', 'x'],
    ['cos://us-east/b/x/y', 'cos://us-east/b', 'x/y'],
    ['https://acct.blob.core.windows.net/container/x', 'https://acct.blob.core.windows.net/container', 'x'],
  ])('%s mounts %s, under %j', (url, root, prefix) => {
    expect(bucketRoot(url)).toEqual({ root, prefix });
  });

  it.each(['/local/folder', 'ftp://host/x', 's3://', 'my-bucket', 'cos://us-east', 'https://acct.blob.core.windows.net'])('refuses %s', (url) => {
    expect(() => bucketRoot(url)).toThrow(/provider\.skypilot\.bucket/);
  });
});

describe('checkSkyPilotSpec', () => {
  it('asks for a bucket, and a program when command is given', () => {
    expect(checkSkyPilotSpec(undefined)).toEqual([expect.stringContaining('needs provider.skypilot.bucket')]);
    expect(checkSkyPilotSpec({ bucket: 'ftp://x', command: [] })).toHaveLength(2);
    expect(checkSkyPilotSpec({ bucket: 'gs://b' })).toEqual([]);
  });
});

describe('remoteLayout', () => {
  it('puts the inputs in /tunefile/run and the outputs in the bucket, under its prefix and the job name', () => {
    expect(remoteLayout(o)).toEqual({
      runDir: '/tunefile/run',
      dataDir: '/tunefile/run/data',
      outputDir: '/tunefile/bucket/ckpt/tunefile-0123456789ab',
      configPath: '/tunefile/run/axolotl.yaml',
      logPath: '/tunefile/run/train.log',
      cacheDir: '/tunefile/run/cache',
    });
    expect(outputUrl(o)).toBe('s3://team/ckpt/tunefile-0123456789ab');
    expect(outputUrl({ ...o, spec: { bucket: 'gs://b' } })).toBe('gs://b/tunefile-0123456789ab');
  });
});

describe('toRemotePath', () => {
  it('maps the layout and what lies in its mounted folders', () => {
    expect(toRemotePath(o, join(GOLDEN_ROOT, 'output', 'checkpoint-40'))).toBe('/tunefile/bucket/ckpt/tunefile-0123456789ab/checkpoint-40');
    expect(toRemotePath(o, join(GOLDEN_ROOT, 'data', 'train.jsonl'))).toBe('/tunefile/run/data/train.jsonl');
    expect(toRemotePath(o, join(GOLDEN_ROOT, 'axolotl.yaml'))).toBe('/tunefile/run/axolotl.yaml');
    expect(toRemotePath(o, GOLDEN_ROOT)).toBe('/tunefile/run');
  });

  it('refuses what the cluster has no copy of: outside the run folder, or in it but not mounted', () => {
    expect(() => toRemotePath(o, '/etc/passwd')).toThrow(/has no copy of/);
    expect(() => toRemotePath(o, join(GOLDEN_ROOT, 'other-file'))).toThrow(/has no copy of/);
    expect(() => toRemotePath(o, join(GOLDEN_ROOT, 'output', '..', '..', 'x'))).toThrow(/has no copy of/);
  });
});
