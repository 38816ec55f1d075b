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
  /** Distinct weak rules of the seed's own list that matched. */
  seedWeak: number;
}

/** Two different weak signals together are treated like one strong one. */
export const WEAK_SIGNALS_FOR_INJECTION = 2;

/** The rules alone call an injection: a strong rule, or two distinct weak ones. */
export const rulesCallInjection = (hits: RuleHits): boolean => hits.strong || hits.weak >= WEAK_SIGNALS_FOR_INJECTION;

/**
 * The rules alone flag a text: an injection, or one of the seed's weak patterns (the seed rejects on any of them).
 * One of NEMO's own weak rules alone does not: it is evidence the model weighs (model.ts), since reported speech
 * ("regulators issued new instructions to brokers", "a promoter urged followers to buy immediately") matches it too.
 */
export const rulesFlag = (hits: RuleHits): boolean => rulesCallInjection(hits) || hits.seedWeak > 0;

/** NEMO's own weak rules, which the model reads as features rather than as verdicts. */
export const isModelEvidence = (finding: ScreeningFinding): boolean =>
  finding.layer === 'nemo' && finding.severity === 'weak';

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
  const weak = all.filter((f) => f.severity === 'weak');
  return {
    findings: all,
    strong: all.some((f) => f.severity === 'strong'),
    weak: weak.length,
    seedWeak: weak.filter((f) => f.layer === 'seed').length,
  };
}
