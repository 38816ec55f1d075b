/**
 * Prettier's check, naming the line: `prettier --list-different` finds the files Prettier would rewrite, and each is
 * compared with its formatted text to name the first line that differs. Run by `npm test` before the tests.
 *
 *   tsx scripts/format-check.ts      exit 1 and one "file:line" per unformatted file
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';

const ROOT = path.resolve(__dirname, '..');

/** "file:line: ..." for each file Prettier would change (none when the tree is formatted). */
export async function unformattedLines(root = ROOT): Promise<string[]> {
  const bin = path.join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  const listed = spawnSync(process.execPath, [bin, '--list-different', '.'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (listed.status !== 0 && listed.status !== 1) throw new Error(`prettier failed: ${listed.stderr.trim()}`);
  const files = listed.stdout.split('\n').filter(Boolean);
  return Promise.all(
    files.map(async (file) => {
      const full = path.join(root, file);
      const source = readFileSync(full, 'utf8');
      const formatted = await format(source, { ...(await resolveConfig(full)), filepath: full });
      const [have, want] = [source.split('\n'), formatted.split('\n')];
      const line = have.findIndex((text, i) => text !== want[i]) + 1 || have.length;
      return `${file}:${line}: not as Prettier formats it (npm run format rewrites it)`;
    }),
  );
}

if (require.main === module) {
  unformattedLines().then(
    (lines) => {
      for (const line of lines) process.stdout.write(`${line}\n`);
      process.exit(lines.length === 0 ? 0 : 1);
    },
    (err) => {
      console.error((err as Error).message);
      process.exit(1);
    },
  );
}
