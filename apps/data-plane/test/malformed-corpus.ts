import { instanceOf } from './cache-support.ts';
import { demo } from './stack.ts';

// The malformed-request corpus for both protocols (malformed.int.test.ts sends it): wrong types,
// missing and extra fields, NaN, huge arrays, deep nesting, prototype keys, invalid UTF-8, wrong
// content types, empty bodies. Each case names the status and error code it must get.

export const recs = demo('recs', '2.0.0');
export const good = instanceOf(recs, [120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2]);
export const goodTensor = {
  name: 'features',
  shape: [1, 8],
  datatype: 'FP32',
  data: [120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2],
};

export const V1 = '/v1/models/recs:predict';
export const V2 = '/v2/models/recs/infer';
type Body = string | Uint8Array;
export interface Case {
  name: string;
  body: Body;
  status: number;
  code: string;
  /** Matched against the message (/v1) or the error string after "CODE: " (/v2). */
  message?: RegExp;
  contentType?: string | null;
}

const json = (value: unknown) => JSON.stringify(value);
const deep = (depth: number) => `{"instances": ${'['.repeat(depth)}1${']'.repeat(depth)}}`;

/** Malformed whatever the route: transport, encoding and structural limits. */
const common = (route: string, valid: string): Case[] => [
  {
    name: 'a text/plain body',
    body: valid,
    contentType: 'text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a form body',
    body: 'a=1',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  { name: 'no content type', body: valid, contentType: null, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  {
    name: 'a non-UTF-8 charset',
    body: valid,
    contentType: 'application/json; charset=latin1',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  { name: 'an empty body', body: '', status: 400, code: 'BAD_REQUEST', message: /empty/ },
  {
    name: 'truncated JSON',
    body: valid.slice(0, -3),
    status: 400,
    code: 'BAD_REQUEST',
    message: /not valid JSON/,
  },
  {
    name: 'a NaN literal',
    body: valid.replace(/\d+(\.\d+)?/, 'NaN'),
    status: 400,
    code: 'BAD_REQUEST',
    message: /not valid JSON/,
  },
  {
    name: 'invalid UTF-8',
    body: Buffer.concat([Buffer.from('{"id": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    status: 400,
    code: 'BAD_REQUEST',
    message: /UTF-8/,
  },
  { name: 'a JSON list', body: '[1, 2]', status: 400, code: 'BAD_REQUEST', message: /JSON object/ },
  { name: 'JSON null', body: 'null', status: 400, code: 'BAD_REQUEST', message: /JSON object/ },
  {
    name: '1e400 (Infinity)',
    body: valid.replace(/\d+(\.\d+)?/, '1e400'),
    status: 400,
    code: 'INVALID_INPUT',
    message: /must be a finite number/,
  },
  {
    name: '100000 levels of nesting',
    body: deep(100_000),
    status: 400,
    code: 'INVALID_INPUT',
    message: /nested deeper than 32 levels/,
  },
  {
    name: 'a huge array',
    body: json({ inputs: new Array(100_000).fill(0) }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /list longer than 65536/,
  },
  {
    name: 'a huge string',
    body: json({ id: 'x'.repeat(100_000) }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /string longer than 65536/,
  },
  {
    name: 'a __proto__ key',
    body: valid.replace('{', '{"__proto__": {"polluted": true}, '),
    status: 400,
    code: 'INVALID_INPUT',
    message: /"__proto__" is not allowed/,
  },
  {
    name: 'constructor.prototype',
    body: valid.replace('{', '{"constructor": {"prototype": {"polluted": true}}, '),
    status: 400,
    code: 'INVALID_INPUT',
    message: /"constructor" is not allowed/,
  },
  {
    name: 'a body over 1 MiB',
    body: json({ id: route, pad: new Array(30).fill('y'.repeat(60_000)) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    // Read and discarded before the answer (MAX_BODY_DRAIN_BYTES), so the client can read it.
    name: 'a 4 MB body',
    body: json({ id: route, pad: 'y'.repeat(4 * 1024 * 1024) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
];

/**
 * Valid JSON with text Postgres's jsonb refuses as written (lone surrogates, NUL), or that is
 * merely awkward: `body` as the client sends it, `stored` as the prediction log keeps its input.
 */
export const AWKWARD_TEXT_BODIES: Array<{ name: string; body: string; stored: unknown }> = [
  { name: 'a lone high surrogate', body: '{"instances":["\\ud800"]}', stored: { instances: ['\uFFFD'] } },
  { name: 'a lone low surrogate', body: '{"instances":["a\\udc00b"]}', stored: { instances: ['a\uFFFDb'] } },
  {
    name: 'a reversed surrogate pair',
    body: '{"instances":["\\udc00\\ud800"]}',
    stored: { instances: ['\uFFFD\uFFFD'] },
  },
  { name: 'a NUL', body: '{"instances":["a\\u0000b"]}', stored: { instances: ['a\uFFFDb'] } },
  {
    name: 'a NUL and a lone surrogate in a key',
    body: '{"instances":[{"\\u0000\\ud800":1}]}',
    stored: { instances: [{ '\uFFFD\uFFFD': 1 }] },
  },
  {
    name: 'emoji, raw and escaped',
    body: '{"instances":["😀","\\ud83d\\ude00"]}',
    stored: { instances: ['😀', '😀'] },
  },
  {
    name: 'a long string',
    body: `{"instances":["${'ж'.repeat(20_000)}"]}`,
    stored: { instances: ['ж'.repeat(20_000)] },
  },
];

export const v1Cases: Case[] = [
  ...common(V1, json({ instances: [good] })),
  ...AWKWARD_TEXT_BODIES.map((c) => ({ name: c.name, body: c.body, status: 400, code: 'INVALID_INPUT' })),
  {
    name: 'instances of the wrong type',
    body: json({ instances: 'all of them' }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /^instances: /,
  },
  {
    name: 'a feature of the wrong type',
    body: json({ instances: [{ ...good, cart_items: 'three' }] }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /^instances\[0\]\.cart_items: expected a number, got a string$/,
  },
  {
    name: 'a missing body field',
    body: json({}),
    status: 400,
    code: 'INVALID_INPUT',
    message: /exactly one of "instances"/,
  },
  {
    name: 'a missing feature',
    body: json({ instances: [{ days_since_signup: 1 }] }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /^instances\[0\]: missing features /,
  },
  {
    name: 'an extra body field',
    body: json({ instances: [good], extra: 1 }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /extra/,
  },
  {
    name: 'an extra feature',
    body: json({ instances: [{ ...good, colour: 'red' }] }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /^instances\[0\]\.colour: unknown feature$/,
  },
  {
    name: 'an out-of-range feature',
    body: json({ instances: [{ ...good, affinity_home: 7 }] }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /^instances\[0\]\.affinity_home: must be <= 1, got 7$/,
  },
  {
    name: 'more instances than allowed',
    body: json({ instances: new Array(1001).fill(good) }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /at most 1000 instances/,
  },
  {
    name: 'no instances',
    body: json({ instances: [] }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /must not be empty/,
  },
  {
    name: 'a ragged tensor',
    body: json({ inputs: { features: [[1, 2, 3, 4, 5, 6, 7, 8], [1]] } }),
    status: 400,
    code: 'INVALID_INPUT',
  },
];

export const v2Cases: Case[] = [
  ...common(V2, json({ inputs: [goodTensor] })),
  {
    name: 'inputs of the wrong type',
    body: json({ inputs: 'features' }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /^inputs: /,
  },
  {
    name: 'a wrong datatype',
    body: json({ inputs: [{ ...goodTensor, datatype: 'INT64' }] }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /^inputs\[0\]\.datatype: /,
  },
  {
    name: 'an unknown datatype',
    body: json({ inputs: [{ ...goodTensor, datatype: 'FLOAT' }] }),
    status: 400,
    code: 'INVALID_INPUT',
  },
  {
    name: 'strings as numbers',
    body: json({ inputs: [{ ...goodTensor, data: goodTensor.data.map(String) }] }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /expected a number, got a string/,
  },
  {
    name: 'a missing inputs list',
    body: json({ id: 'x' }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /^inputs: /,
  },
  {
    name: 'a tensor without a name',
    body: json({ inputs: [{ ...goodTensor, name: undefined }] }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /name/,
  },
  {
    name: 'an extra body field',
    body: json({ inputs: [goodTensor], extra: 1 }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /extra/,
  },
  {
    name: 'an extra tensor field',
    body: json({ inputs: [{ ...goodTensor, contents: {} }] }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /contents/,
  },
  {
    name: 'an unknown and a mis-sized tensor at once',
    body: json({
      inputs: [
        { ...goodTensor, shape: [2, 8] },
        { ...goodTensor, name: 'other' },
      ],
    }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /^inputs\[0\]\.data: shape \[2, 8\] needs 16 elements, got 8; inputs\[1\]\.name: /,
  },
  {
    name: 'more rows than allowed',
    body: json({ inputs: [{ ...goodTensor, shape: [1001, 8], data: new Array(8008).fill(0) }] }),
    status: 400,
    code: 'INVALID_INPUT',
    message: /at most 1000 instances/,
  },
];
