import { centsToDollars, type Cents } from './money';

/** The wording of amounts in verdicts, alerts and transition records, the same everywhere. */
export function dollars(cents: Cents): string {
  return cents < 0 ? `-$${centsToDollars(-cents)}` : `$${centsToDollars(cents)}`;
}

/** 0.05 -> "5%", 0.0523 -> "5.23%" (display only; no decision reads it). */
export function percent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}
