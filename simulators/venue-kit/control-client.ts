import type { FaultRule } from './faults';
import { CONTROL_PREFIX, CONTROL_TOKEN_HEADER, type RecordedRequest } from './venue-server';

/** A typed client of a loopback venue's control API (/_nemo/sim), usable in process or across processes. */
export class VenueControlClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  protected async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${CONTROL_PREFIX}${path}`, {
      method,
      headers: {
        [CONTROL_TOKEN_HEADER]: this.token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`SIMULATED control ${method} ${path} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Venue API requests recorded after `since` (a sequence number). */
  async requests(since = 0): Promise<RecordedRequest[]> {
    return (await this.call<{ requests: RecordedRequest[] }>('GET', `/requests?since=${since}`)).requests;
  }

  /** Calls to fund-moving endpoints (refused with 403). */
  async violations(): Promise<{ count: number; requests: RecordedRequest[] }> {
    return this.call('GET', '/violations');
  }

  async addFault(rule: FaultRule): Promise<number> {
    return (await this.call<{ id: number }>('POST', '/faults', rule)).id;
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/faults');
  }

  /** Moves the simulated market clock forward (auth keeps using the real clock). */
  async advanceClock(ms: number): Promise<{ now: string; offsetMs: number }> {
    return this.call('POST', '/clock/advance', { ms });
  }

  async clock(): Promise<{ now: string; offsetMs: number }> {
    return this.call('GET', '/clock');
  }

  /** Lets time-driven changes happen now (settlements, resting orders meeting a moved price). */
  async tick(): Promise<void> {
    await this.call('POST', '/tick');
  }
}
