import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { PayloadCodecError } from './temporal/payload-codec';

export interface UndecodablePayload {
  /** The workflow whose task (or whose activity's task) carried the payload. */
  workflowId: string;
  /** The codec's error: names the key the payload was encrypted with, never a key or a value. */
  error: string;
}

/**
 * A worker's payload codec, watched: a payload it cannot decrypt fails its task as before (Temporal retries it), and
 * is also reported, once per workflow, so it opens a technical-failure incident instead of failing silently in the
 * worker log. A payload that decodes after `graceMs` is not reported: a new master key reaches the workers within
 * the supervisor's poll (`nemo keys init` or a rotation while NEMO runs), and a client may use it a moment before.
 */
export class UndecodablePayloadWatch implements PayloadCodec {
  private readonly reported = new Set<string>();

  constructor(
    private readonly inner: PayloadCodec,
    private readonly report: (failure: UndecodablePayload) => Promise<void>,
    private readonly graceMs = 5_000,
  ) {}

  encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return this.inner.encode(payloads, context);
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    try {
      return await this.inner.decode(payloads, context);
    } catch (err) {
      if (err instanceof PayloadCodecError) this.watch(payloads, context?.workflowId ?? '(no workflow named)', err);
      throw err;
    }
  }

  private watch(payloads: Payload[], workflowId: string, err: PayloadCodecError): void {
    if (this.reported.has(workflowId)) return;
    this.reported.add(workflowId);
    setTimeout(() => {
      this.inner
        .decode(payloads)
        // Decodable now: the key arrived; a later failure of the same workflow is reported again.
        .then(() => this.reported.delete(workflowId))
        .catch(() => this.report({ workflowId, error: err.message }))
        // Not recorded (the ledger or Temporal did not answer): the next failing task tries again.
        .catch(() => this.reported.delete(workflowId));
    }, this.graceMs).unref();
  }
}
