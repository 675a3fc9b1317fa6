// The files `tunefile init` writes, as text: the pipeline, the project config, and the sample data's README.

/** pipeline.yaml: the sample pipeline, runnable offline on the local provider. */
export function renderPipeline(schemaRef: string): string {
  return `# yaml-language-server: $schema=${schemaRef}
# A tunefile pipeline: raw labelled data -> fine-tuned model -> evaluation report.
# \`tunefile run\` trains offline on the embedded local provider and writes reports/sms-spam/report.html.
# To train on OpenAI instead, set \`provider: openai\` and export OPENAI_API_KEY (keys never go in this file).
version: 1
name: sms-spam
provider: local
model: babbage-002          # prompt/completion model; chat models such as gpt-4o-mini work too
params:
  seed: 42

stages:
  load:
    with:
      path: data/sms-spam-sample.tsv
      format: tsv
      quote: false            # some messages contain a bare "
      prompt: SMS
      completion: Label
  dedupe:
    with: { on: prompt }
  suffix:
    with: { prompt: "\\n\\n###\\n\\n", completion: "\\n", leading_space: true }
  split:
    with: { valid: 0.2, seed: "\${params.seed}", stratify: true }
  tokencheck: {}
  upload: {}
  train:
    with: { n_epochs: 4, seed: "\${params.seed}" }
  evaluate:
    with: { max_tokens: 1, report: reports/sms-spam }
`;
}

/** tunefile.config.json: marks the folder as the project root and sets a spending ceiling. */
export function renderConfig(schemaRef: string): string {
  return JSON.stringify({ $schema: schemaRef, pipeline: 'pipeline.yaml', max_cost_usd: 5 }, null, 2) + '\n';
}

/** data/README.md: where the sample comes from, and its licence. */
export function renderDataReadme(rows: number, spam: number): string {
  return `# Sample data

\`sms-spam-sample.tsv\` holds the first ${rows.toLocaleString('en-US')} messages (${spam} spam) of the
SMS Spam Collection v.1, unchanged: a header line \`Label<TAB>SMS\`, then one message per line.

Source: Tiago A. Almeida and José María Gómez Hidalgo, UCI Machine Learning Repository,
https://archive.ics.uci.edu/dataset/228/sms+spam+collection

Licence: Creative Commons Attribution 4.0 International (CC BY 4.0), https://creativecommons.org/licenses/by/4.0/
`;
}

/** Lines `tunefile init` makes sure .gitignore has. */
export const GITIGNORE_LINES = ['.tunefile/'];
