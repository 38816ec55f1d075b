import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Json } from '../../../ledger/canonical-json';
import type { Verdict } from '../../../policies/text-screening';

/**
 * Fetched outside texts (migration 003 research_documents), each with the verdict it had when fetched. Accepted texts
 * are what the analyst may read (by id: the text itself never passes through a workflow), and the analyst's activity
 * checks their content's verdict again (activities/research/sources/screening.ts); quarantined ones are kept as evidence and
 * never handed out.
 */
export interface ResearchDocument {
  source: string;
  externalId: string;
  url?: string;
  author?: string;
  publishedAt?: string;
  title?: string;
  body: string;
}

export interface StoredDocument extends ResearchDocument {
  id: string;
  verdict: Verdict;
  status: 'accepted' | 'quarantined';
}

/** A document's id: its source, its id there, and the hash of its content (an edited item is a new document). */
export function documentId(source: string, externalId: string, textHash: string): string {
  return createHash('sha256')
    .update(source)
    .update('\0')
    .update(externalId)
    .update('\0')
    .update(textHash)
    .digest('hex');
}

/** The text of a document as one block: what is screened and what the analyst reads. */
export function documentText(doc: Pick<ResearchDocument, 'title' | 'body'>): string {
  return [doc.title, doc.body].filter(Boolean).join('\n');
}

/** Stores a screened document once (a re-fetch of the same content keeps the first verdict). */
export async function storeDocument(
  pool: pg.Pool,
  id: string,
  doc: ResearchDocument,
  verdict: Verdict,
  status: StoredDocument['status'],
  findings: Json,
): Promise<void> {
  await pool.query(
    `INSERT INTO research_documents (id, source, external_id, url, author, published_at, title, body, verdict, status, findings)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
    [
      id,
      doc.source,
      doc.externalId,
      doc.url ?? null,
      doc.author ?? null,
      doc.publishedAt ?? null,
      doc.title ?? null,
      doc.body,
      verdict,
      status,
      JSON.stringify(findings),
    ],
  );
}

/** The accepted documents among `ids`, in the order asked; quarantined and unknown ids are left out. */
export async function loadAcceptedDocuments(pool: pg.Pool, ids: readonly string[]): Promise<StoredDocument[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query<{
    id: string;
    source: string;
    external_id: string;
    url: string | null;
    author: string | null;
    title: string | null;
    body: string;
    verdict: Verdict;
  }>(
    `SELECT id, source, external_id, url, author, title, body, verdict FROM research_documents WHERE id = ANY($1::text[]) AND status = 'accepted'`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r
      ? [
          {
            id: r.id,
            source: r.source,
            externalId: r.external_id,
            url: r.url ?? undefined,
            author: r.author ?? undefined,
            title: r.title ?? undefined,
            body: r.body,
            verdict: r.verdict,
            status: 'accepted' as const,
          },
        ]
      : [];
  });
}

/** The stored verdict of a document already screened (a re-fetch is not screened, recorded or alerted again). */
export async function storedStatus(
  pool: pg.Pool,
  id: string,
): Promise<{ status: StoredDocument['status']; verdict: Verdict } | undefined> {
  const { rows } = await pool.query<{ status: StoredDocument['status']; verdict: Verdict }>(
    'SELECT status, verdict FROM research_documents WHERE id = $1',
    [id],
  );
  return rows[0];
}

/** Accepted documents fetched since `since`, newest first (the texts a scan may weigh). */
export async function recentAcceptedDocuments(
  pool: pg.Pool,
  since: Date,
  limit = 500,
): Promise<Pick<StoredDocument, 'id' | 'title' | 'body'>[]> {
  const { rows } = await pool.query<{ id: string; title: string | null; body: string }>(
    `SELECT id, title, body FROM research_documents WHERE status = 'accepted' AND fetched_at >= $1 ORDER BY fetched_at DESC, id LIMIT $2`,
    [since, limit],
  );
  return rows.map((r) => ({ id: r.id, title: r.title ?? undefined, body: r.body }));
}

const STOPWORDS = new Set([
  'will',
  'what',
  'when',
  'which',
  'with',
  'than',
  'that',
  'this',
  'from',
  'above',
  'below',
  'before',
  'after',
  'close',
  'market',
  'price',
  'strike',
  'more',
  'less',
  'over',
  'under',
]);
const distinctiveWords = (text: string) =>
  new Set((text.toLowerCase().match(/\p{L}{4,}/gu) ?? []).filter((w) => !STOPWORDS.has(w)));

/**
 * The documents that speak of a market: those naming its ticker or its event, or using every distinctive word of its
 * title (at least two). At most `max`, in the order given (newest first).
 */
export function documentsAbout(
  documents: readonly Pick<StoredDocument, 'id' | 'title' | 'body'>[],
  market: { market: string; eventId?: string; title: string },
  max = 5,
): string[] {
  const ids = [market.market, market.eventId].filter((id): id is string => Boolean(id)).map((id) => id.toLowerCase());
  const words = distinctiveWords(market.title);
  return documents
    .filter((doc) => {
      const text = documentText(doc).toLowerCase();
      if (ids.some((id) => text.includes(id))) return true;
      if (words.size < 2) return false;
      const said = distinctiveWords(text);
      return [...words].every((w) => said.has(w));
    })
    .slice(0, max)
    .map((doc) => doc.id);
}
