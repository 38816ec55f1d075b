import type { IncomingHttpHeaders } from 'node:http';
import type { FaultRule } from './faults';

/** What a venue handler sees of one HTTP request. */
export interface VenueRequest {
  method: string;
  /** The URL path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  params: Record<string, string>;
  /** Fault rules that fired for this request (a handler consults e.g. 'partial-fill'). */
  faults: FaultRule[];
  /** Set by the handler once the caller is authenticated, so the request log names the key. */
  keyId?: string;
}

export interface VenueResponse {
  status: number;
  /** A JSON body; `text` instead for a plain-text body (e.g. Coinbase's 401 "Unauthorized"). */
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** Thrown by handlers to answer with a venue error. */
export class VenueHttpError extends Error {
  constructor(readonly response: VenueResponse) {
    super(`venue answered ${response.status}`);
  }
}

export type Handler = (req: VenueRequest) => VenueResponse | Promise<VenueResponse>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export type RouteMatch = { found: true; handler: Handler; params: Record<string, string> } | { found: false };

/** Method + path patterns with `:param` segments; `*` as a method matches any method. */
export class Router {
  private routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, path: string): RouteMatch {
    const parts = path.split('/').filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== '*' && route.method !== method) continue;
      const params = matchSegments(route.segments, parts);
      if (params) return { found: true, handler: route.handler, params };
    }
    return { found: false };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const value = parts[i]!;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    } else if (p !== value) return undefined;
  }
  return params;
}

/** The request body as JSON, or a venue error built by `bad` when it is not JSON. */
export function jsonBody(req: VenueRequest, bad: (message: string) => VenueResponse): unknown {
  if (req.rawBody.trim() === '') return {};
  try {
    return JSON.parse(req.rawBody) as unknown;
  } catch {
    throw new VenueHttpError(bad('request body is not valid JSON'));
  }
}
