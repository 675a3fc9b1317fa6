// e2e: a report rendered from realistic inputs opens in headless Debian Chromium with its charts and no network.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeClassificationMetrics, parseResultsCsv, renderReport } from '../../src/report/index.ts';
import type { WorstError } from '../../src/report/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, 'test-artifacts', 'report-chromium');
/** Hosts Chromium itself calls (updates, clock, accounts) whatever the page does; not the page's requests. */
const CHROMIUM_OWN_HOSTS = /^https?:\/\/([a-z0-9-]+\.)*(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)(\/|:|$)/;

/** Runs headless Chromium on a file, recording every URL it touched in a NetLog. */
async function openInChromium(file: string, mode: string[]): Promise<{ stdout: string; urls: string[] }> {
  const profile = join(tmpdir(), `tunefile-chromium-${process.pid}-${mode[0]!.replace(/\W/g, '')}`);
  const netLog = `${profile}.netlog.json`;
  try {
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, `--log-net-log=${netLog}`, ...mode, pathToFileURL(file).href];
    const result = await execa(CHROMIUM, args, { timeout: 60_000 });
    const log = JSON.parse(readFileSync(netLog, 'utf8')) as { events: { params?: { url?: string } }[] };
    const urls = [...new Set(log.events.map((e) => e.params?.url).filter((u): u is string => typeof u === 'string'))];
    return { stdout: result.stdout, urls: urls.filter((u) => !CHROMIUM_OWN_HOSTS.test(u)) };
  } finally {
    rmSync(profile, { recursive: true, force: true });
    rmSync(netLog, { force: true });
  }
}

/** A report from real SMS Spam rows, a result CSV shaped like the local trainer's, and some errors. */
async function renderRealisticReport() {
  const lines = readFileSync(join(ROOT, 'test/data/sms-spam/SMSSpamCollection.tsv'), 'latin1').split(/\r?\n/).slice(1, 1001);
  const rows = lines.filter(Boolean).map((line, i) => {
    const [label, text] = line.split('\t') as [string, string];
    const wrong = i % 41 === 7;
    const spamScore = (label === 'spam') !== wrong ? 0.7 + ((i * 37) % 29) / 100 : 0.02 + ((i * 53) % 31) / 100;
    const predicted = i === 500 ? 'sp' : spamScore >= 0.5 ? 'spam' : 'ham';
    return { row: i + 2, prompt: `${text}\n\n###\n\n`, expected: label, predicted, score: spamScore };
  });
  const metrics = computeClassificationMetrics(rows, { positive: 'spam' });
  const csv = ['step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy'];
  for (let step = 1; step <= 96; step++) {
    const valid = step % 12 === 0 ? `${(0.55 * Math.exp(-step / 40) + 0.06).toFixed(5)},${(0.8 + step / 600).toFixed(5)}` : ',';
    csv.push(`${step},${(0.7 * Math.exp(-step / 25) + 0.04 + ((step * 7) % 5) / 100).toFixed(5)},${Math.min(1, 0.55 + step / 150).toFixed(5)},${valid}`);
  }
  const worst: WorstError[] = rows
    .filter((r) => r.predicted !== r.expected)
    .map((r) => ({ row: r.row, prompt: r.prompt, expected: r.expected, predicted: r.predicted, confidence: r.predicted === 'spam' ? r.score : 1 - r.score }))
    .sort((a, b) => b.confidence - a.confidence || a.row - b.row)
    .slice(0, 10);
  const input = { title: 'sms-spam evaluation', pipeline: 'pipelines/sms-spam.yaml', model: 'babbage-002', fine_tuned_model: 'ft:babbage-002:local:spam:ftjob-7', job_id: 'ftjob-7', metrics, results: parseResultsCsv(csv.join('\r\n') + '\r\n'), worst, generated_by: 'tunefile e2e' };
  return { input, report: await renderReport(input) };
}

describe('the HTML report in headless Chromium', () => {
  beforeAll(() => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get update && apt-get install -y chromium) to run this test`);
    }
    mkdirSync(OUT, { recursive: true });
  });

  it('the network check can fail: a page with an external image is seen requesting it', async () => {
    const control = join(OUT, 'control.html');
    writeFileSync(control, '<!doctype html><p>control</p><img src="http://127.0.0.1:9/probe.png">');
    const { urls } = await openInChromium(control, ['--dump-dom']);
    expect(urls).toContain('http://127.0.0.1:9/probe.png');
  });

  it('renders the charts as SVG, requests nothing, and leaves a screenshot', async () => {
    const { input, report } = await renderRealisticReport();
    const page = join(OUT, 'report.html');
    writeFileSync(page, report.html);
    writeFileSync(join(OUT, 'report.md'), report.markdown);
    writeFileSync(join(OUT, 'metrics.json'), report.metricsJson);
    expect(report.html).not.toMatch(/\s(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);

    const { stdout: dom, urls } = await openInChromium(page, ['--dump-dom']);
    expect(urls.filter((u) => !u.startsWith('file:'))).toEqual([]);
    expect(dom).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    // Training curves: two charts, each with a line path per series (train, valid).
    for (const id of ['chart-loss', 'chart-accuracy']) {
      const figure = dom.slice(dom.indexOf(`id="${id}"`), dom.indexOf('</figure>', dom.indexOf(`id="${id}"`)));
      expect(figure).toContain('<svg');
      expect(figure.match(/class="mark-line role-mark[^"]*"[^>]*>\s*<path[^>]* d="M[^"]+"/g)).toHaveLength(2);
    }
    // Heatmap: one rect mark per cell; 2 expected classes x 3 predicted columns (ham, spam, and the malformed "sp").
    const heatmap = dom.slice(dom.indexOf('id="chart-confusion"'));
    const rectGroup = heatmap.slice(heatmap.indexOf('class="mark-rect role-mark'), heatmap.indexOf('</g>', heatmap.indexOf('class="mark-rect role-mark')));
    expect(input.metrics.confusion.labels).toEqual(['ham', 'spam', 'sp']);
    expect(rectGroup.match(/<path /g)).toHaveLength(6);
    expect(dom).toContain(String(input.metrics.confusion.matrix[0]![0]));
    expect(dom.match(/<tr><td class="num">\d+<\/td><td><code>/g)).toHaveLength(input.worst.length);

    const screenshot = join(OUT, 'report.png');
    rmSync(screenshot, { force: true });
    await openInChromium(page, [`--screenshot=${screenshot}`, '--window-size=1200,2000']);
    expect(readFileSync(screenshot).subarray(1, 4).toString()).toBe('PNG');
  });
});
