import fc from 'fast-check';
import type { FuzzCase } from './fuzz-case.ts';
import type { Route } from './routes.ts';
import { isUpload, takesBody, validBodyFor } from './valid-bodies.ts';

// What the fuzzer sends: path ids, query strings, headers and bodies, each a
// mix of the valid, the nearly valid and the absurd. Everything stays what an
// HTTP client can put on the wire (header values in visible ASCII); lies about
// Content-Length are the edge tests' business.

const visibleAscii = (opts: { minLength?: number; maxLength?: number } = {}) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), ...opts });

const IDS = ['{{file}}', '{{mistralFile}}', '{{otherFile}}', '{{adminFile}}', '{{job}}', '{{mistralJob}}', '{{otherJob}}', '{{model}}', '{{checkpoint}}', '{{baseModel}}', '{{project}}', '{{otherProject}}', 'proj_default', 'org-default', '{{webhookEndpoint}}'];

const TRICKY_SEGMENTS = [
  '..', '../..', '.', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%2f..%2f', '%00', '%', '%zz', '%E0%A4%A', '%C0%AE', 'a%2Fb', '%2F', '~',
  'file-', 'ftjob-', 'ftckpt_', 'ft:', 'ft:selftune-tiny:x:y:z', 'ft:{{baseModel}}:default::AAAAAAAA', '00000000-0000-0000-0000-000000000000',
  'file-zzzzzzzzzzzzzzzzzzzzzzzz', 'ftjob-{{mistralJob}}', '{{model}}:ckpt-step-1', '{{baseModel}}/..', 'selftune-tiny/../../etc',
];

/** One path segment, already percent-encoded where it must be. */
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...IDS) },
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_SEGMENTS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{90,400}$/) },
  { weight: 1, arbitrary: fc.constantFrom(...IDS).map((id) => `${id}${'x'.repeat(3)}`) },
);

/** Fills `:param` with a segment and `*` with one to three segments (model ids hold slashes). */
const pathFor = (route: Route) => {
  const params = route.path.match(/:\w+/g) ?? [];
  const wildcard = route.path.endsWith('*');
  return fc.tuple(fc.array(segment, { minLength: params.length, maxLength: params.length }), fc.array(segment, { minLength: 1, maxLength: 3 })).map(([values, rest]) => {
    let i = 0;
    const filled = route.path.replace(/:\w+/g, () => values[i++]!);
    return wildcard ? filled.replace(/\*$/, rest.join('/')) : filled;
  });
};

const QUERY_KEYS = [
  'limit', 'after', 'before', 'order', 'purpose', 'page', 'page_size', 'model', 'status', 'created_after', 'created_before', 'created_by_me',
  'wandb_project', 'wandb_name', 'suffix', 'metadata[team]', 'metadata', 'dry_run', 'expiry', 'merged', 'signature', 'expires', 'sample_type',
  'source', 'search', 'include_archived', 'project_ids', 'api_key_id',
];

const queryValue = fc.oneof(
  fc.constantFrom('', '0', '-1', '1', '10', '100', '101', '1e308', '9007199254740993', 'NaN', 'true', 'false', 'asc', 'desc', 'fine-tune', 'null', '[]', '{}'),
  fc.constantFrom(...IDS),
  fc.integer().map(String),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

const queryString = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 6, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 10 })), queryValue), { maxLength: 4 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '')) },
  { weight: 1, arbitrary: fc.constantFrom('?limit=%zz', '?after=%E0%A4%A', '?&&&=', '?limit', '?limit=1&limit=2', '?metadata[a][b]=c', '?__proto__=1', '?constructor[prototype][x]=1') },
);

const authorization = fc.oneof(
  { weight: 10, arbitrary: fc.constant('Bearer {{key}}') },
  { weight: 3, arbitrary: fc.constant('Bearer {{adminKey}}') },
  { weight: 1, arbitrary: fc.constantFrom('Bearer {{readerKey}}', 'Bearer {{otherKey}}') },
  { weight: 2, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'bearer {{key}}', 'Bearer  {{key}}', 'Bearer {{key}} extra', 'Token {{key}}', `Bearer ${'k'.repeat(5000)}`) },
  { weight: 1, arbitrary: visibleAscii({ maxLength: 80 }).map((s) => `Bearer ${s}`) },
);

const project = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constantFrom('{{project}}', '{{otherProject}}', 'proj_default', '', 'proj_', 'org-default') },
  { weight: 1, arbitrary: visibleAscii({ maxLength: 60 }) },
);

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/octet-stream', 'application/vnd.api+json', 'text/html; charset=utf-8'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path into a JSON value, the root included. */
function pathsOf(value: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  const here = [at];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => pathsOf(v, [...at, i])));
  if (value && typeof value === 'object') return here.concat(...Object.entries(value).map(([k, v]) => pathsOf(v, [...at, k])));
  return here;
}

/** Raw JSON text a JSON.stringify cannot produce, put in place by a marker. */
const RAW = ['1e400', '-1e400', '123456789012345678901234567890', '-0', '1.0e-400', '9007199254740993'];

const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), '', ' ', 'x'.repeat(10_000), [], {}, [[]], { '': null }, '__proto__', '{{file}}', '{{otherFile}}', '{{mistralJob}}', '{{model}}', '{{otherJob}}'),
  fc.constantFrom(...RAW).map((raw) => `@@RAW:${raw}@@`),
  fc.integer({ min: 50, max: 20_000 }).map((depth) => `@@DEEP:${depth}@@`),
);

const mutation = fc.record({ target: fc.nat(), op: fc.constantFrom('set', 'delete', 'add', 'wrap'), key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra', 'id', 'object'), fc.string({ maxLength: 12 })), value: replacement });

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(value: Json, mutations: Mutation[]): Json {
  let root = value;
  for (const m of mutations) {
    const paths = pathsOf(root);
    const path = paths[m.target % paths.length]!;
    const parent = path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, root) as Record<string | number, Json> | Json[] | undefined;
    const last = path.at(-1);
    const current = path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, root);
    const next: Json = m.op === 'wrap' ? [current] : structuredClone(m.value as Json); // constants are shared between cases
    if (m.op === 'add' && current && typeof current === 'object' && !Array.isArray(current)) {
      Object.defineProperty(current, m.key, { value: structuredClone(m.value), enumerable: true, configurable: true, writable: true });
    } else if (last === undefined) {
      if (m.op !== 'delete') root = next;
    } else if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete (parent as Record<string, Json>)[last];
    } else {
      (parent as Record<string | number, Json>)[last] = next;
    }
  }
  return root;
}

/** JSON text with the markers for raw numbers and deep nesting expanded. */
const jsonText = (value: Json) =>
  JSON.stringify(value)
    .replace(/"@@RAW:([^@]+)@@"/g, '$1')
    .replace(/"@@DEEP:(\d+)@@"/g, (_m, depth: string) => `${'['.repeat(Number(depth))}${']'.repeat(Number(depth))}`);

const jsonBody = (route: Route) => fc.oneof(
  { weight: 5, arbitrary: fc.array(mutation, { minLength: 0, maxLength: 3 }).map((ms) => jsonText(mutate(validBodyFor(route) as Json, ms))) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => jsonText(v as Json)) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', ' ', '{', '{"model": ', 'null', '[]', '"x"', '0', '{"a":1}{"b":2}', '\u0000', '{"__proto__": {"polluted": true}}')) },
);

const BOUNDARY = 'fuzzBoundary0123456789';

const fileContent = fc.oneof(
  fc.constant('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'.repeat(12)),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 12 }).map((lines) => lines.map((l) => JSON.stringify(l)).join('\n')),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom('', '\n', '{"text": "x"}', '{"text": "x"}\r\n{"text": "y"}', `${'['.repeat(200)}${']'.repeat(200)}\n`, `{"text": "${'y'.repeat(300_000)}"}\n`),
);

const filename = fc.oneof(fc.constantFrom('train.jsonl', 'data.txt', '../../../etc/passwd', '', '.jsonl', 'a"b.jsonl', 'C:\\x\\y.jsonl', `${'n'.repeat(300)}.jsonl`), fc.string({ unit: 'grapheme', maxLength: 30 }));

const part = fc.oneof(
  fc.record({ kind: fc.constant('purpose' as const), value: fc.oneof(fc.constantFrom('fine-tune', 'batch', 'assistants', 'vision', '', 'fine-tune\r\n'), fc.string({ maxLength: 20 })) }),
  fc.record({ kind: fc.constant('file' as const), name: filename, content: fileContent, type: fc.constantFrom('application/octet-stream', 'application/jsonl', 'text/plain', '') }),
  fc.record({ kind: fc.constant('field' as const), name: fc.oneof(fc.constantFrom('file', 'purpose', 'expires_after[anchor]', 'expires_after[seconds]', 'extra'), fc.string({ maxLength: 12 })), value: fc.string({ maxLength: 40 }) }),
);

type Part = typeof part extends fc.Arbitrary<infer P> ? P : never;

const quoted = (s: string) => s.replace(/["\r\n]/g, (c) => encodeURIComponent(c));

/** `fileField`: the name the route reads its file part from (`file`; an upload's part: `data`). */
function multipartText(parts: Part[], closed: boolean, fileField: string): string {
  const pieces = parts.map((p) => {
    if (p.kind === 'file') {
      return `Content-Disposition: form-data; name="${fileField}"; filename="${quoted(p.name)}"\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n${p.content}`;
    }
    const name = p.kind === 'purpose' ? 'purpose' : quoted(p.name);
    return `Content-Disposition: form-data; name="${name}"\r\n\r\n${p.value}`;
  });
  return pieces.map((p) => `--${BOUNDARY}\r\n${p}\r\n`).join('') + (closed ? `--${BOUNDARY}--\r\n` : '');
}

/** A multipart upload: usually a purpose and a file part, sometimes parts missing, repeated, extra or cut short. */
const multipartBody = (fileField: string) => fc.oneof(
  { weight: 4, arbitrary: fc.tuple(part.filter((p) => p.kind === 'purpose'), part.filter((p) => p.kind === 'file')).map((parts) => multipartText(parts, true, fileField)) },
  { weight: 3, arbitrary: fc.tuple(fc.array(part, { maxLength: 4 }), fc.boolean()).map(([parts, closed]) => multipartText(parts, closed, fileField)) },
);

const MULTIPART_TYPES = [`multipart/form-data; boundary=${BOUNDARY}`, `multipart/form-data; boundary="${BOUNDARY}"`, 'multipart/form-data', 'multipart/form-data; boundary=other', 'application/json'];

/** A request body with its content type; absent for about one request in five. */
const bodyFor = (route: Route): fc.Arbitrary<{ body?: string; contentType?: string }> => {
  if (!takesBody(route)) {
    return fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.record({ body: jsonBody(route), contentType: fc.constantFrom(...JSON_TYPES) }) });
  }
  const json = fc.record({ body: jsonBody(route), contentType: fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom(...JSON_TYPES) }) });
  const multipart = fc.record({ body: multipartBody(/\/parts$/.test(route.path) ? 'data' : 'file'), contentType: fc.oneof({ weight: 6, arbitrary: fc.constant(MULTIPART_TYPES[0]!) }, { weight: 1, arbitrary: fc.constantFrom(...MULTIPART_TYPES) }) });
  return fc.oneof({ weight: 1, arbitrary: fc.constant({}) }, { weight: 4, arbitrary: isUpload(route) ? multipart : json });
};

/** Fuzz cases for one route. */
export function casesFor(route: Route): fc.Arbitrary<FuzzCase> {
  return fc.record({ path: pathFor(route), query: queryString, authorization, project, body: bodyFor(route), accept: fc.constantFrom(undefined, 'text/event-stream', '*/*', 'application/xml') })
    .map(({ path, query, authorization: auth, project: proj, body, accept }) => {
      const headers: Record<string, string> = {};
      if (auth) headers['authorization'] = auth;
      if (proj !== undefined) headers['openai-project'] = proj;
      if (accept) headers['accept'] = accept;
      if (body.contentType) headers['content-type'] = body.contentType;
      return { method: route.method, path: `${path}${query}`, headers, ...(body.body === undefined ? {} : { body: body.body }) };
    });
}
