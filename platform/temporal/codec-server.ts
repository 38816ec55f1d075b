import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Logger } from '../logger';

/**
 * The codec endpoint for the Temporal Web UI and CLI (`temporal server start-dev --ui-codec-endpoint URL`,
 * `temporal workflow show --codec-endpoint URL`): POST /encode and /decode (also under /{namespace}/), bodies
 * `{"payloads": [{"metadata": {name: base64}, "data": base64}]}` (proto3 JSON). It decrypts payloads for whoever
 * can reach it, so it listens on loopback only and answers browsers only from the allowed Web UI origins.
 */

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Origins of the Web UI allowed to call from a browser, e.g. http://127.0.0.1:8233. */
  allowedOrigins: string[];
  port?: number;
  host?: string;
  logger?: Logger;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

/** The origins the dev server's Web UI is served from (whichever host the operator typed). */
export function webUiOrigins(uiPort: number): string[] {
  return [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const ROUTE = /^\/(?:[\w.-]+\/)?(encode|decode)\/?$/;

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

class BadRequest extends Error {}

function fromJson(body: unknown): Payload[] {
  if (typeof body !== 'object' || body === null) throw new BadRequest('body must be {"payloads": [...]}');
  // proto3 JSON omits an empty list, so the CLI sends `{}` for a message with no payloads.
  const payloads = (body as { payloads?: unknown }).payloads ?? [];
  if (!Array.isArray(payloads)) throw new BadRequest('body must be {"payloads": [...]}');
  return payloads.map((p: JsonPayload, i) => {
    if (typeof p !== 'object' || p === null) throw new BadRequest(`payloads[${i}] must be an object`);
    const metadata: Record<string, Uint8Array> = {};
    for (const [name, value] of Object.entries(p.metadata ?? {})) {
      if (typeof value !== 'string') throw new BadRequest(`payloads[${i}].metadata.${name} must be base64 text`);
      metadata[name] = Buffer.from(value, 'base64');
    }
    return { metadata, data: Buffer.from(typeof p.data === 'string' ? p.data : '', 'base64') };
  });
}

function toJson(payloads: Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const allowed = new Set(options.allowedOrigins);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    if (origin) {
      if (!allowed.has(origin)) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end(`origin ${origin} may not use this codec endpoint\n`);
        return;
      }
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res
        .writeHead(204, {
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-allow-headers': 'Content-Type, X-Namespace, Authorization',
          'access-control-max-age': '600',
        })
        .end();
      return;
    }
    const route = ROUTE.exec(new URL(req.url ?? '/', 'http://codec').pathname)?.[1];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: POST /encode or /decode\n');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST, OPTIONS', 'content-type': 'text/plain' }).end('use POST\n');
      return;
    }
    try {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (err) {
        throw err instanceof BadRequest ? err : new BadRequest('body is not JSON');
      }
      const input = fromJson(body);
      const output = route === 'encode' ? await options.codec.encode(input) : await options.codec.decode(input);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(toJson(output)));
    } catch (err) {
      const status = err instanceof BadRequest ? 400 : 422;
      options.logger?.warn({ route, status, error: (err as Error).message }, 'codec request refused');
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${err.message}\n`);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
