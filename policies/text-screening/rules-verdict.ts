import { textViews, type ViewName } from './normalise';
import { SCREENING_RULES, type ScreeningRule } from './rules';

/**
 * The pattern layer: the seed's patterns and NEMO's rules run on every normalised view of a text. Fields are
 * screened alone and joined, so an instruction split across fields or lines is read whole.
 */
export interface ScreeningFinding {
  rule: string;
  layer: ScreeningRule['layer'] | 'model';
  severity: ScreeningRule['severity'];
  view: ViewName | 'model';
  /** The matched text as normalised (lower case, folded), at most 80 characters: safe to show an operator. */
  excerpt: string;
}

export interface RuleHits {
  findings: ScreeningFinding[];
  strong: boolean;
  /** Distinct weak rules that matched. */
  weak: number;
}

const EXCERPT_MAX = 80;

export function screenRules(input: string | readonly string[]): RuleHits {
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
  return { findings: all, strong: all.some((f) => f.severity === 'strong'), weak: all.filter((f) => f.severity === 'weak').length };
}
