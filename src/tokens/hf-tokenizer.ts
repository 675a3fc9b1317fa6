// A Hugging Face tokenizer: tokenizer.json read by @huggingface/tokenizers (pure JS), and the model's chat template
// (tokenizer_config.json's `chat_template`, or chat_template.jinja) rendered by @huggingface/jinja. Open models'
// tokens are counted with it, as their own trainer and server tokenize.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { DataError } from '../errors.ts';
import { digest, digestText } from './text-digest.ts';

/** The files of a Hugging Face tokenizer (absolute paths). */
export interface HfTokenizerFiles {
  /** tokenizer.json: vocabulary, merges, pre-tokenizer, added tokens. */
  tokenizer: string;
  /** tokenizer_config.json: special tokens and (usually) the chat template. */
  config?: string;
  /** chat_template.jinja: the chat template, in newer model folders (it wins over the config's). */
  template?: string;
}

/** What identifies a tokenizer in reports and lock entries: a name and the sha256 of each file it was read from. */
export interface HfTokenizerInfo {
  /** The Hub repository, or the path as the pipeline gives it. */
  name: string;
  /** File name (tokenizer.json, ...) -> sha256 of its bytes. */
  files: Record<string, string>;
  /** Where the chat template came from, or null when the tokenizer has none. */
  chat_template: string | null;
}

/** A chat message as a template sees it. */
export type TemplateMessage = Record<string, unknown>;

/** The library's version enters the count cache's identity: another version could split some text differently. */
const LIBRARY = readLibraryVersion();

function readLibraryVersion(): string {
  try {
    const pkg = new URL('../package.json', import.meta.resolve('@huggingface/tokenizers'));
    return String((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version);
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

/**
 * Templates that print today's date (Llama 3.1+) read it from `date_string` when it is defined: it is Llama's own
 * default day, so that counts do not change from one day to the next.
 */
const TEMPLATE_DATE = '26 Jul 2024';

/** A special token of tokenizer_config.json as text (it is a string, or an AddedToken object with `content`). */
function specialText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

const SPECIAL_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];

/** A Hugging Face tokenizer and its chat template; `encodeOrdinary` and `decode` as the tiktoken encoder has them. */
export class HfTokenizer {
  /** The Hub repository, or the path as the pipeline gives it: for messages, reports and the labels artifact. */
  readonly name: string;
  /** `hf:<sha256 of the files and the library version, 16 hex digits>`: the count cache's identity. */
  readonly id: string;
  /** A digest word of `id`, as a BPE encoder's fingerprint. */
  readonly fingerprint: number;
  readonly info: HfTokenizerInfo;
  private readonly tokenizer: Tokenizer;
  private readonly template: Template | undefined;
  /** The special tokens templates read (`bos_token`, `eos_token`, ...). */
  private readonly specials: Record<string, string>;
  private readonly additional: string[];

  /** Reads and builds a tokenizer from its files; throws DataError naming the file when one cannot be used. */
  static load(name: string, files: HfTokenizerFiles): HfTokenizer {
    const hashes: Record<string, string> = {};
    const read = (path: string) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch (error) {
        throw new DataError(`tokenizer ${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
      }
      hashes[basename(path)] = createHash('sha256').update(bytes).digest('hex');
      return bytes.toString('utf8');
    };
    const parse = (path: string, text: string) => {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch (error) {
        throw new DataError(`tokenizer ${name}: ${path} is not valid JSON (${(error as Error).message})`, { cause: error });
      }
    };
    const tokenizerJson = parse(files.tokenizer, read(files.tokenizer));
    const config = files.config ? parse(files.config, read(files.config)) : {};
    const templateFile = files.template ? read(files.template) : undefined;
    return new HfTokenizer(name, files, tokenizerJson, config, templateFile, hashes);
  }

  private constructor(name: string, files: HfTokenizerFiles, json: Record<string, unknown>, config: Record<string, unknown>, templateFile: string | undefined, hashes: Record<string, string>) {
    this.name = name;
    try {
      this.tokenizer = new Tokenizer(json, config);
    } catch (error) {
      throw new DataError(`tokenizer ${name}: ${files.tokenizer} is not a tokenizer @huggingface/tokenizers can read (${(error as Error).message})`, { cause: error });
    }
    const source = templateFile !== undefined ? templateFile : chatTemplateOf(config);
    const from = templateFile !== undefined ? basename(files.template!) : source === undefined ? null : basename(files.config!);
    try {
      this.template = source === undefined ? undefined : new Template(source);
    } catch (error) {
      throw new DataError(`tokenizer ${name}: the chat template in ${from} cannot be parsed (${(error as Error).message})`, { cause: error });
    }
    this.specials = {};
    for (const key of SPECIAL_KEYS) {
      const text = specialText(config[key]);
      if (text !== undefined) this.specials[key] = text;
    }
    this.additional = Array.isArray(config.additional_special_tokens) ? config.additional_special_tokens.map(specialText).filter((t): t is string => t !== undefined) : [];
    const sorted = Object.fromEntries(Object.entries(hashes).sort(([a], [b]) => (a < b ? -1 : 1)));
    this.info = { name, files: sorted, chat_template: from };
    const id = createHash('sha256').update(JSON.stringify({ files: sorted, library: LIBRARY })).digest('hex').slice(0, 16);
    this.id = `hf:${id}`;
    digestText(this.id);
    this.fingerprint = digest[0]!;
  }

  /** Whether the tokenizer has a chat template. */
  get hasChatTemplate(): boolean {
    return this.template !== undefined;
  }

  /**
   * Token ids of a text as `tokenizer.encode(text, add_special_tokens=False)` gives them: no BOS or EOS added, and
   * added tokens written in the text (`<|im_start|>`) are the one token they stand for, as in the rendered template.
   */
  encodeOrdinary(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** The text of token ids, exactly (no clean-up of spaces; a lone byte of a character decodes as U+FFFD). */
  decode(ids: ArrayLike<number>): string {
    return this.tokenizer.decode(Array.from(ids), { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  /**
   * The conversation as the model sees it in training: the chat template rendered over the messages, without a
   * generation prompt, as transformers' `apply_chat_template(messages, tokenize=False)` does.
   * @throws DataError when the tokenizer has no template, or the template refuses the conversation (raise_exception).
   */
  renderChat(messages: TemplateMessage[], extra: { tools?: unknown } = {}): string {
    if (!this.template) {
      throw new DataError(`tokenizer ${this.name} has no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja), so chat examples cannot be counted`, {
        hint: 'point `tokenizer:` at the folder of the instruct model (with its tokenizer_config.json), or set `format: prompt-completion`',
      });
    }
    return this.template.render({
      ...this.specials, additional_special_tokens: this.additional, messages, add_generation_prompt: false,
      ...(extra.tools === undefined ? {} : { tools: extra.tools }),
      date_string: TEMPLATE_DATE,
    });
  }
}

/** The chat template of a tokenizer_config.json: a string, or a list of named templates (the `default` one). */
function chatTemplateOf(config: Record<string, unknown>): string | undefined {
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: unknown; template?: unknown }[];
    const chosen = named.find((x) => x?.name === 'default') ?? named[0];
    return typeof chosen?.template === 'string' ? chosen.template : undefined;
  }
  return undefined;
}

const loaded = new Map<string, HfTokenizer>();

/**
 * The tokenizer of these files, built once per process while they are unchanged (size and mtime): suffix and
 * tokencheck of one run share it (building one takes about half a second).
 */
export function loadHfTokenizer(name: string, files: HfTokenizerFiles): HfTokenizer {
  const stamp = (path: string | undefined) => {
    const s = path === undefined ? undefined : statSync(path, { throwIfNoEntry: false });
    return s ? [path, s.size, s.mtimeMs] : [path];
  };
  const key = JSON.stringify([name, stamp(files.tokenizer), stamp(files.config), stamp(files.template)]);
  let tokenizer = loaded.get(key);
  if (!tokenizer) loaded.set(key, (tokenizer = HfTokenizer.load(name, files)));
  return tokenizer;
}
