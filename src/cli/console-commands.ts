/**
 * The console's command language (`actormesh console`, MESH-30K part 7.1), as pure functions:
 * no mesh, no I/O, so every rule here is testable without a process.
 *
 *   status | broadcast <message> [--cascade C] | ask <agent> <question> | delegate <class> <task>
 *   heal <path> | freeze <path> | thaw <path> | help | quit (exit)
 *
 * Quoting, as in a POSIX shell but smaller: whitespace separates arguments; "double quotes"
 * keep spaces and read \" and \\ as escapes; 'single quotes' are literal; a backslash outside
 * quotes escapes the next character. A quoted argument is never an option, so a message may
 * be `"--cascade"`. The last argument of broadcast, ask and delegate is free text: extra
 * words are joined with single spaces (`ask sector-0/cluster-0/agent-1 how are you`).
 * `quoteConsoleArg` / `formatConsoleLine` produce lines that parse back to the same command.
 * Several commands on one line are separated by `;` outside quotes (`splitConsoleCommands`).
 */
import { CASCADES } from '../../actors/mesh/console.js';

export const CONSOLE_COMMANDS = ['status', 'broadcast', 'ask', 'delegate', 'heal', 'freeze', 'thaw', 'help', 'quit'] as const;
export type ConsoleCommandName = (typeof CONSOLE_COMMANDS)[number];

/** Other words for a command. */
export const CONSOLE_ALIASES: Readonly<Record<string, ConsoleCommandName>> = Object.freeze({ exit: 'quit' });

interface CommandSpec {
  /** Positional parameters, in order. */
  readonly params: readonly string[];
  /** The last parameter takes the rest of the line (joined with spaces). */
  readonly text?: boolean;
  /** Option names (without `--`), each taking one value. */
  readonly options?: readonly string[];
  readonly description: string;
}

const SPECS: Readonly<Record<ConsoleCommandName, CommandSpec>> = {
  status: { params: [], description: 'one wave cascade measures the mesh; prints the part 7.1 status box' },
  broadcast: { params: ['message'], text: true, options: ['cascade'], description: 'sends the message to every agent and counts their ACKs' },
  ask: { params: ['agent', 'question'], text: true, description: "asks one agent a question and prints its answer" },
  delegate: { params: ['class', 'task'], text: true, description: 'hands the task to the lowest-impedance agent of the class (A_EDGE .. F_HUMAN)' },
  heal: { params: ['path'], description: 'resets the breakers at and under the path and replays its quarantined mail' },
  freeze: { params: ['path'], description: 'makes a sector or cluster refuse new work (waves, asks, tasks)' },
  thaw: { params: ['path'], description: 'lets a frozen sector or cluster take work again' },
  help: { params: [], description: 'lists the commands' },
  quit: { params: [], description: 'ends the session (also: exit)' },
};

/** A command line, parsed: the command, its positional arguments, its options by name. */
export interface ParsedCommand {
  readonly command: ConsoleCommandName;
  readonly args: readonly string[];
  readonly options: Readonly<Record<string, string>>;
}

/** A console line that is not a valid command (or a command that failed on its arguments). */
export class ConsoleCommandError extends Error {
  /** The command word as typed ('' when there was none). */
  readonly command: string;
  constructor(command: string, message: string) {
    super(message);
    this.name = 'ConsoleCommandError';
    this.command = command;
  }
}

const show = (s: string): string => `'${s}'`;

/** The positional parameters `name` takes, in order (`ask` -> ['agent', 'question']). */
export function commandParams(name: ConsoleCommandName): readonly string[] {
  return SPECS[name].params;
}

/** `broadcast <message> [--cascade <wave|parallel>]`: the usage line of `name`; cascades read at call time. */
export function commandUsage(name: ConsoleCommandName, cascades: readonly string[] = CASCADES): string {
  const spec = SPECS[name];
  const parts = [name, ...spec.params.map((p) => `<${p}>`)];
  for (const option of spec.options ?? []) parts.push(option === 'cascade' ? `[--cascade <${cascades.join('|')}>]` : `[--${option} <value>]`);
  return parts.join(' ');
}

/** Every command with its usage and what it does (the `help` text). */
export function commandHelp(cascades: readonly string[] = CASCADES): readonly { readonly command: ConsoleCommandName; readonly usage: string; readonly description: string }[] {
  return CONSOLE_COMMANDS.map((command) => ({ command, usage: commandUsage(command, cascades), description: SPECS[command].description }));
}

const SPACE = /\s/;

interface Token {
  readonly text: string;
  /** Some part was quoted or escaped: never an option. */
  readonly quoted: boolean;
}

/** The line's arguments; throws ConsoleCommandError on an unterminated quote. */
function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && SPACE.test(line[i]!)) i++;
    if (i >= n) return tokens;
    let text = '';
    let quoted = false;
    while (i < n && !SPACE.test(line[i]!)) {
      const c = line[i]!;
      if (c === '"' || c === "'") {
        const start = i;
        quoted = true;
        i++;
        for (;;) {
          if (i >= n) {
            const command = tokens[0]?.text ?? '';
            throw new ConsoleCommandError(command, `${command === '' ? '' : `${command}: `}unterminated ${c === '"' ? 'double' : 'single'} quote at column ${start + 1} of ${JSON.stringify(line)}`);
          }
          const d = line[i]!;
          if (d === c) break;
          if (c === '"' && d === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
            text += line[i + 1];
            i += 2;
          } else {
            text += d;
            i++;
          }
        }
        i++; // the closing quote
      } else if (c === '\\' && i + 1 < n) {
        quoted = true;
        text += line[i + 1];
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    tokens.push({ text, quoted });
  }
}

/**
 * Splits `text` at each `;` outside quotes (escapes read as the tokenizer reads them) into
 * trimmed, non-empty command lines. Never throws: a bad quote is the parser's to report.
 */
export function splitConsoleCommands(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = null;
    } else if (c === '\\') {
      i++; // the escaped character (inside "..." only \" and \\ are escapes; skipping any is the same there)
    } else if (quote === '"') {
      if (c === '"') quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ';') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** True for a line with no command: blank, or a `#` comment. */
export function isBlankConsoleLine(line: string): boolean {
  const t = line.trim();
  return t.length === 0 || t.startsWith('#');
}

/**
 * Parses one command line. Returns the command, or a ConsoleCommandError naming what is
 * wrong (unknown command with the list of commands, unknown option, missing or extra
 * arguments with the usage, a cascade not in `cascades`). `cascades` defaults to the
 * mesh's `CASCADES`, read at call time.
 */
export function parseConsoleLine(line: string, cascades: readonly string[] = CASCADES): ParsedCommand | ConsoleCommandError {
  if (typeof line !== 'string') return new ConsoleCommandError('', `parseConsoleLine: line must be a string (got ${typeof line})`);
  let tokens: Token[];
  try {
    tokens = tokenize(line);
  } catch (error) {
    return error as ConsoleCommandError;
  }
  const first = tokens[0];
  if (first === undefined) return new ConsoleCommandError('', `empty line: expected a command (commands: ${CONSOLE_COMMANDS.join(', ')})`);
  const word = first.text.toLowerCase();
  const command = (CONSOLE_COMMANDS as readonly string[]).includes(word) ? (word as ConsoleCommandName) : CONSOLE_ALIASES[word];
  if (command === undefined) return new ConsoleCommandError(first.text, `unknown command ${show(first.text)} (commands: ${CONSOLE_COMMANDS.join(', ')}; 'help' explains them)`);
  const spec = SPECS[command];
  const usage = commandUsage(command, cascades);
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.quoted || !token.text.startsWith('--')) {
      positional.push(token.text);
      continue;
    }
    const eq = token.text.indexOf('=');
    const name = token.text.slice(2, eq < 0 ? undefined : eq);
    if (!(spec.options ?? []).includes(name)) {
      const known = spec.options === undefined ? 'it takes no options' : `options: ${spec.options.map((o) => `--${o}`).join(', ')}`;
      return new ConsoleCommandError(command, `${command}: unknown option ${show(token.text)} (${known}; usage: ${usage})`);
    }
    let value: string;
    if (eq >= 0) value = token.text.slice(eq + 1);
    else {
      const next = tokens[i + 1];
      if (next === undefined) return new ConsoleCommandError(command, `${command}: option --${name} needs a value (usage: ${usage})`);
      value = next.text;
      i++;
    }
    if (name in options) return new ConsoleCommandError(command, `${command}: option --${name} given twice (${show(options[name]!)} and ${show(value)})`);
    if (name === 'cascade' && !cascades.includes(value)) return new ConsoleCommandError(command, `${command}: --cascade must be one of ${cascades.join(', ')} (got ${show(value)})`);
    options[name] = value;
  }
  if (positional.length < spec.params.length) {
    return new ConsoleCommandError(command, `${command}: missing <${spec.params[positional.length]}> (usage: ${usage})`);
  }
  if (positional.length > spec.params.length) {
    if (spec.text !== true) return new ConsoleCommandError(command, `${command}: too many arguments (got ${positional.map(show).join(', ')}; usage: ${usage})`);
    const head = positional.slice(0, spec.params.length - 1);
    positional.splice(0, positional.length, ...head, positional.slice(spec.params.length - 1).join(' '));
  }
  return { command, args: positional, options };
}

const BARE = /^[A-Za-z0-9_\-./:@,+=%]+$/;

/** `arg` as the parser reads it back: bare when it is safe, else in double quotes with \" and \\ escaped. */
export function quoteConsoleArg(arg: string): string {
  if (BARE.test(arg) && !arg.startsWith('--')) return arg;
  return `"${arg.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A command line that `parseConsoleLine` reads as `command` with `args` and `options`. */
export function formatConsoleLine(command: string, args: readonly string[], options: Readonly<Record<string, string>> = {}): string {
  const parts = [command, ...args.map(quoteConsoleArg)];
  for (const [name, value] of Object.entries(options)) parts.push(`--${name}`, quoteConsoleArg(value));
  return parts.join(' ');
}
