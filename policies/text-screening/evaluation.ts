import type { Thresholds } from './model';
import { rulesCallInjection, rulesFlag } from './rules-verdict';
import { scorePrepared, thresholdsFrom, train, TRAIN_OPTIONS, type Prepared, type TrainOptions } from './training';

/**
 * Leave-one-style-out: for each attack style, a model is trained and its thresholds tuned without any attack of
 * that style and without one share of the ordinary texts (each ordinary text is held out exactly once, spread
 * evenly over categories), then the held-out style and the held-out ordinary texts are screened. What it reports
 * is what the detector does on attacks of a style it never saw, at the false-positive rate it has on ordinary
 * texts it never saw. The pattern layer is the same in every fold: it was written by hand, with the corpus in view,
 * so the model's own column is the honest one for new styles.
 *
 * Thresholds are tuned nested and group-aware, with models shared between folds: styles are dealt into 3 groups and
 * ordinary texts into 3 others; a threshold model is trained without one style group and one ordinary group (9 in
 * all) and scores that ordinary group. A fold's thresholds are read off the scores, by the models that left out its
 * style's group, of the ordinary texts it trains on: the held-out style is in no model its thresholds come from,
 * and no ordinary text is scored by a model that trained on it. (The fold's held-out ordinary share may be among
 * a threshold model's training texts, never among the scores its thresholds are read from.) 46 trainings instead
 * of the 148 a per-fold 3-fold tuning takes.
 */
export interface StyleResult {
  style: string;
  attacks: number;
  /** Flagged (suspicious or injection) by rules and model together, by the model alone, by the rules alone. */
  flagged: number;
  flaggedByModel: number;
  flaggedByRules: number;
  /** Called injections by rules and model together. */
  injections: number;
  /** The held-out ordinary texts of this fold, and how many were flagged. */
  ordinary: number;
  ordinaryFlagged: number;
  hard: number;
  hardFlagged: number;
  thresholds: Thresholds;
}

export interface LosoReport {
  styles: StyleResult[];
  ordinary: { texts: number; flagged: number; injections: number };
  hard: { texts: number; flagged: number; injections: number };
}

const THRESHOLD_GROUPS = 3;

/** For each style group, every ordinary text's score by the model that left out that style group and its own group. */
function sharedThresholdScores(
  prepared: readonly Prepared[],
  styleGroup: (p: Prepared) => number | undefined,
  ordinaryGroup: Map<Prepared, number>,
  featureCount: number,
  options: TrainOptions,
  progress: (line: string) => void,
): Map<Prepared, number>[] {
  const byStyleGroup: Map<Prepared, number>[] = [];
  for (let g = 0; g < THRESHOLD_GROUPS; g++) {
    const scores = new Map<Prepared, number>();
    for (let o = 0; o < THRESHOLD_GROUPS; o++) {
      const model = train(
        prepared.filter((p) => (p.item.attack ? styleGroup(p) !== g : ordinaryGroup.get(p) !== o)),
        featureCount,
        options,
      );
      for (const [p, group] of ordinaryGroup) if (group === o) scores.set(p, scorePrepared(model, p));
      progress(`threshold model ${g * THRESHOLD_GROUPS + o + 1}/${THRESHOLD_GROUPS ** 2}`);
    }
    byStyleGroup.push(scores);
  }
  return byStyleGroup;
}

const ruleFlagged = (p: Prepared) => rulesFlag(p.rules);
const ruleInjection = (p: Prepared) => rulesCallInjection(p.rules);

export function leaveOneStyleOut(
  prepared: readonly Prepared[],
  styleOf: (p: Prepared) => string | undefined,
  featureCount: number,
  progress: (line: string) => void = () => undefined,
  options: TrainOptions = TRAIN_OPTIONS,
): LosoReport {
  const styles = [...new Set(prepared.map(styleOf).filter((s): s is string => Boolean(s)))].sort();
  const ordinary = prepared.filter((p) => !p.item.attack).sort((a, b) => a.item.id.localeCompare(b.item.id));
  const groupOf = new Map(ordinary.map((p, i) => [p, i % styles.length]));
  const styleGroupOf = new Map(styles.map((s, i) => [s, i % THRESHOLD_GROUPS]));
  const ordinaryGroup = new Map(ordinary.map((p, i) => [p, Math.floor(i / styles.length) % THRESHOLD_GROUPS]));
  const thresholdScores = sharedThresholdScores(
    prepared,
    (p) => styleGroupOf.get(styleOf(p)!),
    ordinaryGroup,
    featureCount,
    options,
    progress,
  );
  const report: LosoReport = {
    styles: [],
    ordinary: { texts: 0, flagged: 0, injections: 0 },
    hard: { texts: 0, flagged: 0, injections: 0 },
  };
  styles.forEach((style, fold) => {
    const heldOut = (p: Prepared) => (p.item.attack ? styleOf(p) === style : groupOf.get(p) === fold);
    const training = prepared.filter((p) => !heldOut(p));
    const scores = thresholdScores[styleGroupOf.get(style)!]!;
    const thresholds = thresholdsFrom(
      training.filter((p) => !p.item.attack),
      (p) => scores.get(p)!,
    );
    const model = train(training, featureCount, options);
    const verdict = (p: Prepared) => {
      const score = scorePrepared(model, p);
      return {
        model: score >= thresholds.suspicious,
        flagged: ruleFlagged(p) || score >= thresholds.suspicious,
        injection: ruleInjection(p) || score >= thresholds.injection,
      };
    };
    const attacks = prepared.filter((p) => p.item.attack && styleOf(p) === style).map((p) => ({ p, v: verdict(p) }));
    const negatives = prepared.filter((p) => !p.item.attack && heldOut(p)).map((p) => ({ p, v: verdict(p) }));
    const plain = negatives.filter((n) => !n.p.item.hard);
    const hard = negatives.filter((n) => n.p.item.hard);
    const result: StyleResult = {
      style,
      attacks: attacks.length,
      flagged: attacks.filter((a) => a.v.flagged).length,
      flaggedByModel: attacks.filter((a) => a.v.model).length,
      flaggedByRules: attacks.filter((a) => ruleFlagged(a.p)).length,
      injections: attacks.filter((a) => a.v.injection).length,
      ordinary: plain.length,
      ordinaryFlagged: plain.filter((n) => n.v.flagged).length,
      hard: hard.length,
      hardFlagged: hard.filter((n) => n.v.flagged).length,
      thresholds,
    };
    report.styles.push(result);
    for (const [bucket, items] of [
      [report.ordinary, plain],
      [report.hard, hard],
    ] as const) {
      bucket.texts += items.length;
      bucket.flagged += items.filter((n) => n.v.flagged).length;
      bucket.injections += items.filter((n) => n.v.injection).length;
    }
    progress(`fold ${fold + 1}/${styles.length} (${style}): ${result.flagged}/${result.attacks} flagged`);
  });
  return report;
}
