/**
 * What is wrong with a world, said so a person can fix it: the place (`entities[12].id`,
 * `edges[40].to`, `agents[1].position`), the file, line and column when the world came from
 * text, and what was expected. Mirrors supervisors/config's TreeConfigError.
 */

/** The kinds of problem world validation reports. */
export type WorldProblemKind =
  /** The text is not well-formed YAML or JSON. */
  | 'syntax'
  /** A key that is not part of the format. */
  | 'unknown-key'
  /** A required key is missing. */
  | 'missing-key'
  /** A value of the wrong kind (a number where a string goes, a string where a list goes ...). */
  | 'wrong-kind'
  /** A distance that is not a positive finite number. */
  | 'bad-number'
  /** An id used twice (entities, agents) or an edge given twice. */
  | 'duplicate'
  /** A reference to an entity that does not exist. */
  | 'unknown-entity';

export interface WorldProblem {
  readonly kind: WorldProblemKind;
  /** The file the world came from, when known. */
  readonly file: string | undefined;
  /** Where: `entities[12].id`, `edges[3].requires[1]`, `agents[0].position`. */
  readonly path: string;
  /** 1-based line in the source text, when known. */
  readonly line: number | undefined;
  /** 1-based column, with `line`. */
  readonly column: number | undefined;
  /** What is wrong and what was expected. */
  readonly message: string;
}

/** `file:line:column path: message`, the form editors and terminals turn into links. */
export function formatWorldProblem(problem: WorldProblem): string {
  let where = problem.file ?? '<world>';
  if (problem.line !== undefined) where += `:${problem.line}` + (problem.column !== undefined ? `:${problem.column}` : '');
  return `${where} ${problem.path}: ${problem.message}`;
}

/**
 * A world that cannot be built. `problems` has every problem found, not just the first; the
 * message lists them one per line.
 */
export class WorldConfigError extends Error {
  constructor(
    readonly problems: readonly WorldProblem[],
    readonly file?: string,
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`world${file !== undefined ? ` '${file}'` : ''} has ${count}:\n${problems.map((p) => '  ' + formatWorldProblem(p)).join('\n')}`);
    this.name = 'WorldConfigError';
  }
}
