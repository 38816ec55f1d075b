import { createHash } from 'node:crypto';
import type { Json } from '../../../ledger/canonical-json';
import { SYSTEM_ACCOUNT } from '../../../ledger/entry';
import { appendEntry } from '../../../ledger/ledger-store';
import { screenItem, type Verdict } from '../../../policies/text-screening';
import type { AlertRequest } from '../../../platform/alerts/alert-service';
import type { AnalystDeps } from '../analyst/deps';
import { modelText } from '../analyst/prompt';
import { reviewSuspiciousText, type ReviewOutcome } from '../analyst/review';
import { documentId, documentText, storedStatus, storeDocument, type ResearchDocument } from './documents-store';
import { recordVerdict, recordVerdicts, textHashOf, verdictsOf, type TextVerdict } from './verdicts-store';

/**
 * The untrusted-text gate. What is screened is exactly what a model would be shown (its model text), and the verdict
 * is stored under that text's hash, so every model call can require an accepted verdict for the current content of
 * each text it reads, whatever id the text arrives under (a renamed market, an edited post). The pure detector
 * (policies/text-screening) runs first; a merely suspicious text gets a second opinion from the strongest model;
 * anything else stays quarantined. Each arrival of a quarantined text under a new id is recorded in the ledger
 * (`security.injection-detected`) and returned with an alert for the calling workflow to raise on the control queue
 * (activities cannot call another domain's activities).
 */
export const INJECTION_KIND = 'security.injection-detected';

/** A suspicious text is accepted only when the reviewer says it is no injection with at least this confidence. */
const REVIEW_ACCEPT_CONFIDENCE = 0.6;

export interface Detection {
  textHash: string;
  source: string;
  externalId: string;
  documentId?: string;
  verdict: Verdict;
  rules: string[];
  review?: string;
  /** Ready for raiseAlert on nemo-control. */
  alert: AlertRequest;
}

/** One text bound for a model, and where it came from. */
export interface UntrustedText {
  source: string;
  externalId: string;
  /** The text as received; it is screened (and shown) as its model text. */
  text: string;
  /** What came with the text but is never shown to a model (an item's raw markup): screened too, never stored by hash. */
  companions?: string[];
  documentId?: string;
}

export interface ScreenedText {
  status: TextVerdict['status'];
  textHash: string;
  /** The text a model may be shown (only when accepted). */
  modelText: string;
  verdict: TextVerdict;
  /** Set when this arrival was newly recorded as an injection attempt: the workflow raises its alert. */
  detection?: Detection;
}

function describeReview(review: ReviewOutcome): string {
  return review.kind === 'reviewed'
    ? `${review.model}: ${review.review.injection ? 'injection' : 'not an injection'} (confidence ${review.review.confidence})`
    : `not reviewed (${review.reason}): kept in quarantine`;
}

async function freshVerdict(
  deps: AnalystDeps,
  item: UntrustedText,
  text: string,
  textHash: string,
  callKey: string,
): Promise<Omit<TextVerdict, 'textHash'>> {
  const screened = [text, ...(item.companions ?? [])];
  const { verdict, findings } = screenItem(text, item.companions ?? []);
  let review: ReviewOutcome | undefined;
  if (verdict === 'suspicious')
    review = await reviewSuspiciousText(
      deps,
      screened.join('\n'),
      `${item.source}:${item.externalId}`,
      `${callKey}:${textHash.slice(0, 16)}`,
    );
  const accepted =
    verdict === 'clean' ||
    (review?.kind === 'reviewed' && !review.review.injection && review.review.confidence >= REVIEW_ACCEPT_CONFIDENCE);
  return {
    verdict,
    status: accepted ? 'accepted' : 'quarantined',
    rules: findings.map((f) => f.rule),
    findings: findings.map((f) => ({ ...f })),
    review: review ? describeReview(review) : null,
    firstSeen: { source: item.source, externalId: item.externalId },
  };
}

/** An accepted text whose companions (never shown to a model) carry an injection is quarantined after all. */
function companionsQuarantine(item: UntrustedText, known: TextVerdict): Omit<TextVerdict, 'textHash'> | undefined {
  if (known.status === 'quarantined' || !item.companions?.length) return undefined;
  const { verdict, findings } = screenItem('', item.companions);
  if (verdict !== 'injection') return undefined;
  return {
    ...known,
    verdict,
    status: 'quarantined',
    rules: findings.map((f) => f.rule),
    findings: findings.map((f) => ({ ...f })),
    review: null,
  };
}

/**
 * Screens one text bound for a model, in the activity that will call the model: the stored verdict of its current
 * content when there is one, else a fresh screening (stored). Returns whether the model may read it.
 */
export async function screenForModel(deps: AnalystDeps, item: UntrustedText, callKey: string): Promise<ScreenedText> {
  return (await screenAllForModel(deps, [item], callKey))[0]!;
}

/**
 * Screens several texts as screenForModel does each, with one read of the stored verdicts and one insert of the new
 * ones (a scan batch's market titles): each distinct new text is screened once.
 */
export async function screenAllForModel(
  deps: AnalystDeps,
  items: readonly UntrustedText[],
  callKey: string,
): Promise<ScreenedText[]> {
  const texts = items.map((item) => modelText(item.text));
  const hashes = texts.map(textHashOf);
  const stored = await verdictsOf(
    deps.pool,
    hashes.filter((hash) => !deps.screened?.has(hash)),
  );
  const standing = new Map<string, TextVerdict>();
  const known = (hash: string) => standing.get(hash) ?? deps.screened?.get(hash) ?? stored.get(hash);
  const fresh = new Map<string, { text: string; verdict: Omit<TextVerdict, 'textHash'> }>();
  for (const [i, item] of items.entries()) {
    const hash = hashes[i]!;
    const verdict = known(hash);
    const tighter = verdict ? companionsQuarantine(item, verdict) : undefined;
    if (tighter) standing.set(hash, await recordVerdict(deps.pool, texts[i]!, tighter));
    else if (verdict) standing.set(hash, verdict);
    else {
      // A text met twice before it is stored: screened once, tightened by the companions of a later arrival.
      const queued = fresh.get(hash);
      const tighterThanQueued = queued && companionsQuarantine(item, { ...queued.verdict, textHash: hash });
      if (!queued || tighterThanQueued)
        fresh.set(hash, {
          text: texts[i]!,
          verdict: tighterThanQueued || (await freshVerdict(deps, item, texts[i]!, hash, callKey)),
        });
    }
  }
  for (const [hash, verdict] of await recordVerdicts(deps.pool, [...fresh.values()])) standing.set(hash, verdict);
  const screened: ScreenedText[] = [];
  for (const [i, item] of items.entries()) {
    const verdict = standing.get(hashes[i]!)!;
    const result: ScreenedText = { status: verdict.status, textHash: hashes[i]!, modelText: texts[i]!, verdict };
    const detection = verdict.status === 'accepted' ? undefined : await recordArrival(deps, item, verdict);
    screened.push(detection ? { ...result, detection } : result);
  }
  return screened;
}

/** Records a quarantined text under the id it arrived with, once per id; returns the alert when it is new. */
async function recordArrival(
  deps: AnalystDeps,
  item: UntrustedText,
  verdict: TextVerdict,
): Promise<Detection | undefined> {
  const arrival = createHash('sha256')
    .update(item.source)
    .update('\0')
    .update(item.externalId)
    .digest('hex')
    .slice(0, 32);
  const { duplicate } = await appendEntry(deps.pool, {
    kind: INJECTION_KIND,
    domain: 'research',
    account: SYSTEM_ACCOUNT,
    payload: {
      textHash: verdict.textHash,
      source: item.source,
      externalId: item.externalId,
      documentId: item.documentId ?? null,
      verdict: verdict.verdict,
      rules: verdict.rules,
      findings: verdict.findings,
      review: verdict.review,
      firstSeen: verdict.firstSeen,
    },
    idempotencyKey: `injection-detected:${verdict.textHash}:${arrival}`,
  });
  if (duplicate) return undefined;
  const excerpt = excerptOf(verdict.findings);
  const seenBefore = verdict.firstSeen.source !== item.source || verdict.firstSeen.externalId !== item.externalId;
  return {
    textHash: verdict.textHash,
    source: item.source,
    externalId: item.externalId,
    documentId: item.documentId,
    verdict: verdict.verdict,
    rules: verdict.rules,
    review: verdict.review ?? undefined,
    alert: {
      severity: 'warning',
      title: `Injection attempt quarantined (${item.source})`,
      body:
        `SECURITY: ${verdict.verdict} in ${item.source} item ${item.externalId.slice(0, 80)}: ${verdict.rules.join(', ') || 'no rule named'}` +
        `${excerpt ? `; matched "${excerpt}"` : ''}.${seenBefore ? ` The same text was quarantined before (${verdict.firstSeen.source} ${verdict.firstSeen.externalId.slice(0, 80)}).` : ''}` +
        ' The text is quarantined and never reaches the analyst.',
      dedupeKey: `injection:${item.source}`,
    },
  };
}

function excerptOf(findings: Json): string {
  const first = Array.isArray(findings)
    ? findings.find(
        (f) => typeof f === 'object' && f !== null && typeof (f as { excerpt?: unknown }).excerpt === 'string',
      )
    : undefined;
  return first ? String((first as { excerpt: string }).excerpt) : '';
}

export type ScreenedItem = {
  status: TextVerdict['status'];
  documentId: string;
  source: string;
  externalId: string;
  verdict: Verdict;
  detection?: Detection;
};

/**
 * A fetched item: screened with its raw markup, stored as a research document (its id includes its content's hash,
 * so an edited item is a new document, screened again). A document already stored is not screened again.
 */
export async function screenAndStore(
  deps: AnalystDeps,
  item: { document: ResearchDocument; raw?: string },
  callKey: string,
): Promise<ScreenedItem> {
  const { document } = item;
  const text = documentText(document);
  const id = documentId(document.source, document.externalId, textHashOf(modelText(text)));
  const ref = { documentId: id, source: document.source, externalId: document.externalId };
  const known = await storedStatus(deps.pool, id);
  if (known) return { ...ref, ...known };
  const screened = await screenForModel(
    deps,
    {
      source: document.source,
      externalId: document.externalId,
      text,
      companions: item.raw ? [item.raw] : [],
      documentId: id,
    },
    callKey,
  );
  const { verdict } = screened;
  await storeDocument(deps.pool, id, document, verdict.verdict, verdict.status, {
    textHash: verdict.textHash,
    rules: verdict.rules,
    review: verdict.review,
  });
  return { ...ref, status: verdict.status, verdict: verdict.verdict, detection: screened.detection };
}
