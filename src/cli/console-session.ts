/**
 * `actormesh console FILE`: spawns the tree as `run` does, runs one registration wave, then
 * reads console commands (console-commands.ts) from --exec or from stdin, one per line, and
 * prints each outcome (console-executor.ts): human lines, or with --json exactly one JSON
 * object per command on stdout (logs and the prompt then go to stderr).
 *
 * Exit code: 1 when the file or an option is refused (before anything is spawned), when
 * any --exec command failed, or when any command failed while reading a stdin that is not
 * a TTY (so scripts notice); an interactive session ends with 0.
 */
import { createInterface } from 'node:readline';
import { InvalidArgumentError } from 'commander';
import { ActorSystem } from '../index.js';
import { configureMesh, meshQuarantine, registerMeshTypes } from '../../actors/mesh-types.js';
import type { WaveReport } from '../../actors/mesh-types.js';
import { MeshConsole } from '../../actors/mesh/console.js';
import { spawnTree } from '../../supervisors/config/index.js';
import { ConsoleCommandError, isBlankConsoleLine, parseConsoleLine, splitConsoleCommands } from './console-commands.js';
import { ConsoleExecutor, outcomeJson } from './console-executor.js';
import { reportInvalidFile } from './invalid-file.js';
import type { Output, ValidationReport } from './main.js';

export interface ConsoleOptions {
  readonly seed: number;
  readonly speedup: number;
  /** Command lines to run instead of reading stdin (parseExecOption's result). */
  readonly exec?: readonly string[];
  readonly json?: boolean;
}

export interface ConsoleIo {
  /** main.ts's validateFile (passed in: this module must not import main.ts at run time). */
  readonly validate: (file: string) => Promise<ValidationReport>;
  /** Where commands come from without --exec (default process.stdin). */
  readonly input?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

/** The prompt shown when stdin is a TTY. */
export const CONSOLE_PROMPT = 'mesh> ';

/**
 * `--exec`: the `;`-separated command lines, each checked by the parser now, so that a typo
 * is refused before 31,101 actors are spawned.
 */
export function parseExecOption(value: string): string[] {
  const lines = splitConsoleCommands(value).filter((line) => !isBlankConsoleLine(line));
  if (lines.length === 0) throw new InvalidArgumentError(`expected commands separated by ';', e.g. "status; broadcast hello" (got '${value}')`);
  for (const line of lines) {
    const parsed = parseConsoleLine(line);
    if (parsed instanceof ConsoleCommandError) throw new InvalidArgumentError(parsed.message);
  }
  return lines;
}

/** Runs the console over `file`; resolves to the exit code. */
export async function consoleFile(file: string, options: ConsoleOptions, output: Output, io: ConsoleIo): Promise<number> {
  const report = await io.validate(file);
  if (!report.ok) {
    reportInvalidFile(report, output);
    return 1;
  }
  const json = options.json === true;
  const system = ActorSystem.create({ name: 'actormesh-console', logLevel: 'silent' });
  try {
    registerMeshTypes(system);
    const settings = configureMesh(system, { seed: options.seed, speedup: options.speedup });
    const t0 = performance.now();
    const tree = spawnTree(system, file);
    const spawnMs = Math.round(performance.now() - t0);
    // Registration (as the scenario's phase 0): agents set up their simulation once, so the
    // first command does not pay for it. Wave id 0: MeshConsole numbers its waves from 1.
    const t1 = performance.now();
    const registration = await tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: 0, replyTo, register: true }), { timeoutMs: settings.gatherTimeoutMs * 4 + 10_000 });
    output.err(`spawned ${tree.actors.toLocaleString('en-US')} actors in ${spawnMs} ms; registration: ${registration.counts.ready.toLocaleString('en-US')} agents in ${Math.round(performance.now() - t1)} ms`);
    const executor = new ConsoleExecutor(new MeshConsole(system, tree, { quarantine: meshQuarantine(system) }));
    let failed = false;
    /** Runs every command on `line`; true when one of them was `quit`. */
    const runLine = async (line: string): Promise<boolean> => {
      for (const commandLine of splitConsoleCommands(line)) {
        if (isBlankConsoleLine(commandLine)) continue;
        const outcome = await executor.run(commandLine);
        if (!outcome.ok) failed = true;
        if (json) output.out(JSON.stringify(outcomeJson(outcome)));
        else if (outcome.ok) for (const text of outcome.text) output.out(text);
        else output.err(`error: ${outcome.error}`);
        if (outcome.ok && outcome.command === 'quit') return true;
      }
      return false;
    };

    if (options.exec !== undefined) {
      for (const line of options.exec) if (await runLine(line)) break;
      return failed ? 1 : 0;
    }

    const input = io.input ?? process.stdin;
    const tty = input.isTTY === true;
    const rl = createInterface({ input, output: tty ? (json ? process.stderr : process.stdout) : undefined, terminal: tty, prompt: CONSOLE_PROMPT });
    rl.on('SIGINT', () => rl.close()); // Ctrl-C ends the session cleanly (the system is still terminated)
    if (tty) {
      output.err(`type 'help' for the commands, 'quit' to leave`);
      rl.prompt();
    }
    for await (const line of rl) {
      if (await runLine(line)) break;
      if (tty) rl.prompt();
    }
    rl.close();
    return failed && !tty ? 1 : 0;
  } finally {
    await system.terminate();
  }
}
