import { sidesOf } from '../policies/estimate-provenance';
import type { Signal } from './types';

/**
 * A strategy's decision under the provenance rule (policies/estimate-provenance.ts): it runs on the trusted estimate,
 * lowered by the outside one. Where only the outside estimate would have made it trade (it raises the side the
 * strategy would buy), the result is `endorsable`: the operator may endorse that outside text, and only then may the
 * trade go ahead at the outside probability (the trade workflow asks).
 */
export type ProvenanceDecision =
  | { kind: 'signal'; signal: Signal }
  | { kind: 'endorsable'; signal: Signal; trustedProbability: number; outsideProbability: number }
  | { kind: 'none' };

export type DecideWith = (inputs: { analystProbability: number; outsideProbability?: number }) => Signal | undefined;

export function decideWithProvenance(decide: DecideWith, trustedYes: number, outsideYes?: number): ProvenanceDecision {
  const signal = decide(
    outsideYes === undefined
      ? { analystProbability: trustedYes }
      : { analystProbability: trustedYes, outsideProbability: outsideYes },
  );
  if (signal) return { kind: 'signal', signal };
  if (outsideYes === undefined) return { kind: 'none' };
  const promoted = decide({ analystProbability: outsideYes });
  if (!promoted || (promoted.side !== 'yes' && promoted.side !== 'no')) return { kind: 'none' };
  const trustedProbability = sidesOf(trustedYes)[promoted.side];
  const outsideProbability = sidesOf(outsideYes)[promoted.side];
  return outsideProbability > trustedProbability
    ? { kind: 'endorsable', signal: promoted, trustedProbability, outsideProbability }
    : { kind: 'none' };
}
