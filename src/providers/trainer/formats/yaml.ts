// YAML that the trainers' Python loaders read back as written: PyYAML and OmegaConf resolve YAML 1.1, where a
// plain `yes` is a boolean and `1e-5` (no dot) is a string, so strings are quoted and floats always carry a dot.
import { stringify, type ScalarTag, type Tags } from 'yaml';

/**
 * A number as YAML 1.1 reads a float: `0.0002`, `1.0e-7`, `1.5e+21`. JavaScript writes `1e-7`, which PyYAML (the
 * loader of LLaMA-Factory and axolotl) reads as the string "1e-7".
 */
export function yaml11Float(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return `${value}.0`;
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const mantissa = text.slice(0, e);
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}${text.slice(e)}`;
}

/** The plain float tag of a schema (not the exponent, NaN or sexagesimal variants). */
function isPlainFloat(tag: Tags[number]): tag is ScalarTag {
  return typeof tag === 'object' && tag.collection === undefined && tag.tag === 'tag:yaml.org,2002:float' && !tag.format;
}

/** The YAML 1.1 schema's tags, with the float tag writing yaml11Float. */
const customTags = (tags: Tags): Tags => tags.map((tag) => (isPlainFloat(tag) ? { ...tag, stringify: ({ value }) => yaml11Float(Number(value)) } : tag));

/**
 * A config file: `#` comment lines (`header`, each line prefixed), then `config` as YAML 1.1 in its own key order.
 * Deterministic: the same value gives the same bytes.
 */
export function renderYaml(header: string[], config: Record<string, unknown>): string {
  const comments = header.map((line) => (line === '' ? '#\n' : `# ${line}\n`)).join('');
  return comments + stringify(config, { version: '1.1', customTags, lineWidth: 0 });
}
