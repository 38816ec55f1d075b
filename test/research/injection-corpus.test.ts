import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildCorpus } from '../../scripts/injection-corpus/generate';
import { trainShippedModel, WEIGHTS_FILE } from '../../scripts/train-injection-model';
import { screenText } from '../../policies/text-screening';
import { CORPUS_FILES, parseCorpus, textOf, type CorpusItem } from '../../policies/text-screening/corpus';

/**
 * The labelled corpus (test/fixtures/injection-corpus/), what made it, and the shipped detector on it. The corpus is
 * written by scripts/injection-corpus/generate.ts from hand-written items and generators; the detector's weights
 * are trained on it by scripts/train-injection-model.ts. Both must be reproducible from the repository. The rates
 * on the corpus itself are in-sample (the model trained on it): the honest figures are leave-one-style-out
 * (detector-loso.test.ts) and the hand-written held-out set below, which nothing was trained or tuned on.
 */
const CORPUS = path.resolve(__dirname, '..', 'fixtures', 'injection-corpus');
const load = (file: string): CorpusItem[] => parseCorpus(readFileSync(path.join(CORPUS, file), 'utf8'));
const rate = (n: number, d: number) => `${((n / d) * 100).toFixed(1)}% (${n}/${d})`;

describe('prompt-injection corpus and the shipped detector', () => {
  const attacks = load(CORPUS_FILES.attacks);
  const ordinary = load(CORPUS_FILES.ordinary);

  it('holds at least 30 attack styles, 600 attacks, 1,500 ordinary texts and 400 hard negatives', () => {
    const styles = new Set(attacks.map((a) => a.style));
    const hard = ordinary.filter((o) => o.kind === 'hard-negative');
    assert.ok(styles.size >= 30, `${styles.size} styles`);
    assert.ok(attacks.length >= 600, `${attacks.length} attacks`);
    assert.ok(ordinary.length >= 1500, `${ordinary.length} ordinary texts`);
    assert.ok(hard.length >= 400, `${hard.length} hard negatives`);
    for (const style of styles)
      assert.ok(attacks.filter((a) => a.style === style).length >= 20, `style ${style} has at least 20 attacks`);
    assert.ok(attacks.every((a) => a.kind === 'attack') && ordinary.every((o) => o.kind !== 'attack'));
    const languages = [...styles].filter((s) => s!.startsWith('lang-'));
    assert.ok(languages.length >= 5, `language styles: ${languages.join(', ')}`);
  });

  it('is exactly what its generator writes (the script and its output are both in the repository)', () => {
    const built = buildCorpus();
    assert.deepEqual(
      built.attacks.map((a) => JSON.stringify(a)),
      attacks.map((a) => JSON.stringify(a)),
    );
    assert.deepEqual(
      built.ordinary.map((o) => JSON.stringify(o)),
      ordinary.map((o) => JSON.stringify(o)),
    );
  });

  it('ships the weights the training script makes of this corpus', () => {
    assert.equal(
      trainShippedModel(),
      readFileSync(WEIGHTS_FILE, 'utf8'),
      'run `npx tsx scripts/train-injection-model.ts` and commit the weights',
    );
  });

  it('reports in-sample rates on the corpus (optimistic: the model trained on it)', () => {
    const flagged = attacks.filter((a) => screenText(textOf(a)).verdict !== 'clean').length;
    const plain = ordinary.filter((o) => o.kind === 'ordinary');
    const hard = ordinary.filter((o) => o.kind === 'hard-negative');
    const falsePlain = plain.filter((o) => screenText(textOf(o)).verdict !== 'clean').length;
    const falseHard = hard.filter((o) => screenText(textOf(o)).verdict !== 'clean').length;
    console.log(
      `in-sample: TPR ${rate(flagged, attacks.length)}; FPR ordinary ${rate(falsePlain, plain.length)}; FPR hard negatives ${rate(falseHard, hard.length)}`,
    );
    assert.ok(flagged / attacks.length >= 0.97, 'in-sample TPR fell below 97%');
    assert.ok(falsePlain / plain.length <= 0.02, 'in-sample FPR on ordinary text rose above 2%');
  });

  it('reports the rates on a hand-written held-out set that nothing was trained or tuned on', () => {
    const heldAttacks = load('holdout-attacks.jsonl');
    const heldOrdinary = load('holdout-benign.jsonl');
    const flagged = heldAttacks.filter((a) => screenText(textOf(a)).verdict !== 'clean').length;
    const injections = heldAttacks.filter((a) => screenText(textOf(a)).verdict === 'injection').length;
    const falseFlags = heldOrdinary.filter((b) => screenText(textOf(b)).verdict !== 'clean').length;
    console.log(
      `held-out (hand-written, never trained on): TPR flagged ${rate(flagged, heldAttacks.length)}, injection ${rate(injections, heldAttacks.length)}; FPR flagged ${rate(falseFlags, heldOrdinary.length)}`,
    );
    // The earlier detector (patterns alone) flagged 60% here: the floor guards against falling back.
    assert.ok(flagged / heldAttacks.length >= 0.8);
  });
});
