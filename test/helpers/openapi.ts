// Checks HTTP exchanges against a vendor's published OpenAPI document (a fixture cut by scripts/extract-specs.ts):
// the operation is one the document declares, the body validates against its schema with ajv (required fields,
// enums and types strictly), and every field the body carries is one the schema names, unless the reviewed
// allow-list (test/contract/allow-list.json) says otherwise.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'specs');

interface Operation {
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

export interface Exchange {
  method: string;
  /** Path below the API's base (`/files/file-abc`), without the query. */
  path: string;
  status: number;
  contentType: string;
  /** The parsed JSON body, or for an event stream the parsed `data:` chunks. */
  body: unknown;
  requestContentType?: string;
  requestBody?: unknown;
}

type Schema = Record<string, unknown>;

/** One API's entries in test/contract/allow-list.json: reviewed departures from its document, each with its reason. */
export interface AllowList {
  /** `Schema.field` the server may send although the schema does not name it. */
  fields?: Record<string, string>;
  /** `Schema.field[].field` the server may send as null although the schema does not allow it. */
  nullable?: Record<string, string>;
  /** `Schema.field=value`: a value the server may send although the field's enum does not list it. */
  enums?: Record<string, string>;
}

/**
 * The place of the field at `path` (`Schema.a[].b`: a `[]` steps into a field's items) in the document, as the object
 * holding it and its key there. Every `$ref` on the way below the named schema is replaced by a copy of its target,
 * so what is changed there changes only this path, not every schema that shares the target. Fields are found through
 * `allOf`. Throws when the path names nothing.
 */
function locate(schemas: Record<string, Schema>, path: string): { holder: Schema; key: string } {
  const own = (holder: Schema, key: string): Schema | undefined => {
    const node = holder[key] as Schema | undefined;
    if (typeof node?.$ref !== 'string') return node;
    const copy = structuredClone(schemas[(node.$ref as string).split('/').at(-1)!]);
    holder[key] = copy;
    return copy;
  };
  const [root, ...fields] = path.split('.');
  let holder: Schema = schemas;
  let key = root!;
  for (const f of fields) {
    const name = f.replace(/\[\]$/, '');
    const node = holder === schemas ? schemas[key] : own(holder, key);
    const allOf = (node?.allOf as Schema[] | undefined) ?? [];
    const owners = [node, ...allOf.map((_, i) => own(allOf as unknown as Schema, String(i)))];
    const properties = owners.map((o) => o?.properties as Schema | undefined).find((p) => p && name in p);
    if (!properties) throw new Error(`allow-list: ${path} names no field of the document`);
    holder = properties;
    key = name;
    if (f.endsWith('[]')) {
      const list = own(holder, key);
      if (!list?.items) throw new Error(`allow-list: ${path}: ${name} is not a list`);
      holder = list;
      key = 'items';
    }
  }
  if (fields.length === 0 || !holder[key]) throw new Error(`allow-list: ${path} names no field of the document`);
  return { holder, key };
}

/** Lets the field at `path` be null, in the document itself. */
function allowNull(schemas: Record<string, Schema>, path: string): void {
  const { holder, key } = locate(schemas, path);
  holder[key] = { anyOf: [holder[key], { type: 'null' }] };
}

/** Adds `value` to the enum of the field at `path` (`Schema.field=value`), in the document itself. */
function allowEnumValue(schemas: Record<string, Schema>, entry: string): void {
  const at = entry.lastIndexOf('=');
  const { holder, key } = locate(schemas, entry.slice(0, at));
  const field = holder[key] as Schema;
  const target = typeof field.$ref === 'string' ? structuredClone(schemas[(field.$ref as string).split('/').at(-1)!]!) : field;
  if (!Array.isArray(target.enum)) throw new Error(`allow-list: ${entry}: the field has no enum`);
  target.enum = [...(target.enum as unknown[]), entry.slice(at + 1)];
  holder[key] = target;
}

export class Contract {
  readonly name: string;
  private readonly doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; pattern: RegExp }>;
  private readonly allowed: Set<string>;

  constructor(name: string, allowList: AllowList = {}) {
    this.name = name;
    this.doc = normalize(JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'))) as Contract['doc'];
    for (const field of Object.keys(allowList.nullable ?? {})) allowNull(this.doc.components.schemas, field);
    for (const entry of Object.keys(allowList.enums ?? {})) allowEnumValue(this.doc.components.schemas, entry);
    // strict: false only for the document's own keywords (discriminator, x-oai*, deprecated, example); ajv still
    // enforces required, enum, type and the rest of JSON Schema.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema({ $id: 'spec', components: this.doc.components }, 'spec');
    this.templates = Object.keys(this.doc.paths).map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
    this.allowed = new Set(Object.keys(allowList.fields ?? {}));
  }

  /** Every operation of the document, as `METHOD /template`. */
  operations(): string[] {
    const methods = ['get', 'post', 'put', 'patch', 'delete'];
    return Object.entries(this.doc.paths).flatMap(([template, ops]) => Object.keys(ops).filter((m) => methods.includes(m)).map((m) => `${m.toUpperCase()} ${template}`));
  }

  /** The operation a method and path name, or undefined when the document has none. */
  operation(method: string, path: string): { template: string; op: Operation } | undefined {
    const found = this.templates.filter((t) => t.pattern.test(path));
    // The most specific template: fewest parameters (`/models/{model}` loses to a literal path of the same shape).
    found.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
    for (const { template } of found) {
      const op = this.doc.paths[template]?.[method.toLowerCase()];
      if (op) return { template, op };
    }
    return undefined;
  }

  /** What is wrong with one exchange (empty when it conforms). */
  problems(x: Exchange): string[] {
    const where = `${x.method} ${x.path} ${x.status}`;
    const found = this.operation(x.method, x.path);
    if (!found) return [`${where}: no such operation in the ${this.name} document`];
    const out: string[] = [];
    const requestType = ['application/json', 'multipart/form-data'].find((t) => x.requestContentType?.startsWith(t));
    if (x.requestBody !== undefined && requestType) {
      const schema = found.op.requestBody?.content?.[requestType]?.schema as Schema | undefined;
      if (!schema) out.push(`${where}: the document declares no ${requestType} request body`);
      else out.push(...this.check(schema, x.requestBody, `${where} request`));
    }
    const schema = this.responseSchema(found.op, x);
    if (!schema) return [...out, `${where}: the document declares no ${x.contentType} response for status ${x.status}`];
    const chunks = x.contentType.startsWith('text/event-stream') ? (x.body as unknown[]) : [x.body];
    chunks.forEach((chunk, i) => out.push(...this.check(schema, chunk, chunks.length > 1 || x.contentType.startsWith('text/event-stream') ? `${where} chunk ${i}` : where)));
    return out;
  }

  private responseSchema(op: Operation, x: Exchange): Schema | undefined {
    const content = op.responses?.[String(x.status)]?.content ?? {};
    const type = x.contentType.split(';')[0]!.trim();
    // An error the operation does not declare has the document's error shape (Together: ErrorData; OpenAI, which has none: ErrorResponse).
    if (x.status >= 400 && !content[type]?.schema) {
      const name = ['ErrorData', 'ErrorResponse'].find((n) => n in this.doc.components.schemas);
      return name ? { $ref: `#/components/schemas/${name}` } : undefined;
    }
    const declared = content[type]?.schema as Schema | undefined;
    // OpenAI declares no event-stream schema for legacy completions: its chunks are completion objects.
    if (!declared && type === 'text/event-stream') return content['application/json']?.schema as Schema | undefined;
    // File content is declared as a JSON string; what is served is the file's own bytes, whatever their type.
    const json = content['application/json']?.schema as Schema | undefined;
    if (!declared && json?.type === 'string' && typeof x.body === 'string') return json;
    return declared;
  }

  private check(schema: Schema, value: unknown, where: string): string[] {
    const validate = this.validator(schema);
    const out: string[] = [];
    if (!validate(value)) out.push(...(validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`));
    out.push(...this.unknownFields(schema, value, '').map((f) => `${where}: ${f} is not in the document's schema (add it to the allow-list if reviewed)`));
    return out;
  }

  /** The compiled validator of a schema (compiled once per distinct schema). */
  private validator(schema: Schema): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(this.rebase(schema) as Schema);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  /** A schema whose `#/components/...` refs point into the registered document. */
  private rebase(schema: unknown): unknown {
    return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spec#/components/'));
  }

  private resolve(schema: Schema): Schema {
    let s = schema;
    for (let i = 0; typeof s.$ref === 'string' && i < 32; i++) {
      const name = /^#\/components\/schemas\/(.+)$/.exec(s.$ref as string)?.[1];
      s = (name && this.doc.components.schemas[name]) || {};
    }
    return s;
  }

  /** Whether `value` validates against one alternative (anyOf/oneOf branch). */
  private fits(schema: Schema, value: unknown): boolean {
    return this.validator(schema)(value) as boolean;
  }

  /**
   * Fields present in `value` that its schema does not name (through allOf, nested too, and the anyOf/oneOf branches the value
   * fits). Objects whose schema allows any property (additionalProperties, or no properties at all) are not walked.
   */
  private unknownFields(schema: Schema, value: unknown, at: string, name = this.nameOf(schema)): string[] {
    const s = this.resolve(schema);
    const branches = this.withAllOf(s);
    for (const alt of [...((s.anyOf as Schema[] | undefined) ?? []), ...((s.oneOf as Schema[] | undefined) ?? [])]) {
      if (this.fits(alt, value)) branches.push(...this.withAllOf(this.resolve(alt)));
    }
    if (Array.isArray(value)) {
      const items = branches.map((b) => b.items as Schema | undefined).find(Boolean);
      return items ? value.flatMap((v, i) => this.unknownFields(items, v, `${at}[${i}]`)) : [];
    }
    if (value === null || typeof value !== 'object') return [];
    const properties = new Map<string, Schema>();
    let open = false;
    for (const b of branches) {
      for (const [k, v] of Object.entries((b.properties as Record<string, Schema> | undefined) ?? {})) if (!properties.has(k)) properties.set(k, v);
      if (b.additionalProperties !== undefined && b.additionalProperties !== false) open = true;
    }
    if (properties.size === 0) return [];
    const out: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      const field = at ? `${at}.${k}` : k;
      const sub = properties.get(k);
      if (!sub) {
        if (!open && !this.allowed.has(`${name}.${k}`)) out.push(`${name}: ${field}`);
        continue;
      }
      out.push(...this.unknownFields(sub, v, field));
    }
    return out;
  }

  /** A schema and every schema its `allOf` reaches, through nested `allOf`s. */
  private withAllOf(s: Schema): Schema[] {
    return [s, ...((s.allOf as Schema[] | undefined) ?? []).flatMap((b) => this.withAllOf(this.resolve(b)))];
  }

  private nameOf(schema: Schema): string {
    return typeof schema.$ref === 'string' ? (schema.$ref as string).split('/').at(-1)! : '(inline)';
  }
}

/**
 * The document's OpenAPI 3.0 leftovers in 3.1 (JSON Schema 2020-12) terms, which ajv requires: a boolean
 * `exclusiveMinimum`/`exclusiveMaximum` beside `minimum`/`maximum` becomes the number, and `nullable: true` adds null
 * to `type` and `enum` (or, without a type, allows null beside the schema). Nothing else is changed.
 */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object') return value;
  const out: Schema = {};
  for (const [k, v] of Object.entries(value)) out[k] = normalize(v);
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] === true && typeof out[bound] === 'number') out[flag] = out[bound];
    else delete out[flag];
    if (typeof out[flag] === 'number') delete out[bound];
  }
  if (!('nullable' in out)) return out;
  const { nullable, ...rest } = out;
  if (nullable !== true) return rest;
  // As OpenAPI 3.0.3 reads `nullable`: null is allowed whatever `enum` lists.
  if (Array.isArray(rest.enum) && !rest.enum.includes(null)) rest.enum = [...(rest.enum as unknown[]), null];
  if (typeof rest.type === 'string') return { ...rest, type: [rest.type, 'null'] };
  return { anyOf: [rest, { type: 'null' }] };
}

/** A fetch for the SDKs that records every exchange with the API under `base` (request and response bodies parsed), passing bodies through. */
export function recordingFetch(base: string, exchanges: Exchange[], next: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    // The SDK also fetches a `data:` URL to probe FormData support: only the API's own requests are exchanges.
    if (!request.url.startsWith(base)) return next(request);
    const requestContentType = request.headers.get('content-type') ?? '';
    const requestText = /^(application\/json|multipart\/form-data)/.test(requestContentType) ? await request.clone().text() : undefined;
    const response = await next(request);
    const path = new URL(request.url).pathname.slice(new URL(base).pathname.replace(/\/$/, '').length);
    exchanges.push(toExchange({ method: request.method, path, status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.clone().text(), requestContentType, requestText }));
    return response;
  };
}

/** An exchange from its raw parts: JSON bodies parsed, an event stream split into its `data:` chunks. */
export function toExchange(raw: { method: string; path: string; status: number; contentType: string; text: string; requestContentType: string; requestText?: string | undefined }): Exchange {
  let body: unknown = raw.text;
  if (raw.contentType.startsWith('application/json')) body = JSON.parse(raw.text);
  else if (raw.contentType.startsWith('text/event-stream')) {
    body = raw.text.split('\n\n').map((e) => e.replace(/^data: /, '')).filter((d) => d !== '' && d !== '[DONE]').map((d) => JSON.parse(d) as unknown);
  }
  const sent = raw.requestText ? requestBody(raw.requestContentType, raw.requestText) : undefined;
  return { method: raw.method, path: raw.path, status: raw.status, contentType: raw.contentType, body, ...(sent !== undefined ? { requestContentType: raw.requestContentType, requestBody: sent } : {}) };
}

/** A JSON request body parsed, or a multipart one as its fields (a file part as its file name); undefined for any other type. */
function requestBody(contentType: string, text: string): unknown {
  if (contentType.startsWith('application/json')) return JSON.parse(text) as unknown;
  const boundary = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return undefined;
  const fields: Record<string, string> = {};
  for (const part of text.split(`--${boundary}`).slice(1, -1)) {
    const [head = '', ...rest] = part.replace(/^\r\n/, '').split('\r\n\r\n');
    const name = /name="([^"]*)"/.exec(head)?.[1];
    if (name === undefined) throw new Error(`a multipart part without a name: ${head}`);
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    fields[name] = filename !== undefined ? filename : rest.join('\r\n\r\n').replace(/\r\n$/, '');
  }
  return fields;
}
