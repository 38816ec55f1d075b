/**
 * Trains the untrusted-text detector's model on the corpus in the repository and writes its weights, a reviewed
 * file (policies/text-screening/model-weights.json: features by name, sorted). Deterministic: the same corpus and
 * options write the same file, so a reviewer can rebuild it and compare.
 *
 *   npx tsx scripts/train-injection-model.ts           # retrain and write the weights
 *   npx tsx scripts/train-injection-model.ts --check   # fail if the committed weights differ from a retrain
 *
 * Regenerate the corpus first when its generator changed (scripts/injection-corpus/generate.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS_FILES, labelled, parseCorpus } from '../policies/text-screening/corpus';
import { FeatureIndex, fit, prepare } from '../policies/text-screening/training';

const ROOT = path.resolve(__dirname, '..');
const CORPUS_DIR = path.join(ROOT, 'test', 'fixtures', 'injection-corpus');
export const WEIGHTS_FILE = path.join(ROOT, 'policies', 'text-screening', 'model-weights.json');

export function trainShippedModel(progress: (line: string) => void = () => undefined): string {
  const files = [CORPUS_FILES.attacks, CORPUS_FILES.ordinary].map((f) =>
    readFileSync(path.join(CORPUS_DIR, f), 'utf8'),
  );
  const digest = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16);
  const items = files.flatMap((text) => parseCorpus(text)).map(labelled);
  const index = new FeatureIndex();
  const prepared = prepare(items, index, (done) => progress(`features: ${done}/${items.length} texts`));
  progress(`training on ${items.length} texts, ${index.names.length} features`);
  const model = fit(prepared, index, {
    corpus: `test/fixtures/injection-corpus (${items.length} texts, sha256 ${digest})`,
  });
  return `${JSON.stringify(model, null, 1)}\n`;
}

if (require.main === module) {
  const started = Date.now();
  const written = trainShippedModel((line) => process.stderr.write(`${line}\n`));
  if (process.argv.includes('--check')) {
    if (readFileSync(WEIGHTS_FILE, 'utf8') !== written) {
      console.error(
        `${WEIGHTS_FILE} differs from a retrain on the corpus: run scripts/train-injection-model.ts and commit the result`,
      );
      process.exitCode = 1;
    } else console.log('the committed weights are what the corpus trains');
  } else {
    writeFileSync(WEIGHTS_FILE, written);
    const { meta } = JSON.parse(written) as { meta: { features: number; thresholds: unknown } };
    console.log(
      `wrote ${WEIGHTS_FILE}: ${meta.features} features, thresholds ${JSON.stringify(meta.thresholds)} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
}
