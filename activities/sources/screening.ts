import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { appendEntry } from '../../ledger/ledger-store';
import { screenText, type ScreeningFinding, type Verdict } from '../../policies/text-screening';
import type { AlertRequest } from '../alerts/alert-service';
import type { AnalystDeps } from '../analyst/estimate';
import { reviewSuspiciousText, type ReviewOutcome } from '../analyst/review';
import { documentId, storedStatus, storeDocument, type ResearchDocument } from './documents-store';

/**
 * The untrusted-text gate, applied to every fetched item before anything may use it: the pure pattern layer
 * (policies/text-screening) on the item's title, text and raw markup; a second opinion from the strongest model
 * for the merely suspicious; then accept or quarantine. A quarantined item is stored as evidence, recorded in the
 * ledger (`security.injection-detected`) and returned with an alert for the calling workflow to raise on the control
 * queue (activities cannot call another domain's activities).
 */
export const INJECTION_KIND = 'security.injection-detected';

/** A suspicious text is accepted only when the reviewer says it is no injection with at least this confidence. */
const REVIEW_ACCEPT_CONFIDENCE = 0.6;

export interface Detection {
  documentId: string;
  source: string;
  url?: string;
  verdict: Verdict;
  rules: string[];
  review?: string;
  /** Ready for raiseAlert on nemo-control. */
  alert: AlertRequest;
}

export type ScreenedItem =
  | { status: 'accepted'; documentId: string; source: string; externalId: string; verdict: Verdict }
  | { status: 'quarantined'; documentId: string; source: string; externalId: string; verdict: Verdict; detection?: Detection };

function describeReview(review: ReviewOutcome): string {
  return review.kind === 'reviewed'
    ? `${review.model}: ${review.review.injection ? 'injection' : 'not an injection'} (confidence ${review.review.confidence})`
    : `not reviewed (${review.reason}): kept in quarantine`;
}

export async function screenAndStore(deps: AnalystDeps, item: { document: ResearchDocument; raw?: string }, callKey: string): Promise<ScreenedItem> {
  const { document } = item;
  const id = documentId(document.source, document.externalId);
  const ref = { documentId: id, source: document.source, externalId: document.externalId };
  const known = await storedStatus(deps.pool, id);
  if (known) return { ...ref, ...known };

  const fields = [document.title ?? '', document.body, ...(item.raw ? [item.raw] : [])];
  const { verdict, findings } = screenText(fields);
  let review: ReviewOutcome | undefined;
  let accepted = verdict === 'clean';
  if (verdict === 'suspicious') {
    review = await reviewSuspiciousText(deps, fields.join('\n'), `${document.source}:${document.externalId}`, `${callKey}:${id}`);
    accepted = review.kind === 'reviewed' && !review.review.injection && review.review.confidence >= REVIEW_ACCEPT_CONFIDENCE;
  }
  const findingsJson = findings.map((f: ScreeningFinding) => ({ ...f }));
  await storeDocument(deps.pool, document, verdict, accepted ? 'accepted' : 'quarantined', { findings: findingsJson, review: review ? describeReview(review) : null });
  if (accepted) return { ...ref, status: 'accepted', verdict };

  const rules = findings.map((f) => f.rule);
  const excerpt = findings[0]?.excerpt ?? '';
  await appendEntry(deps.pool, {
    kind: INJECTION_KIND,
    domain: 'research',
    account: SYSTEM_ACCOUNT,
    payload: { documentId: id, source: document.source, externalId: document.externalId, url: document.url ?? null, verdict, findings: findingsJson, review: review ? describeReview(review) : null },
    idempotencyKey: `injection-detected:${id}`,
  });
  const detection: Detection = {
    documentId: id,
    source: document.source,
    url: document.url,
    verdict,
    rules,
    review: review ? describeReview(review) : undefined,
    alert: {
      severity: 'warning',
      title: `Injection attempt quarantined (${document.source})`,
      body: `SECURITY: ${verdict} in ${document.source} item ${document.externalId.slice(0, 80)}: ${rules.join(', ')}; matched "${excerpt}". The item is quarantined and never reaches the analyst.`,
      dedupeKey: `injection:${document.source}`,
    },
  };
  return { ...ref, status: 'quarantined', verdict, detection };
}
