import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Json } from '../../ledger/canonical-json';
import type { Verdict } from '../../policies/text-screening';

/**
 * Fetched outside texts (migration 003 research_documents), each with its screening verdict. Accepted texts are
 * what the analyst may read (by id: the text itself never passes through a workflow); quarantined ones are kept as
 * evidence and never handed out.
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

export function documentId(source: string, externalId: string): string {
  return createHash('sha256').update(source).update('\0').update(externalId).digest('hex');
}

/** Stores a screened document once (a re-fetch of the same item keeps the first verdict); returns its id. */
export async function storeDocument(
  pool: pg.Pool,
  doc: ResearchDocument,
  verdict: Verdict,
  status: StoredDocument['status'],
  findings: Json,
): Promise<string> {
  const id = documentId(doc.source, doc.externalId);
  await pool.query(
    `INSERT INTO research_documents (id, source, external_id, url, author, published_at, title, body, verdict, status, findings)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
    [id, doc.source, doc.externalId, doc.url ?? null, doc.author ?? null, doc.publishedAt ?? null, doc.title ?? null, doc.body, verdict, status, JSON.stringify(findings)],
  );
  return id;
}

/** The accepted documents among `ids`, in the order asked; quarantined and unknown ids are left out. */
export async function loadAcceptedDocuments(pool: pg.Pool, ids: readonly string[]): Promise<StoredDocument[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query<{ id: string; source: string; external_id: string; url: string | null; author: string | null; title: string | null; body: string; verdict: Verdict }>(
    `SELECT id, source, external_id, url, author, title, body, verdict FROM research_documents WHERE id = ANY($1::text[]) AND status = 'accepted'`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r
      ? [{ id: r.id, source: r.source, externalId: r.external_id, url: r.url ?? undefined, author: r.author ?? undefined, title: r.title ?? undefined, body: r.body, verdict: r.verdict, status: 'accepted' as const }]
      : [];
  });
}

/** The stored verdict of a document already screened (a re-fetch is not screened, recorded or alerted again). */
export async function storedStatus(pool: pg.Pool, id: string): Promise<{ status: StoredDocument['status']; verdict: Verdict } | undefined> {
  const { rows } = await pool.query<{ status: StoredDocument['status']; verdict: Verdict }>('SELECT status, verdict FROM research_documents WHERE id = $1', [id]);
  return rows[0];
}
