import { textViews, type ViewName } from './normalise';
import { SCREENING_RULES, type ScreeningRule } from './rules';

/**
 * The untrusted-text gate's pure layer (seed: "Prompt Injection Defense"; reference: patterns are a first layer only).
 * Every text from outside (posts, news, market titles and rules) is screened here before anything uses it; the
 * structural defences (the analyst's datamarked blocks and single typed tool) stand behind it.
 */

export type Verdict = 'clean' | 'suspicious' | 'injection';

export interface ScreeningFinding {
  rule: string;
  layer: ScreeningRule['layer'];
  severity: ScreeningRule['severity'];
  view: ViewName;
  /** The matched text as normalised (lower case, folded), at most 80 characters: safe to show an operator. */
  excerpt: string;
}

export interface ScreeningVerdict {
  verdict: Verdict;
  findings: ScreeningFinding[];
}

const EXCERPT_MAX = 80;

/** Two different weak signals together are treated like one strong one. */
const WEAK_SIGNALS_FOR_INJECTION = 2;

/**
 * Screens one text, or the fields of one item (title, body, author...). Fields are screened alone and joined, so an
 * instruction split across fields or lines is read whole.
 */
export function screenText(input: string | readonly string[]): ScreeningVerdict {
  const fields = typeof input === 'string' ? [input] : [...input];
  const texts = fields.length > 1 ? [...fields, fields.join('\n')] : fields;
  const findings = new Map<string, ScreeningFinding>();
  for (const text of texts) {
    for (const view of textViews(text)) {
      for (const rule of SCREENING_RULES) {
        if (findings.has(rule.id) || !rule.views.includes(view.name)) continue;
        const match = rule.pattern.exec(view.text);
        if (match) {
          findings.set(rule.id, {
            rule: rule.id,
            layer: rule.layer,
            severity: rule.severity,
            view: view.name,
            excerpt: match[0].replace(/\s+/g, ' ').trim().slice(0, EXCERPT_MAX),
          });
        }
      }
    }
  }
  const all = [...findings.values()];
  const strong = all.some((f) => f.severity === 'strong');
  const weak = all.filter((f) => f.severity === 'weak').length;
  const verdict: Verdict = strong || weak >= WEAK_SIGNALS_FOR_INJECTION ? 'injection' : weak > 0 ? 'suspicious' : 'clean';
  return { verdict, findings: all };
}

export { textViews, canonicalText, decodedPayloads } from './normalise';
export { SCREENING_RULES } from './rules';
