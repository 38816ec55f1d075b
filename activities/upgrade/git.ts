import { runChecked, type RunOptions } from './run-command';

/**
 * git as the upgrade domain uses it: always with an explicit repository or worktree, NEMO as the committer (no
 * dependence on a global identity), no prompts, no signing hooks that would wait for a passphrase.
 */

const IDENTITY = [
  '-c',
  'user.name=NEMO',
  '-c',
  'user.email=nemo@localhost',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'tag.gpgsign=false',
];

function gitEnv(): NodeJS.ProcessEnv {
  const { PATH, HOME, LANG } = process.env;
  return { PATH, HOME, LANG, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };
}

export async function git(dir: string, args: string[], options: Partial<RunOptions> = {}): Promise<string> {
  return runChecked('git', ['-C', dir, ...IDENTITY, ...args], {
    cwd: dir,
    env: gitEnv(),
    timeoutMs: 120_000,
    ...options,
  });
}

export async function revParse(dir: string, ref: string): Promise<string> {
  return (await git(dir, ['rev-parse', '--verify', `${ref}^{commit}`])).trim();
}

export async function tagCommit(repo: string, tag: string): Promise<string | undefined> {
  const out = await git(repo, ['tag', '--list', tag]);
  return out.trim() ? revParse(repo, `refs/tags/${tag}`) : undefined;
}

export interface ChangedFile {
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  path: string;
}

/** What `to` changes relative to `from`, renames reported as the new path. */
export async function changedFiles(dir: string, from: string, to: string): Promise<ChangedFile[]> {
  const out = await git(dir, ['diff', '--name-status', '-z', '--no-renames', from, to]);
  const fields = out.split('\0').filter(Boolean);
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const code = fields[i]![0];
    files.push({
      status: code === 'A' ? 'added' : code === 'D' ? 'deleted' : code === 'R' ? 'renamed' : 'modified',
      path: fields[i + 1]!,
    });
  }
  return files;
}
