// `{name}` placeholders in the `run` and `serve` command lines and `serve_env`. Only known names are replaced;
// `{tunefile}`, a whole word, becomes this tunefile's CLI (node and its main script), so it needs no install on PATH.
import { TunefileError } from '../../errors.ts';

/** Values by placeholder name. */
export type Placeholders = Partial<Record<'config' | 'output_dir' | 'data_dir' | 'run_dir' | 'model' | 'adapter' | 'port' | 'served_model' | 'serve_config' | 'api_key', string>>;

/** Replaces `{name}` in one string; a known name without a value here is an error (it belongs to the other command). */
export function expandText(text: string, values: Placeholders, where: string): string {
  return text.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    if (!KNOWN.has(name)) return whole;
    const value = values[name as keyof Placeholders];
    if (value === undefined) throw new TunefileError('TUNEFILE_INVALID_PIPELINE', `provider.${where}: {${name}} has no value here`, { hint: `${where === 'run' ? 'run takes {config}, {output_dir}, {data_dir}, {run_dir}' : 'serve takes {model}, {adapter}, {port}, {served_model}, {serve_config}, {api_key}'} and {tunefile}` });
    return value;
  });
}

/** A command line with its placeholders replaced; `{tunefile}` as a whole word expands to `tunefile` (argv words). */
export function expandArgs(argv: readonly string[], values: Placeholders, tunefile: readonly string[], where = 'run'): string[] {
  return argv.flatMap((arg) => (arg === '{tunefile}' ? [...tunefile] : [expandText(arg, values, where)]));
}

const KNOWN = new Set(['config', 'output_dir', 'data_dir', 'run_dir', 'model', 'adapter', 'port', 'served_model', 'serve_config', 'api_key']);
