/**
 * Runs parsed console commands (console-commands.ts) against a running mesh through a
 * MeshConsole, and turns each into one outcome: the JSON-ready result and its human lines,
 * or an error message. A command's failure is an outcome, never a throw, so a session goes
 * on after it.
 *
 * Paths are absolute actor paths (`/user/orchestrator/sector-1/cluster-2`) or relative to
 * the root actor (`sector-1/cluster-2`); results name them absolutely, human lines
 * relatively. The executor also remembers what MeshConsole does not report back: which
 * coordinators this session froze, and when the last broadcast finished.
 */
import { isAgentType } from '../../actors/mesh/agent-types.js';
import { CASCADES } from '../../actors/mesh/console.js';
import type { Cascade, MeshConsole } from '../../actors/mesh/console.js';
import { IMPEDANCE_CLASSES } from '../../actors/impedance/index.js';
import type { ImpedanceClass } from '../../actors/impedance/index.js';
import { digestPercentile } from '../../actors/protocol/index.js';
import { CONSOLE_COMMANDS, ConsoleCommandError, commandHelp, parseConsoleLine } from './console-commands.js';
import type { ParsedCommand } from './console-commands.js';
import { formatAnswer, formatBroadcast, formatConsoleStatus, formatDelegation, formatFreeze, formatHeal } from './console-format.js';

export interface ConsoleSuccess {
  readonly command: string;
  readonly ok: true;
  /** Plain data (JSON-serializable). */
  readonly result: unknown;
  /** The result for people, one entry per line. */
  readonly text: readonly string[];
}

export interface ConsoleFailure {
  readonly command: string;
  readonly ok: false;
  readonly error: string;
}

export type ConsoleOutcome = ConsoleSuccess | ConsoleFailure;

/** The one JSON object a command prints with --json: {command, ok, result} or {command, ok: false, error}. */
export function outcomeJson(outcome: ConsoleOutcome): { command: string; ok: boolean; result?: unknown; error?: string } {
  return outcome.ok ? { command: outcome.command, ok: true, result: outcome.result } : { command: outcome.command, ok: false, error: outcome.error };
}

/** `d_gpu`, `CLASS_D_GPU`, `D` -> 'D_GPU'; undefined when it names no class. */
export function parseImpedanceClass(input: string): ImpedanceClass | undefined {
  let s = input.trim().toUpperCase().replace(/-/g, '_');
  if (s.startsWith('CLASS_')) s = s.slice('CLASS_'.length);
  return IMPEDANCE_CLASSES.find((c) => c === s || (s.length === 1 && c.startsWith(`${s}_`)));
}

export interface ConsoleExecutorOptions {
  /** Clock for "last broadcast ... ago" (default Date.now). */
  readonly now?: () => number;
}

const article = (word: string): string => (/^[aeiou]/i.test(word) ? 'an' : 'a');
const elapsed = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;
const round2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);

export class ConsoleExecutor {
  /** The root actor's path: relative paths start below it. */
  readonly rootPath: string;
  private readonly frozen = new Set<string>();
  private lastBroadcastAt: number | null = null;
  private readonly now: () => number;

  constructor(
    readonly mesh: MeshConsole,
    options: ConsoleExecutorOptions = {},
  ) {
    const root = mesh?.paths?.keys().next().value;
    if (root === undefined) throw new TypeError(`ConsoleExecutor: mesh must be a MeshConsole over a spawned tree (got ${mesh === null ? 'null' : typeof mesh})`);
    this.rootPath = root;
    this.now = options.now ?? Date.now;
  }

  /** `path` relative to the root (the root itself stays absolute). */
  readonly relative = (path: string): string => (path.startsWith(this.rootPath + '/') ? path.slice(this.rootPath.length + 1) : path);

  /** Parses and runs one command line. */
  async run(line: string): Promise<ConsoleOutcome> {
    const parsed = parseConsoleLine(line, CASCADES);
    if (parsed instanceof ConsoleCommandError) return { command: parsed.command, ok: false, error: parsed.message };
    return this.execute(parsed);
  }

  /** Runs one parsed command; every error becomes a failed outcome naming the command. */
  async execute(parsed: ParsedCommand): Promise<ConsoleOutcome> {
    const { command } = parsed;
    try {
      return { command, ok: true, ...(await this.dispatch(parsed)) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { command, ok: false, error: message.startsWith(`${command}: `) ? message : `${command}: ${message}` };
    }
  }

  /**
   * The absolute path of the mesh actor `input` names, checked against what `command` takes;
   * throws ConsoleCommandError naming the path and showing what a valid one looks like.
   */
  resolvePath(command: string, input: string, takes: 'any' | 'agent' | 'coordinator'): string {
    const trimmed = input.trim();
    const cut = trimmed.length > 1 ? trimmed.replace(/\/+$/, '') : trimmed;
    const path = cut.startsWith('/') ? cut : `${this.rootPath}/${cut}`;
    const kind = this.mesh.paths.get(path);
    const example = takes === 'agent' ? this.mesh.agents[0] : takes === 'coordinator' ? this.mesh.sectors[0] : (this.mesh.clusters[0] ?? this.mesh.sectors[0]);
    const looks = example === undefined ? `an actor path under '${this.rootPath}'` : `relative to the root like '${this.relative(example)}', or absolute like '${example}'`;
    if (kind === undefined || cut.length === 0) throw new ConsoleCommandError(command, `${command}: unknown path '${input}' (no such actor in this mesh); a path is ${looks}`);
    if (takes === 'agent' && !isAgentType(kind)) throw new ConsoleCommandError(command, `${command}: '${input}' is ${article(kind)} ${kind}, not an agent; an agent's path is ${looks}`);
    if (takes === 'coordinator' && kind !== 'sector-coordinator' && kind !== 'cluster-lead') {
      const cluster = this.mesh.clusters[0] === undefined ? '' : ` or a cluster like '${this.relative(this.mesh.clusters[0])}'`;
      throw new ConsoleCommandError(command, `${command}: '${input}' is ${article(kind)} ${kind}; ${command} takes a sector like '${this.relative(this.mesh.sectors[0] ?? '')}'${cluster} (or their absolute paths, like '${this.mesh.sectors[0] ?? ''}')`);
    }
    return path;
  }

  private async dispatch(p: ParsedCommand): Promise<{ result: unknown; text: readonly string[] }> {
    const rel = this.relative;
    switch (p.command) {
      case 'status': {
        const status = await this.mesh.status();
        const frozen = [...this.frozen].sort();
        const lastBroadcastAgoMs = this.lastBroadcastAt === null ? null : Math.max(0, this.now() - this.lastBroadcastAt);
        return { result: { ...status, frozen, lastBroadcastAgoMs }, text: formatConsoleStatus(status, { frozen: frozen.map(rel), lastBroadcastAgoMs }).split('\n') };
      }
      case 'broadcast': {
        const cascade = (p.options['cascade'] ?? 'wave') as Cascade;
        // The parser checked the name against CASCADES at parse time; read it again in case it changed.
        if (!(CASCADES as readonly string[]).includes(cascade)) throw new ConsoleCommandError('broadcast', `broadcast: --cascade must be one of ${CASCADES.join(', ')} (got '${cascade}')`);
        const r = await this.mesh.broadcast(p.args[0]!, { cascade });
        this.lastBroadcastAt = this.now();
        // The delay histogram (hundreds of buckets on the full mesh) is summarized, not printed.
        const d = r.agentDelays;
        const delays = { count: d.count, p50Ms: round2(digestPercentile(d, 0.5)), p95Ms: round2(digestPercentile(d, 0.95)), maxMs: d.count === 0 ? null : round2(d.max) };
        return { result: { ...r, agentDelays: delays }, text: formatBroadcast(r, delays, rel) };
      }
      case 'ask': {
        const agent = this.resolvePath('ask', p.args[0]!, 'agent');
        const t0 = performance.now();
        const answer = await this.mesh.ask(agent, p.args[1]!);
        const ms = elapsed(t0);
        return { result: { ...answer, ms }, text: formatAnswer(answer, ms, rel) };
      }
      case 'delegate': {
        const cls = parseImpedanceClass(p.args[0]!);
        if (cls === undefined) throw new ConsoleCommandError('delegate', `delegate: unknown class '${p.args[0]}' (classes: ${IMPEDANCE_CLASSES.join(', ')}; 'CLASS_D_GPU', 'd_gpu' and 'D' also name D_GPU)`);
        const t0 = performance.now();
        const done = await this.mesh.delegate(cls, p.args[1]!);
        const ms = elapsed(t0);
        return { result: { ...done, ms }, text: formatDelegation(done, ms, rel) };
      }
      case 'heal': {
        const healed = this.mesh.heal(this.resolvePath('heal', p.args[0]!, 'any'));
        return { result: healed, text: formatHeal(healed, rel) };
      }
      case 'freeze':
      case 'thaw': {
        const path = this.resolvePath(p.command, p.args[0]!, 'coordinator');
        const state = p.command === 'freeze' ? await this.mesh.freeze(path) : await this.mesh.thaw(path);
        if (state.frozen) this.frozen.add(state.path);
        else this.frozen.delete(state.path);
        return { result: state, text: formatFreeze(state, rel) };
      }
      case 'help': {
        const commands = commandHelp(CASCADES);
        const width = Math.max(...commands.map((c) => c.usage.length));
        const text = [
          ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.description}`),
          `Paths: relative to the root ('${rel(this.mesh.clusters[0] ?? this.rootPath)}') or absolute ('${this.mesh.clusters[0] ?? this.rootPath}'). Quote text with spaces: ask ${rel(this.mesh.agents[0] ?? 'agent')} "how are you?"`,
        ];
        return { result: { commands }, text };
      }
      case 'quit':
        return { result: null, text: [] };
      default: {
        const never: never = p.command;
        throw new ConsoleCommandError(String(never), `unknown command '${String(never)}' (commands: ${CONSOLE_COMMANDS.join(', ')})`);
      }
    }
  }
}
