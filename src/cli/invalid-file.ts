import { formatProblem } from '../../supervisors/config/index.js';
import type { TreeProblem } from '../../supervisors/config/index.js';

/** What `reportInvalidFile` needs of a validation report (main.ts ValidationReport). */
export interface InvalidFileReport {
  readonly file: string;
  readonly problems: readonly TreeProblem[];
  readonly error?: string;
}

/**
 * Why a tree file was refused, on stderr: the read error, or one `file:line:column path:
 * message` line per problem and a count. Shared by `run` and `console`, which refuse a
 * file the same way before starting anything.
 */
export function reportInvalidFile(report: InvalidFileReport, output: { err(line: string): void }): void {
  if (report.error !== undefined) output.err(`error: ${report.error}`);
  else {
    for (const problem of report.problems) output.err(formatProblem(problem));
    output.err(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${report.file}`);
  }
}
