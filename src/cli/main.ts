#!/usr/bin/env node
/**
 * The `actormesh` command line.
 *
 *   actormesh validate FILE [--json]   checks a supervision tree file (YAML or JSON)
 *
 * `validate` prints `ok: N actors in tree` and exits 0, or prints every problem, one per
 * line as `file:line:column path: message`, and exits 1 (also when the file cannot be
 * read). Usage errors exit 1 too, with commander's message.
 *
 * This file is the composition root (docs/adr/0004-cli-composition-root.md): the one place
 * under src/ that imports actors/ and supervisors/, so that the names a tree file uses are
 * the types this build ships.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { ActorSystem } from '../index.js';
import { registerMeshTypes } from '../../actors/mesh-types.js';
import { TreeConfigError, analyzeTree, formatProblem, loadTreeFile, treeTypeNames } from '../../supervisors/config/index.js';
import type { TreeProblem } from '../../supervisors/config/index.js';

/** Where the command writes; tests pass their own. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const processOutput: Output = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** The outcome of validating one file. */
export interface ValidationReport {
  readonly file: string;
  readonly ok: boolean;
  /** Actors the tree describes (when ok). */
  readonly actors: number | undefined;
  readonly problems: readonly TreeProblem[];
  /** Set when the file could not be read at all. */
  readonly error?: string;
}

/** Validates a tree file against the actor types this build registers. */
export async function validateFile(file: string): Promise<ValidationReport> {
  const system = ActorSystem.create({ name: 'actormesh-cli', logLevel: 'silent' });
  try {
    registerMeshTypes(system);
    let config: unknown;
    try {
      config = loadTreeFile(file);
    } catch (error) {
      if (error instanceof TreeConfigError) return { file, ok: false, actors: undefined, problems: error.problems };
      const reason = (error as NodeJS.ErrnoException)?.code === 'ENOENT' ? 'no such file' : ((error as Error)?.message ?? String(error));
      return { file, ok: false, actors: undefined, problems: [], error: `cannot read '${file}': ${reason}` };
    }
    const { problems, plan } = analyzeTree(config, { registeredTypes: system.registeredTypes, typesWithDefinitions: treeTypeNames(system) });
    return { file, ok: problems.length === 0, actors: plan?.actors, problems };
  } finally {
    await system.terminate();
  }
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[] = process.argv, output: Output = processOutput): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('actormesh')
    .description('actormesh: an actor runtime in the style of Erlang/OTP and Akka')
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text.trimEnd()), writeErr: (text) => output.err(text.trimEnd()) });
  program
    .command('validate')
    .description('check a supervision tree file (YAML or JSON) without starting anything')
    .argument('<file>', 'the tree file')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const report = await validateFile(file);
      exitCode = report.ok ? 0 : 1;
      if (options.json === true) {
        output.out(JSON.stringify(report, null, 2));
      } else if (report.error !== undefined) {
        output.err(`error: ${report.error}`);
      } else if (report.ok) {
        output.out(`ok: ${report.actors!} actors in tree`);
      } else {
        for (const problem of report.problems) output.out(formatProblem(problem));
        output.out(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${file}`);
      }
    });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    // commander has already printed its message (exitOverride turns its exit into a throw).
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 1;
  }
  return exitCode;
}

/** True when this module is the program (node dist/src/cli/main.js, the bin link, or tsx). */
function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) process.exitCode = await main();
