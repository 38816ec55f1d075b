import { documentText, loadAcceptedDocuments } from '../sources/documents-store';
import type { Detection } from '../sources/screening';
import type { AnalystDeps } from './deps';
import { estimateProbability, type AnalystResult, type EstimateRequest } from './estimate';
import { modelText } from './prompt';

/**
 * The two estimates the provenance rule needs (policies/estimate-provenance.ts): one from trusted inputs only (the
 * venue's figures and listing), which alone may trigger a buy, and, when outside documents speak of the market, one
 * that also reads them, which may only lower a side's probability. When outside documents were read but that second
 * estimate abstains, the trade is vetoed (fail secure): outside text can stop a trade, never start one.
 */
export type MarketEstimate =
  | { kind: 'estimate'; trustedYes: number; outside?: { yes: number; documentIds: string[] } }
  | { kind: 'abstain'; reason: string };

export interface EstimatesOutcome {
  estimate: MarketEstimate;
  quarantined: Detection[];
  creditRequest?: AnalystResult['creditRequest'];
}

const EXCERPT_CHARS = 200;

export async function estimateWithProvenance(
  deps: AnalystDeps,
  request: Omit<EstimateRequest, 'documentIds'>,
  documentIds: string[],
  callKey: string,
): Promise<EstimatesOutcome> {
  const trusted = await estimateProbability(deps, { ...request, documentIds: [] }, `${callKey}:trusted`);
  const quarantined = [...trusted.quarantined];
  if (trusted.kind === 'abstain')
    return { estimate: { kind: 'abstain', reason: trusted.reason }, quarantined, creditRequest: trusted.creditRequest };
  if (documentIds.length === 0)
    return {
      estimate: { kind: 'estimate', trustedYes: trusted.probability },
      quarantined,
      creditRequest: trusted.creditRequest,
    };

  const outside = await estimateProbability(deps, { ...request, documentIds }, `${callKey}:outside`);
  quarantined.push(...outside.quarantined);
  const creditRequest = trusted.creditRequest ?? outside.creditRequest;
  // Every document was quarantined on the way: no outside text was read, so only the trusted estimate stands.
  if (outside.provenance.outside.length === 0)
    return { estimate: { kind: 'estimate', trustedYes: trusted.probability }, quarantined, creditRequest };
  if (outside.kind === 'abstain')
    return { estimate: { kind: 'abstain', reason: `outside-veto:${outside.reason}` }, quarantined, creditRequest };
  return {
    estimate: {
      kind: 'estimate',
      trustedYes: trusted.probability,
      outside: { yes: outside.probability, documentIds: outside.provenance.outside },
    },
    quarantined,
    creditRequest,
  };
}

/** The start of the first outside document the estimate read, as screened text, for the operator's endorsement request. */
export async function outsideExcerpt(deps: AnalystDeps, documentIds: string[]): Promise<string> {
  const [first] = await loadAcceptedDocuments(deps.pool, documentIds.slice(0, 1));
  if (!first) return '';
  const text = modelText(documentText(first));
  const more =
    documentIds.length > 1 ? ` (+${documentIds.length - 1} more document${documentIds.length > 2 ? 's' : ''})` : '';
  return `${text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}...` : text}${more}`;
}
