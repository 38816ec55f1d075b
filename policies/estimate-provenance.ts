/**
 * Outside text can only lower a probability, never raise it (an integrity flow in the manner of Biba, CaMeL and
 * FIDES: values tainted by untrusted input reach only a "lower or skip" sink). The estimate that may trigger a buy
 * is the one computed from trusted inputs alone (the venue's figures and its own listing); an estimate that also
 * read outside documents may lower the probability of either side, and never raises one. A binary market's sides
 * are bounded separately, so outside text that lowers YES does not thereby raise NO.
 */
export interface SideProbabilities {
  yes: number;
  no: number;
}

export const sidesOf = (yesProbability: number): SideProbabilities => ({ yes: yesProbability, no: 1 - yesProbability });

/** The probability of each side that may be acted on: the trusted one, or the outside one where that is lower. */
export function boundedSides(trustedYes: number, outsideYes?: number): SideProbabilities {
  const trusted = sidesOf(trustedYes);
  if (outsideYes === undefined) return trusted;
  const outside = sidesOf(outsideYes);
  return { yes: Math.min(trusted.yes, outside.yes), no: Math.min(trusted.no, outside.no) };
}
