/**
 * What is wrong with a tree configuration, said so a person can go and fix it: the file,
 * the path inside it (`root.children[2].replicas`), the line and column where the YAML or
 * JSON source gives them, and what was expected instead.
 */

/** The kinds of problem `validateTree` reports. */
export type TreeProblemKind =
  /** The file is not well-formed YAML or JSON. */
  | 'syntax'
  /** A key that is not part of the format (usually a typo; the closest known key is suggested). */
  | 'unknown-key'
  /** A key the format requires is missing. */
  | 'missing-key'
  /** A value of the wrong kind: a string where a number goes, a mapping where a list goes ... */
  | 'wrong-kind'
  /** A number out of range: negative, not an integer, above a limit. */
  | 'bad-number'
  /** A value outside a fixed set (strategy kind, restart type, overflow policy ...). */
  | 'bad-value'
  /** A `type` that names no registered actor type. */
  | 'unknown-type'
  /** A name template that cannot work: unknown placeholder, or replicas > 1 without `{i}`. */
  | 'bad-template'
  /** A name that is not a valid actor name once the template is expanded. */
  | 'bad-name'
  /** Two siblings with the same name after template expansion. */
  | 'duplicate-name'
  /** Breakers nested in a way the breaker hierarchy cannot express. */
  | 'breaker-layout'
  /** Settings that conflict with each other (after defaults are applied). */
  | 'conflict';

export interface TreeProblem {
  readonly kind: TreeProblemKind;
  /** The file the configuration came from, when known. */
  readonly file: string | undefined;
  /** Where in the configuration: `root.children[2].replicas`, `defaults.strategy.kind`. */
  readonly path: string;
  /** 1-based line of the offending value (or key) in the source, when the source is known. */
  readonly line: number | undefined;
  /** 1-based column, with `line`. */
  readonly column: number | undefined;
  /** What is wrong and what was expected. */
  readonly message: string;
}

/** `file:line:column path: message`, the form editors and terminals turn into links. */
export function formatProblem(problem: TreeProblem): string {
  let where = problem.file ?? '<config>';
  if (problem.line !== undefined) where += `:${problem.line}` + (problem.column !== undefined ? `:${problem.column}` : '');
  return `${where} ${problem.path}: ${problem.message}`;
}

/**
 * A tree configuration that cannot be spawned (or loaded). `problems` has every problem
 * found, not just the first; the message lists them one per line.
 */
export class TreeConfigError extends Error {
  constructor(
    readonly problems: readonly TreeProblem[],
    readonly file?: string,
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`tree configuration${file !== undefined ? ` '${file}'` : ''} has ${count}; nothing was spawned:\n${problems.map((p) => '  ' + formatProblem(p)).join('\n')}`);
    this.name = 'TreeConfigError';
  }
}
