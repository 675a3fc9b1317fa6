// The tokencheck failure rules, applied to a finished report.
import type { SplitScan, TokenCheckOptions, TokenReport } from './check.ts';
import { formatUsd } from '../../tokens/prices.ts';

const SHOW = 10;

/** Label as shown in messages: the completion without surrounding whitespace. */
function show(label: string): string {
  return `'${label.trim()}'`;
}

/** Fills report.failures and report.warnings. */
export function findTokenFailures(report: TokenReport, train: SplitScan, valid: SplitScan | undefined, o: TokenCheckOptions): void {
  const { failures, warnings } = report;
  const n = train.counts.length;
  if (n < o.min_train_examples) failures.push(`only ${n} training example(s); at least ${o.min_train_examples} are needed`);
  for (const [error, e] of Object.entries(report.chat_format_errors)) {
    failures.push(`chat format: ${error} in ${e.count} example(s) (${e.rows.join(', ')})`);
  }
  if (report.over_limit.length > 0) {
    const rows = report.over_limit.slice(0, SHOW).map((r) => `${r.row} (${r.tokens.toLocaleString('en-US')} tokens)`);
    failures.push(`${report.over_limit.length} example(s) exceed the ${report.context_limit.toLocaleString('en-US')}-token limit of ${report.model}: ${rows.join(', ')}`);
  }
  if (report.classes) {
    // One distinct completion is nothing to tell apart: usually `completion:` names the wrong field, or a filter kept one class.
    if (report.classes.length === 1) {
      failures.push(`the data has only one class (${show(report.classes[0]!.label)} in all ${n} training examples), so there is nothing to classify; check that load's \`completion\` names the label field and that the data holds every class`);
    }
    checkFirstTokens(report, o.distinct_first_token);
    const missing = report.classes.filter((c) => c.valid === 0);
    if (valid && missing.length > 0) {
      failures.push(`${missing.length} class(es) are absent from valid: ${missing.slice(0, SHOW).map((c) => show(c.label)).join(', ')}`);
    }
    if (valid) {
      const extra = [...valid.labels.keys()].filter((l) => !train.labels.has(l));
      if (extra.length > 0) warnings.push(`${extra.length} class(es) in valid never occur in train: ${extra.slice(0, SHOW).map(show).join(', ')}`);
    }
    const completionModel = /^(ft:)?(babbage|davinci)/.test(report.model);
    const noSpace = report.classes.filter((c) => completionModel && !/^\s/.test(c.label) && train.chat === 0);
    if (noSpace.length > 0) warnings.push(`${noSpace.length} class(es) have no leading space (${noSpace.slice(0, 3).map((c) => show(c.label)).join(', ')}); the suffix stage adds one`);
  }
  const cost = report.estimate.cost_usd;
  if (o.max_cost_usd !== undefined) {
    if (cost === null) warnings.push(`no price known for ${report.model}, so max_cost_usd cannot be checked; add it to config \`prices\``);
    else if (cost > o.max_cost_usd) {
      failures.push(`estimated training cost ${formatUsd(cost)} exceeds max_cost_usd ${formatUsd(o.max_cost_usd)} (${report.estimate.billed_tokens.toLocaleString('en-US')} billed tokens, ${report.estimate.n_epochs} epochs)`);
    }
  }
}

/** Classes sharing a first token, named with the token (a failure unless the rule is off). */
function checkFirstTokens(report: TokenReport, enforce: boolean): void {
  const byToken = new Map<number, string[]>();
  for (const c of report.classes!) {
    const list = byToken.get(c.first_token_id) ?? [];
    list.push(c.label);
    byToken.set(c.first_token_id, list);
  }
  const clashes = [...byToken.entries()].filter(([, labels]) => labels.length > 1);
  if (clashes.length === 0) return;
  const lines = clashes.map(([, labels]) => {
    const token = report.classes!.find((c) => c.label === labels[0])!.first_token;
    const names = labels.map(show);
    return `${names.length === 2 ? names.join(' and ') : names.slice(0, -1).join(', ') + ' and ' + names.at(-1)} share the first token ${JSON.stringify(token).replace(/^"|"$/g, "'")}`;
  });
  const total = clashes.reduce((a, [, l]) => a + l.length, 0);
  const message = `${total} classes share a first token with another class, so a 1-token prediction cannot tell them apart: ${lines.slice(0, SHOW).join('; ')}${lines.length > SHOW ? `; and ${lines.length - SHOW} more` : ''}`;
  (enforce ? report.failures : report.warnings).push(message);
}
