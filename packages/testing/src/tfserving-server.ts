import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How the server answers `:predict` (metadata and status always answer normally). */
export type TfServingMode =
  | 'ok'
  /** 503 with Retry-After: 0. */
  | 'unavailable'
  /** 500. */
  | 'error'
  /** Reads the request and never answers. */
  | 'hang'
  /** 200 with a body that is not JSON. */
  | 'garbage'
  /** 200 with a body of `hugeBytes` bytes. */
  | 'huge'
  /** 200 whose predictions hold `1e999` (JSON that parses to Infinity). */
  | 'infinite'
  /** 200 with TF Serving's own non-JSON `NaN` literal. */
  | 'nan'
  /** 200 with one prediction too few. */
  | 'short';

/** One model the server hosts: its signature (TF dtypes, -1 for the batch) and the function it serves. */
export interface TfServingModel {
  name: string;
  version: string;
  inputs: Record<string, { dtype: string; shape: number[] }>;
  outputs: Record<string, { dtype: string; shape: number[] }>;
  /** Row format in, row format out, as TF Serving's REST API does it. */
  predict(instances: unknown[]): unknown[] | Promise<unknown[]>;
}

/** A running TF-Serving-shaped server. Counts are taken here, at the backend. */
export interface TfServingServer {
  readonly url: string;
  /** `:predict` requests received (answered or not). */
  readonly predictCalls: number;
  /** `:predict` requests received for one model name. */
  callsFor(model: string): number;
  /** Sockets currently open to the server. */
  readonly openSockets: number;
  mode: TfServingMode;
  /** Size of the 'huge' body; default 50 MB. */
  hugeBytes: number;
  /** Added before every 'ok' answer, to make the backend's capacity finite; default 0. */
  delayMs: number;
  resetCounts(): void;
  close(): Promise<void>;
}

const PATH = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+))?(:predict|\/metadata)?$/;

/**
 * A small server speaking TensorFlow Serving's REST API (`:predict` with `instances`, `/metadata`
 * with a `serving_default` signature, and model status), with switchable misbehaviour for tests:
 * 503s, hangs, oversized, malformed and non-finite answers.
 */
export async function startTfServingServer(models: TfServingModel[]): Promise<TfServingServer> {
  const sockets = new Set<Socket>();
  let predictCalls = 0;
  const byModel = new Map<string, number>();
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const state = { mode: 'ok' as TfServingMode, hugeBytes: 50 * 1024 * 1024, delayMs: 0 };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const match = PATH.exec(request.url ?? '');
    const model = match ? models.find((m) => m.name === match[1]) : undefined;
    if (!match || !model || (match[2] !== undefined && match[2] !== model.version)) {
      return send(response, 404, { error: `Servable not found for request: ${request.url}` });
    }
    if (match[3] === '/metadata') return send(response, 200, metadata(model));
    if (match[3] === undefined) {
      return send(response, 200, {
        model_version_status: [
          { version: model.version, state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
        ],
      });
    }
    predictCalls += 1;
    byModel.set(model.name, (byModel.get(model.name) ?? 0) + 1);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { instances: unknown[] };
    switch (state.mode) {
      case 'unavailable':
        response.setHeader('retry-after', '0');
        return send(response, 503, { error: 'overloaded' });
      case 'error':
        return send(response, 500, { error: 'internal' });
      case 'hang':
        return;
      case 'garbage':
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"predictions": [1, 2');
        return;
      case 'huge':
        return sendHuge(response, state.hugeBytes);
      case 'infinite':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`{"predictions": [${body.instances.map(() => '[1e999]').join(',')}]}`);
        return;
      case 'nan':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`{"predictions": [${body.instances.map(() => '[NaN]').join(',')}]}`);
        return;
      case 'short':
        return send(response, 200, { predictions: (await model.predict(body.instances)).slice(1) });
      default:
        if (state.delayMs > 0) await sleep(state.delayMs);
        return send(response, 200, { predictions: await model.predict(body.instances) });
    }
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    get predictCalls() {
      return predictCalls;
    },
    get openSockets() {
      return sockets.size;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    get hugeBytes() {
      return state.hugeBytes;
    },
    set hugeBytes(bytes) {
      state.hugeBytes = bytes;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms) {
      state.delayMs = ms;
    },
    callsFor(name) {
      return byModel.get(name) ?? 0;
    },
    resetCounts() {
      predictCalls = 0;
      byModel.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function metadata(model: TfServingModel): unknown {
  const info = (entries: TfServingModel['inputs']) =>
    Object.fromEntries(
      Object.entries(entries).map(([name, t]) => [
        name,
        {
          dtype: t.dtype,
          tensor_shape: {
            dim: t.shape.map((size) => ({ size: String(size), name: '' })),
            unknown_rank: false,
          },
          name: `${name}:0`,
        },
      ]),
    );
  return {
    model_spec: { name: model.name, signature_name: '', version: model.version },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs: info(model.inputs),
            outputs: info(model.outputs),
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  };
}

/** Streams a valid-looking but oversized JSON body without holding it in memory. */
function sendHuge(response: ServerResponse, bytes: number): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  const filler = `${'1,'.repeat(32 * 1024)}`;
  let sent = 0;
  const write = (): void => {
    while (sent < bytes) {
      sent += filler.length;
      if (!response.write(filler)) {
        response.once('drain', write);
        return;
      }
    }
    response.end('1]}');
  };
  response.write('{"predictions": [');
  response.on('error', () => {});
  write();
}
