// Reads a file as it was at a git revision, through `git show` (execa, no shell).
import { basename, dirname } from 'node:path';
import { TunefileError, UsageError } from '../errors.ts';

/**
 * The text of `filePath` at revision `rev` of the git repository that holds it, read with
 * `git show <rev>:<path relative to the repository root>`.
 * @throws UsageError (exit 2) when git is missing, the folder is not in a repository, or `rev` does not exist;
 *   TunefileError TUNEFILE_NOT_FOUND (exit 1) when the file is not in that revision.
 */
export async function readFileAtRevision(filePath: string, rev: string, displayPath = filePath): Promise<string> {
  const { execa } = await import('execa');
  const git = (args: string[]) => execa('git', args, { cwd: dirname(filePath), reject: false, stripFinalNewline: false });
  const prefix = await git(['rev-parse', '--show-prefix']);
  if (prefix.failed) {
    const reason = prefix.code === 'ENOENT' ? 'git is not installed' : String(prefix.stderr).trim() || 'git rev-parse failed';
    throw new UsageError(`cannot read ${displayPath} at revision ${rev}: ${reason}`, { hint: '--diff compares with a git revision, so the pipeline must be in a git repository' });
  }
  if (rev.startsWith('-') || (await git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).failed) {
    throw new UsageError(`unknown git revision '${rev}'`, { hint: 'give a commit, branch or tag, such as HEAD~1 or main' });
  }
  const repoPath = String(prefix.stdout).trim() + basename(filePath);
  const shown = await git(['show', `${rev}:${repoPath}`]);
  if (shown.failed) {
    throw new TunefileError('TUNEFILE_NOT_FOUND', `${displayPath} does not exist at revision ${rev} (looked for ${repoPath})`, {
      hint: 'pick a revision in which the pipeline had been run and its lock file committed',
    });
  }
  return String(shown.stdout);
}
