import { readFileSync } from 'node:fs';
import { screenText } from '../../policies/text-screening';
import { UsageError, type Command } from '../command';

/**
 * `nemo screen`: runs texts through the untrusted-text detector (the pattern layer and the trained model, exactly as
 * the research domain screens), for operators and audits. It reads one text from its argument, one from stdin, or
 * JSON lines (`{"text": "...", "id": ...}`) from a file (`-` for stdin); every line is checked before anything is
 * screened, so bad input prints only the error naming the line. Nothing is stored and no model is called.
 */
export interface ScreenInput {
  id: string | number | null;
  text: string;
}

export function parseJsonl(content: string, source: string): ScreenInput[] {
  const inputs: ScreenInput[] = [];
  content.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${source} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new UsageError(`${where}: not JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new UsageError(`${where}: expected a JSON object with a "text" field`);
    const { text, id } = value as { text?: unknown; id?: unknown };
    if (typeof text !== 'string') throw new UsageError(`${where}: no "text" field (a string)`);
    if (id !== undefined && typeof id !== 'string' && typeof id !== 'number')
      throw new UsageError(`${where}: "id" must be a string or a number`);
    inputs.push({ id: id ?? i + 1, text });
  });
  if (inputs.length === 0)
    throw new UsageError(`${source}: no texts (one JSON object a line, each with a "text" field)`);
  return inputs;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const screenCommand: Command = {
  name: 'screen',
  usage: 'screen [--jsonl FILE|-] [TEXT] [--json]',
  summary:
    'Screen texts for prompt injection: TEXT, stdin, or JSON lines {"text","id"?}; prints each verdict and the rules that fired',
  options: { jsonl: { type: 'string' } },
  async run({ positionals, values, io }) {
    const file = values.jsonl as string | undefined;
    if (file !== undefined && positionals.length > 0)
      throw new UsageError('give either --jsonl FILE or a TEXT, not both');
    let inputs: ScreenInput[];
    if (file !== undefined) {
      let content: string;
      try {
        content = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
      inputs = parseJsonl(content, file === '-' ? 'stdin' : file);
    } else {
      const text = positionals.length > 0 ? positionals.join(' ') : process.stdin.isTTY ? '' : await readStdin();
      if (text.trim() === '')
        throw new UsageError('nothing to screen: give a TEXT, pipe one on stdin, or --jsonl FILE');
      inputs = [{ id: null, text }];
    }
    for (const { id, text } of inputs) {
      const { verdict, findings, score } = screenText(text);
      const rules = findings.map((f) => f.rule);
      if (values.json) io.out(JSON.stringify({ id, verdict, rules, score }));
      else
        io.out(
          `${id === null ? '' : `${id}: `}${verdict}${rules.length > 0 ? ` (${rules.join(', ')})` : ''} score ${score.toFixed(3)}`,
        );
    }
    return 0;
  },
};
