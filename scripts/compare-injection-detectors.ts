/**
 * Runs maintained npm prompt-injection detectors over NEMO's corpus, next to NEMO's own layers, for the comparison
 * in docs/decisions.md. The packages are not NEMO dependencies: install them in a scratch directory and name it.
 *
 *   mkdir /tmp/detectors && cd /tmp/detectors && npm init -y && npm install --ignore-scripts \
 *     @andersmyrmel/vard llm_guardrail llmverify @claude-flow/aidefence @reactive-agents/guardrails
 *   npx tsx scripts/compare-injection-detectors.ts /tmp/detectors
 *
 * The npm detectors never saw this corpus; NEMO's rules were written with it in view and its model trained on it, so
 * NEMO's rows here are in-sample (its honest figures are leave-one-style-out, test/research/detector-loso.test.ts).
 * The last column counts the attacks a detector catches that NEMO's rules miss (what it could add to them).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { screenRules, screenText } from '../policies/text-screening';
import { CORPUS_FILES, parseCorpus, textOf } from '../policies/text-screening/corpus';

type Detector = (text: string) => boolean | Promise<boolean>;

async function npmDetectors(dir: string): Promise<Record<string, Detector>> {
  // The package's ES module entry, read from its package.json (import() resolves only from this checkout).
  const entryOf = (name: string): string => {
    const root = path.join(path.resolve(dir), 'node_modules', name);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      main?: string;
      module?: string;
      exports?: unknown;
    };
    type Target = string | { import?: Target; default?: Target; require?: Target; '.'?: Target };
    const pickTarget = (t: Target | undefined): string | undefined =>
      typeof t === 'string' ? t : t ? pickTarget(t['.'] ?? t.import ?? t.default ?? t.require) : undefined;
    return path.join(root, pickTarget(pkg.exports as Target) ?? pkg.module ?? pkg.main ?? 'index.js');
  };
  const found: Record<string, Detector> = {};
  const attempt = async (name: string, make: () => Promise<Detector> | Detector) => {
    try {
      found[name] = await make();
    } catch (err) {
      console.error(`${name}: not usable here (${(err as Error).message.split('\n')[0]})`);
    }
  };
  const esm = (name: string): Promise<unknown> => import(pathToFileURL(entryOf(name)).href);
  await attempt('@andersmyrmel/vard', async () => {
    const vard = ((await esm('@andersmyrmel/vard')) as { default: (t: string) => string }).default;
    return (t) => {
      try {
        vard(t);
        return false;
      } catch {
        return true;
      }
    };
  });
  await attempt('llm_guardrail', async () => {
    const g = (await esm('llm_guardrail')) as { checkInjection: (t: string) => Promise<{ detected: boolean }> };
    return async (t) => (await g.checkInjection(t)).detected;
  });
  await attempt('llmverify', async () => {
    const v = (await esm('llmverify')) as { isInputSafe: (t: string) => unknown };
    return async (t) => {
      const r = (await v.isInputSafe(t)) as boolean | { safe?: boolean };
      return !(r === true || (typeof r === 'object' && r?.safe === true));
    };
  });
  await attempt('@claude-flow/aidefence', async () => {
    const c = (await esm('@claude-flow/aidefence')) as { isSafe: (t: string) => boolean };
    return (t) => !c.isSafe(t);
  });
  await attempt('@reactive-agents/guardrails', async () => {
    const r = (await esm('@reactive-agents/guardrails')) as { detectInjection: (t: string) => unknown };
    const { Effect } = (await esm('effect')) as { Effect: { runSync: (e: unknown) => { detected: boolean } } };
    return (t) => Effect.runSync(r.detectInjection(t)).detected;
  });
  return found;
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir)
    throw new Error(
      'usage: npx tsx scripts/compare-injection-detectors.ts DIR (where the npm detectors are installed)',
    );
  const corpus = path.resolve(__dirname, '..', 'test', 'fixtures', 'injection-corpus');
  const attacks = parseCorpus(readFileSync(path.join(corpus, CORPUS_FILES.attacks), 'utf8'));
  const ordinary = parseCorpus(readFileSync(path.join(corpus, CORPUS_FILES.ordinary), 'utf8'));
  const detectors: Record<string, Detector> = {
    'NEMO rules (in-sample)': (t) => screenRules(t).findings.length > 0,
    'NEMO rules + model (in-sample)': (t) => screenText(t).verdict !== 'clean',
    ...(await npmDetectors(dir)),
  };
  const pct = (n: number, d: number) => `${((n / d) * 100).toFixed(1)}% (${n}/${d})`;
  for (const [name, detect] of Object.entries(detectors)) {
    const byStyle = new Map<string, [number, number]>();
    let caught = 0;
    let beyondRules = 0;
    for (const a of attacks) {
      const hit = await detect(textOf(a));
      if (hit && screenRules(textOf(a)).findings.length === 0) beyondRules += 1;
      const s = byStyle.get(a.style!) ?? [0, 0];
      byStyle.set(a.style!, [s[0] + (hit ? 1 : 0), s[1] + 1]);
      if (hit) caught += 1;
    }
    const plain = ordinary.filter((o) => o.kind === 'ordinary');
    const hard = ordinary.filter((o) => o.kind === 'hard-negative');
    let falsePlain = 0;
    let falseHard = 0;
    for (const o of plain) if (await detect(textOf(o))) falsePlain += 1;
    for (const o of hard) if (await detect(textOf(o))) falseHard += 1;
    const rates = [...byStyle.values()].map(([c, n]) => c / n);
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    console.log(
      `| ${name} | ${pct(caught, attacks.length)} | ${(mean * 100).toFixed(1)}% / ${(Math.min(...rates) * 100).toFixed(1)}% | ${pct(falsePlain, plain.length)} | ${pct(falseHard, hard.length)} | ${beyondRules} |`,
    );
  }
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exitCode = 1;
});
