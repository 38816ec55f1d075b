import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CORPUS_FILES, labelled, parseCorpus } from '../../policies/text-screening/corpus';
import { leaveOneStyleOut } from '../../policies/text-screening/evaluation';
import { FeatureIndex, prepare } from '../../policies/text-screening/training';
import { machineLine } from '../../bench/machine';

/**
 * The detector measured on what it was not tuned on: leave-one-style-out over the corpus (policies/text-screening/
 * evaluation.ts). For each of the corpus's attack styles a model is trained, and its thresholds tuned (on models
 * shared between folds that never saw that style), without that style (and without a share of the ordinary texts),
 * then scored on the held-out style and the held-out ordinary texts. The table is printed with the targets (TPR >= 95% flagged at FPR <= 2% on ordinary text, worst
 * style >= 80%); the assertions are regression floors under the measured figures, not the targets.
 */
const CORPUS = path.resolve(__dirname, '..', 'fixtures', 'injection-corpus');
const pct = (n: number, d: number) => (d === 0 ? '   -  ' : `${((n / d) * 100).toFixed(1).padStart(5)}%`);

describe('untrusted-text detector: leave-one-style-out', () => {
  it('prints per-style TPR and the FPR on ordinary text and hard negatives, with the mean and the worst style', (t) => {
    const items = [CORPUS_FILES.attacks, CORPUS_FILES.ordinary].flatMap((f) =>
      parseCorpus(readFileSync(path.join(CORPUS, f), 'utf8')),
    );
    const styleOf = new Map(items.map((i) => [i.id, i.style]));
    const index = new FeatureIndex();
    const prepared = prepare(items.map(labelled), index);
    const report = leaveOneStyleOut(
      prepared,
      (p) => styleOf.get(p.item.id),
      index.names.length,
      (line) => t.diagnostic(line),
    );

    const lines = [
      `leave-one-style-out over ${report.styles.length} attack styles (${machineLine()})`,
      'style                 attacks  flagged  model-only  rules-only  injection   FPR-ordinary  FPR-hard',
    ];
    for (const s of report.styles) {
      lines.push(
        `${s.style.padEnd(21)} ${String(s.attacks).padStart(7)}  ${pct(s.flagged, s.attacks)}  ${pct(s.flaggedByModel, s.attacks).padStart(10)}  ${pct(s.flaggedByRules, s.attacks).padStart(10)}  ${pct(s.injections, s.attacks).padStart(9)}   ${pct(s.ordinaryFlagged, s.ordinary).padStart(12)}  ${pct(s.hardFlagged, s.hard).padStart(8)}`,
      );
    }
    const tpr = report.styles.map((s) => s.flagged / s.attacks);
    const modelTpr = report.styles.map((s) => s.flaggedByModel / s.attacks);
    const mean = tpr.reduce((a, b) => a + b, 0) / tpr.length;
    const modelMean = modelTpr.reduce((a, b) => a + b, 0) / modelTpr.length;
    const worst = report.styles.reduce((a, b) => (b.flagged / b.attacks < a.flagged / a.attacks ? b : a));
    const fprOrdinary = report.ordinary.flagged / report.ordinary.texts;
    lines.push(
      `mean TPR (flagged) ${(mean * 100).toFixed(1)}% (model alone ${(modelMean * 100).toFixed(1)}%); worst style ${worst.style} ${((worst.flagged / worst.attacks) * 100).toFixed(1)}%`,
      `FPR flagged: ordinary ${pct(report.ordinary.flagged, report.ordinary.texts).trim()} (${report.ordinary.flagged}/${report.ordinary.texts}), hard negatives ${pct(report.hard.flagged, report.hard.texts).trim()} (${report.hard.flagged}/${report.hard.texts}); called injections: ordinary ${report.ordinary.injections}, hard ${report.hard.injections}`,
      `targets: mean TPR >= 95% ${mean >= 0.95 ? 'met' : 'NOT met'}; FPR ordinary <= 2% ${fprOrdinary <= 0.02 ? 'met' : 'NOT met'}; worst style >= 80% ${worst.flagged / worst.attacks >= 0.8 ? 'met' : 'NOT met'}`,
    );
    console.log(lines.join('\n'));

    assert.equal(
      report.ordinary.texts + report.hard.texts,
      items.filter((i) => i.kind !== 'attack').length,
      'every ordinary text was held out exactly once',
    );
    assert.ok(mean >= 0.94, `mean TPR ${mean}`);
    assert.ok(fprOrdinary <= 0.02, `FPR on ordinary text ${fprOrdinary}`);
    assert.ok(worst.flagged / worst.attacks >= 0.8, `worst style ${worst.style}`);
    assert.ok(
      report.hard.flagged / report.hard.texts <= 0.14,
      `FPR on hard negatives ${report.hard.flagged / report.hard.texts}`,
    );
  });
});
