import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { SimClock } from './clock';
import { FaultPlan, faultRuleSchema, type FaultRule } from './faults';
import { isFundMovingPath } from './fund-moving';
import { Router, VenueHttpError, type VenueRequest, type VenueResponse } from './router';

/**
 * The HTTP plumbing every loopback venue shares: a real server on a free port, the SIMULATED label on every
 * answer, a log of every request, fault injection, fund-moving calls refused and counted, and the control API
 * under /_nemo/sim (a path the real venues do not have), which needs the control token.
 */
export const CONTROL_PREFIX = '/_nemo/sim';
export const CONTROL_TOKEN_HEADER = 'x-nemo-sim-token';
export const SIMULATED_HEADER = 'x-nemo-simulated';
const MAX_BODY_BYTES = 1 << 20;
/** The log keeps the newest entries; the counters cover the whole run. */
const MAX_LOGGED_REQUESTS = 50_000;

export interface RecordedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: string;
  status: number | 'dropped';
  keyId?: string;
  /** The request body (first 4 KB); credentials travel in headers, which are not recorded. */
  body?: string;
  faults: string[];
  violation: boolean;
  ms: number;
}

export interface VenueErrorFormat {
  /** The venue's own error answer for a status (e.g. Kalshi `{error:{code,message}}`). */
  error(status: number, code: string, message: string): VenueResponse;
  /** The venue's answer to an order it refuses (fault kind 'reject'). */
  reject(rule: FaultRule): VenueResponse;
  /** The venue's answer to an error its engine threw (e.g. a rejection), if it has one. */
  fromError?(err: unknown): VenueResponse | undefined;
}

export interface VenueServerOptions {
  /** Instance name, e.g. "kalshi-production". */
  name: string;
  host: string;
  api: Router;
  /** Venue-specific control routes, mounted under /_nemo/sim. */
  control: Router;
  controlToken: string;
  format: VenueErrorFormat;
  clock: SimClock;
  faults: FaultPlan;
}

export interface VenueServer {
  name: string;
  baseUrl: string;
  /** Host and port, e.g. "127.0.0.1:43121". */
  authority: string;
  requests(sinceSeq?: number): RecordedRequest[];
  violations(): { count: number; requests: RecordedRequest[] };
  close(): Promise<void>;
}

const advanceSchema = z.object({ ms: z.number().int().min(0) });

export async function startVenueServer(options: VenueServerOptions): Promise<VenueServer> {
  const { api, control, format, faults, clock } = options;
  const log: RecordedRequest[] = [];
  const violationLog: RecordedRequest[] = [];
  let seq = 0;

  const common = new Router()
    .add('GET', '/requests', (req) => ({
      status: 200,
      body: { requests: recent(Number(req.query.get('since') ?? 0)) },
    }))
    .add('GET', '/violations', () => ({ status: 200, body: { count: violationLog.length, requests: violationLog } }))
    .add('GET', '/faults', () => ({ status: 200, body: { faults: faults.list() } }))
    .add('POST', '/faults', (req) => ({ status: 201, body: { id: faults.add(parseControl(faultRuleSchema, req)) } }))
    .add('DELETE', '/faults', () => {
      faults.clear();
      return { status: 204 };
    })
    .add('GET', '/clock', () => ({
      status: 200,
      body: { now: new Date(clock.now()).toISOString(), offsetMs: clock.offsetMs },
    }))
    .add('POST', '/clock/advance', (req) => {
      const { ms } = parseControl(advanceSchema, req);
      return { status: 200, body: { now: new Date(clock.advance(ms)).toISOString(), offsetMs: clock.offsetMs } };
    });

  const recent = (since: number) => log.filter((r) => r.seq > since);

  const server = http.createServer((req, res) => {
    const started = performance.now();
    readBody(req).then(
      async (rawBody) => {
        const url = new URL(req.url ?? '/', 'http://loopback');
        const method = (req.method ?? 'GET').toUpperCase();
        const venueReq: VenueRequest = {
          method,
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          rawBody,
          params: {},
          faults: [],
        };

        if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
          send(res, await handleControl(venueReq, url.pathname.slice(CONTROL_PREFIX.length) || '/'));
          return;
        }

        const record: RecordedRequest = {
          seq: ++seq,
          at: new Date().toISOString(),
          method,
          path: url.pathname,
          query: url.search,
          status: 'dropped',
          faults: [],
          violation: false,
          ms: 0,
          ...(rawBody ? { body: rawBody.slice(0, 4096) } : {}),
        };
        log.push(record);
        if (log.length > MAX_LOGGED_REQUESTS) log.splice(0, log.length - MAX_LOGGED_REQUESTS);
        const finish = (response: VenueResponse | 'dropped') => {
          record.status = response === 'dropped' ? 'dropped' : response.status;
          record.keyId = venueReq.keyId;
          record.ms = Math.round((performance.now() - started) * 1000) / 1000;
          if (response === 'dropped') res.socket?.destroy();
          else send(res, response);
        };

        const match = api.match(method, url.pathname);
        if (!match.found && isFundMovingPath(url.pathname)) {
          // seed: NEMO never moves funds; any such call is a violation, refused before auth (fund-moving.ts).
          record.violation = true;
          violationLog.push(record);
          finish(format.error(403, 'forbidden', 'SIMULATED venue: fund-moving endpoints are refused for NEMO'));
          return;
        }

        const fired = faults.take(method, url.pathname);
        venueReq.faults = fired;
        record.faults = fired.map((f) => f.kind);
        const fault = (kind: FaultRule['kind']) => fired.find((f) => f.kind === kind);
        const latency = fault('latency');
        if (latency) await sleep(latency.latencyMs ?? 1000);
        if (fault('reset')) return finish('dropped');
        const serverError = fault('server-error');
        if (serverError)
          return finish(
            format.error(serverError.status ?? 503, 'service_unavailable', 'SIMULATED fault: service unavailable'),
          );
        const rateLimit = fault('rate-limit');
        if (rateLimit) {
          const response = format.error(429, 'too_many_requests', 'SIMULATED fault: rate limit exceeded');
          return finish({
            ...response,
            headers: { ...response.headers, 'retry-after': String(rateLimit.retryAfterSeconds ?? 1) },
          });
        }
        const reject = fault('reject');
        if (reject) return finish(format.reject(reject));

        let response: VenueResponse;
        if (!match.found) {
          response = format.error(404, 'not_found', `no route for ${method} ${url.pathname}`);
        } else {
          venueReq.params = match.params;
          response = await invoke(match.handler, venueReq, format);
        }
        if (fault('accept-then-drop')) return finish('dropped');
        const hold = fault('accept-then-hold');
        if (hold) {
          // Already decided: the log shows the answer while the caller still waits for it.
          record.status = response.status;
          await sleep(hold.latencyMs ?? 1000);
        }
        if (fault('malformed-json') && response.body !== undefined) {
          const text = JSON.stringify(response.body);
          return finish({
            status: 200,
            text: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
            headers: { 'content-type': 'application/json' },
          });
        }
        finish(response);
      },
      () => send(res, format.error(413, 'request_too_large', 'request body too large')),
    );
  });

  async function handleControl(req: VenueRequest, subPath: string): Promise<VenueResponse> {
    if (req.headers[CONTROL_TOKEN_HEADER] !== options.controlToken) {
      return { status: 401, body: { error: 'the SIMULATED control API needs the control token' } };
    }
    for (const router of [common, control]) {
      const match = router.match(req.method, subPath);
      if (match.found) {
        req.params = match.params;
        return invoke(match.handler, req, {
          error: (status, code, message) => ({ status, body: { error: code, message } }),
          reject: format.reject,
        });
      }
    }
    return { status: 404, body: { error: 'not_found', message: `no control route ${req.method} ${subPath}` } };
  }

  function send(res: http.ServerResponse, response: VenueResponse): void {
    const headers: Record<string, string> = { [SIMULATED_HEADER]: `SIMULATED ${options.name}`, ...response.headers };
    let payload = '';
    if (response.text !== undefined) {
      payload = response.text;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else if (response.body !== undefined) {
      payload = JSON.stringify(response.body);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    headers['content-length'] = String(Buffer.byteLength(payload));
    res.writeHead(response.status, headers);
    res.end(payload);
  }

  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const authority = `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    name: options.name,
    baseUrl: `http://${authority}`,
    authority,
    requests: (since = 0) => recent(since),
    violations: () => ({ count: violationLog.length, requests: [...violationLog] }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function invoke(
  handler: (req: VenueRequest) => VenueResponse | Promise<VenueResponse>,
  req: VenueRequest,
  format: VenueErrorFormat,
) {
  try {
    return await handler(req);
  } catch (err) {
    if (err instanceof VenueHttpError) return err.response;
    const translated = format.fromError?.(err);
    if (translated) return translated;
    if (err instanceof z.ZodError) {
      const issue = err.issues[0];
      return format.error(
        400,
        'invalid_parameters',
        `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    return format.error(500, 'internal_server_error', (err as Error).message);
  }
}

/** A control request's JSON body checked against its schema (a bad body answers 400 with the field named). */
export function parseControl<T>(schema: z.ZodType<T>, req: VenueRequest): T {
  let body: unknown;
  try {
    body = req.rawBody.trim() === '' ? {} : JSON.parse(req.rawBody);
  } catch {
    throw new VenueHttpError({ status: 400, body: { error: 'invalid_json', message: 'control body is not JSON' } });
  }
  return schema.parse(body);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
