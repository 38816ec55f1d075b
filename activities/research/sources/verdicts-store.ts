import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Json } from '../../../ledger/canonical-json';
import type { Verdict } from '../../../policies/text-screening';

/**
 * Screening verdicts by content (migration 005 text_verdicts): the key is the sha256 of the model text (the exact
 * text a model would be shown, activities/research/analyst/prompt.ts modelText), never an id. A verdict only tightens.
 */
export interface TextVerdict {
  textHash: string;
  verdict: Verdict;
  status: 'accepted' | 'quarantined';
  rules: string[];
  findings: Json;
  review: string | null;
  firstSeen: { source: string; externalId: string };
}

export const textHashOf = (modelText: string): string => createHash('sha256').update(modelText, 'utf8').digest('hex');

interface Row {
  text_hash: string;
  verdict: Verdict;
  status: TextVerdict['status'];
  rules: string[];
  findings: Json;
  review: string | null;
  first_source: string;
  first_external_id: string;
}

const COLUMNS = 'text_hash, verdict, status, rules, findings, review, first_source, first_external_id';

const fromRow = (r: Row): TextVerdict => ({
  textHash: r.text_hash,
  verdict: r.verdict,
  status: r.status,
  rules: r.rules,
  findings: r.findings,
  review: r.review,
  firstSeen: { source: r.first_source, externalId: r.first_external_id },
});

export async function verdictsOf(pool: pg.Pool, hashes: readonly string[]): Promise<Map<string, TextVerdict>> {
  if (hashes.length === 0) return new Map();
  const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM text_verdicts WHERE text_hash = ANY($1::text[])`, [
    [...new Set(hashes)],
  ]);
  return new Map(rows.map((r) => [r.text_hash, fromRow(r)]));
}

/**
 * Stores a fresh verdict for a text and returns the verdict that stands: the first one stored wins a race, except
 * that a quarantine always wins over an acceptance (an accepted text is tightened, never the reverse).
 */
export async function recordVerdict(
  pool: pg.Pool,
  text: string,
  fresh: Omit<TextVerdict, 'textHash'>,
): Promise<TextVerdict> {
  const textHash = textHashOf(text);
  const inserted = await pool.query<Row>(
    `INSERT INTO text_verdicts (text_hash, text, verdict, status, rules, findings, review, first_source, first_external_id, quarantined_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $4 = 'quarantined' THEN now() END)
     ON CONFLICT (text_hash) DO NOTHING RETURNING ${COLUMNS}`,
    [
      textHash,
      text,
      fresh.verdict,
      fresh.status,
      JSON.stringify(fresh.rules),
      JSON.stringify(fresh.findings),
      fresh.review,
      fresh.firstSeen.source,
      fresh.firstSeen.externalId,
    ],
  );
  if (inserted.rows[0]) return fromRow(inserted.rows[0]);
  if (fresh.status === 'quarantined') {
    const tightened = await pool.query<Row>(
      `UPDATE text_verdicts SET status = 'quarantined', verdict = $2, rules = $3, findings = $4, review = $5, quarantined_at = now()
        WHERE text_hash = $1 AND status = 'accepted' RETURNING ${COLUMNS}`,
      [textHash, fresh.verdict, JSON.stringify(fresh.rules), JSON.stringify(fresh.findings), fresh.review],
    );
    if (tightened.rows[0]) return fromRow(tightened.rows[0]);
  }
  return (await verdictsOf(pool, [textHash])).get(textHash)!;
}

/**
 * Fresh verdicts for several texts in one insert; returns the verdict that stands for each (as recordVerdict: a
 * stored one wins a race, and a fresh quarantine still tightens a stored acceptance).
 */
export async function recordVerdicts(
  pool: pg.Pool,
  fresh: readonly { text: string; verdict: Omit<TextVerdict, 'textHash'> }[],
): Promise<Map<string, TextVerdict>> {
  if (fresh.length === 0) return new Map();
  const params: unknown[] = [];
  const values = fresh.map(({ text, verdict: v }) => {
    const at = params.length;
    params.push(
      textHashOf(text),
      text,
      v.verdict,
      v.status,
      JSON.stringify(v.rules),
      JSON.stringify(v.findings),
      v.review,
      v.firstSeen.source,
      v.firstSeen.externalId,
    );
    return `(${Array.from({ length: 9 }, (_, i) => `$${at + i + 1}`).join(', ')}, CASE WHEN $${at + 4}::text = 'quarantined' THEN now() END)`;
  });
  const inserted = await pool.query<Row>(
    `INSERT INTO text_verdicts (text_hash, text, verdict, status, rules, findings, review, first_source, first_external_id, quarantined_at)
     VALUES ${values.join(', ')} ON CONFLICT (text_hash) DO NOTHING RETURNING ${COLUMNS}`,
    params,
  );
  const standing = new Map(inserted.rows.map((r) => [r.text_hash, fromRow(r)]));
  // Stored meanwhile by someone else: their verdict stands, tightened by a fresh quarantine.
  const raced = fresh.filter(({ text }) => !standing.has(textHashOf(text)));
  for (const { text, verdict } of raced.filter((r) => r.verdict.status === 'quarantined'))
    standing.set(textHashOf(text), await recordVerdict(pool, text, verdict));
  const rest = await verdictsOf(
    pool,
    raced.filter((r) => r.verdict.status !== 'quarantined').map((r) => textHashOf(r.text)),
  );
  for (const [hash, verdict] of rest) standing.set(hash, verdict);
  return standing;
}
