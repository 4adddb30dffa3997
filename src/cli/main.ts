#!/usr/bin/env node
/**
 * The `actormesh` command line.
 *
 *   actormesh validate FILE [--json]   checks a supervision tree file (YAML or JSON)
 *   actormesh run FILE [--duration MS] [--seed N] [--chaos-rate R] [--json] [--quiet]
 *                 [--observe HOST:PORT [--observe-token TOKEN]]
 *                                      the main job: validates and spawns the tree, runs the
 *                                      MESH-30K scenario (wave cascade, scatter-gather, chaos,
 *                                      heal) and prints a status box and the KPI table; with
 *                                      --observe, a live web view of the mesh (issue 10) is
 *                                      served from before the run until SIGINT / SIGTERM
 *   actormesh journal repair DIR [--json]
 *                                      truncates a file journal at its first bad record
 *   actormesh console FILE [--seed N] [--speedup X] [--exec "cmd; cmd"] [--json]
 *                                      spawns the tree as `run` does, one registration wave,
 *                                      then the MESH-30K 7.1 console commands (status,
 *                                      broadcast, ask, delegate, heal, freeze, thaw) from
 *                                      --exec or stdin (console-session.ts and its neighbours)
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
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { ActorSystem, repairJournal } from '../index.js';
import { registerMeshTypes } from '../../actors/mesh-types.js';
import { runScenario } from '../../actors/mesh/scenario.js';
import { runClusterFile, runNode } from './cluster-run.js';
import { generateNodeKeys } from '../transport/signing.js';
import type { NatsCredentials } from './mesh-node.js';
import type { RunSummary } from '../../actors/mesh/scenario.js';
import { formatKpiReport } from '../../actors/protocol/index.js';
import { TreeConfigError, analyzeTree, formatProblem, loadTreeFile, treeTypeNames } from '../../supervisors/config/index.js';
import type { TreeProblem } from '../../supervisors/config/index.js';
import { consoleFile, parseExecOption } from './console-session.js';
import { attachObserver } from '../observer/observer.js';
import { lateMeshObserver, meshObserver } from '../../actors/mesh/observer-adapter.js';
import { meshStatusLines, renderBox } from './console-format.js';
import { reportInvalidFile } from './invalid-file.js';
import type { ConsoleOptions } from './console-session.js';

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

/** `--duration`: milliseconds, as `1500`, `1500ms` or `1.5s`. */
export function parseDuration(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(value);
  if (m === null) throw new InvalidArgumentError(`expected a duration such as 2000, 2000ms or 2s (got '${value}')`);
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  if (!Number.isFinite(ms) || ms > 3_600_000) throw new InvalidArgumentError(`expected a duration of at most 1h (got '${value}')`);
  return Math.round(ms);
}

function parseSeed(value: string): number {
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError(`expected an integer (got '${value}')`);
  return Number(value);
}

function parseRate(value: string): number {
  const rate = Number(value);
  if (value.trim() === '' || !(rate >= 0 && rate <= 1)) throw new InvalidArgumentError(`expected a fraction of agents per second in [0, 1] (got '${value}')`);
  return rate;
}

function parseNodeCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 32) throw new InvalidArgumentError(`expected a node count from 1 to 32 (got '${value}')`);
  return n;
}

function parseNodeList(value: string): string[] {
  const ids = value.split(',').map((id) => id.trim());
  const bad = ids.find((id) => !/^[A-Za-z0-9_-]+$/.test(id));
  if (bad !== undefined) throw new InvalidArgumentError(`expected node ids (letters, digits, '-', '_') separated by commas (got '${bad}' in '${value}')`);
  if (new Set(ids).size !== ids.length) throw new InvalidArgumentError(`a node id appears twice in '${value}'`);
  return ids;
}

function parseNatsUrl(value: string): string {
  if (!/^(nats|tls|wss?):\/\/[^\s]+$/.test(value.trim())) throw new InvalidArgumentError(`expected a NATS URL such as nats://127.0.0.1:4222 (got '${value}')`);
  return value.trim();
}

function credentialsOf(options: { natsUser?: string; natsPass?: string; natsToken?: string; natsTlsCa?: string }): NatsCredentials | undefined {
  const c = { user: options.natsUser, pass: options.natsPass, token: options.natsToken, tlsCaFile: options.natsTlsCa };
  return Object.values(c).every((v) => v === undefined) ? undefined : c;
}

function parseSpeedup(value: string): number {
  const speedup = Number(value);
  if (value.trim() === '' || !(speedup > 0) || !Number.isFinite(speedup)) throw new InvalidArgumentError(`expected a number > 0 (got '${value}')`);
  return speedup;
}

/** `--observe`: where the observer listens. */
export interface ObserveAddress {
  readonly host: string;
  /** 0: any free port (the printed URL says which). */
  readonly port: number;
}

/** `--observe`: `HOST:PORT` (`127.0.0.1:8080`, `localhost:0`, `[::1]:8080`). */
export function parseObserve(value: string): ObserveAddress {
  const m = /^\s*(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})\s*$/.exec(value);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port >= 0 && port <= 65535)) throw new InvalidArgumentError(`expected HOST:PORT such as 127.0.0.1:8080 (port 0..65535, 0 for any free port; an IPv6 host in brackets, [::1]:8080) (got '${value}')`);
  return { host: m[1] ?? m[2]!, port };
}

function parseToken(value: string): string {
  if (value.trim() === '' || /\s/.test(value)) throw new InvalidArgumentError(`expected a token without spaces (got '${value}')`);
  return value;
}

export interface RunOptions {
  /** Spread the mesh over processes through this NATS server (with `nodes`). */
  readonly nats?: string;
  /** How many node processes (with `nats`; default 3). */
  readonly nodes?: number;
  readonly natsUser?: string;
  readonly natsPass?: string;
  readonly natsToken?: string;
  readonly natsTlsCa?: string;
  readonly sign?: boolean;
  readonly duration: number;
  readonly seed: number;
  readonly chaosRate: number;
  readonly speedup: number;
  readonly json?: boolean;
  readonly quiet?: boolean;
  /** Serve the observer there, from before the run until `RunHooks.stopObserving`. */
  readonly observe?: ObserveAddress;
  /** Bearer token for the observer's actions (without it the page is read-only). */
  readonly observeToken?: string;
}

/** What an embedding (a test) may hand `runFile` instead of the process's signals. */
export interface RunHooks {
  /** Called with the observer's URL as soon as it listens. */
  readonly onObserving?: (url: string) => void;
  /** With --observe: resolves when observing should end (default: the first SIGINT or SIGTERM). */
  readonly stopObserving?: Promise<void>;
}

/** Resolves on the first SIGINT or SIGTERM (and stops listening for them). */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const pct = (r: number): string => `${(r * 100).toFixed(1)}%`;

/** The status box of MESH-30K 7.1, for a finished run. */
export function formatStatusBox(summary: RunSummary): string {
  const wave = summary.wave;
  const p95 = wave.levels['orchestrator']?.p95Ms;
  return renderBox([...meshStatusLines(summary.status, 'this run'), `First cascade: ${fmtInt(wave.reached)} acks in ${p95 === undefined || p95 === null ? '-' : `${Math.round(p95)}ms`}`]);
}

/** Plain-text lines about the run's phases (waves, scatter-gathers, ask, delegation, chaos, heal). */
function formatRunLines(summary: RunSummary): string[] {
  const w = summary.wave;
  const sg = summary.scatterGather;
  const lv = (role: string) => {
    const l = w.levels[role];
    return l === undefined ? '-' : `p50 ${l.p50Ms ?? '-'} ms, p95 ${l.p95Ms ?? '-'} ms`;
  };
  const sgLine = (name: string, r: RunSummary['scatterGather']['calibration']) =>
    `scatter-gather ${name} over ${fmtInt(r.agents)} agents: ${r.status}, response rate ${pct(r.responseRate)}; sent ${fmtInt(r.sent)} (predicted from heartbeats ${fmtInt(r.fromProfile)}, skipped ${r.skipped.insufficientLeadTime + r.skipped.lowConfidence}${r.notSent > 0 ? `, not sent in time ${r.notSent}` : ''}); lead +${r.runtimeLeadMs} ms, window +-${r.halfWidthMs} ms: in ${fmtInt(r.inWindow)}, early ${fmtInt(r.early)}, late ${fmtInt(r.late)}, missing ${fmtInt(r.missing)}, mean offset ${r.meanOffsetMs ?? '-'} ms; prediction error p50 ${r.predictionErrorP50Ms ?? '-'} ms, p95 ${r.predictionErrorP95Ms ?? '-'} ms${r.recommendation === null ? '' : `; ${r.recommendation}`}`;
  const ask = 'error' in summary.ask ? `ask ${summary.ask.agent}: FAILED, ${summary.ask.error}` : `ask ${summary.ask.agent}: "${summary.ask.answer}" in ${summary.ask.ms} ms`;
  const d = summary.delegation;
  return [
    `spawned ${fmtInt(summary.actors)} actors (${fmtInt(summary.sectors)} sectors, ${fmtInt(summary.clusters)} clusters, ${fmtInt(summary.agents)} agents) in ${summary.spawnMs} ms`,
    `registration: ${fmtInt(summary.registration.agents)} agents set up their impedance simulation in ${summary.registration.ms} ms`,
    `wave ${w.waveId}: ${fmtInt(w.reached)} agents acked (ready ${fmtInt(w.counts.ready)}, conflict ${fmtInt(w.counts.conflict)}, missing ${fmtInt(w.missing)}), quorum ${w.quorum}, ${w.totalMs} ms`,
    `  agent replies ${lv('agent')}; cluster leads ${lv('cluster-lead')}; sectors ${lv('sector-coordinator')}`,
    `${summary.waves.count} cascades: p50 ${summary.waves.p50Ms ?? '-'} ms, p95 ${summary.waves.p95Ms ?? '-'} ms`,
    `scatter-gather: the cascades measured ${sg.runtimeSpreadMs} ms for the runtime to reach every agent and back`,
    sgLine('calibration (no arrival history; not in the KPIs)', sg.calibration),
    ...sg.rounds.map((r, i) => sgLine(`round ${i + 1} (lead and window from the round before)`, r)),
    ask,
    `delegate '${d.capability}': ${d.agent === null ? d.outcome : `${d.agent} (${d.cls}) in ${d.ms} ms`}`,
    `think: ${fmtInt(summary.think.answered)} of ${fmtInt(summary.think.agents)} agents' model calls answered in ${summary.think.ms} ms ${summary.think.lanes ? 'through admission lanes' : 'without admission lanes'}; peak concurrent calls ${Object.entries(summary.think.peakPerLane).map(([lane, n]) => `${lane} ${n}`).join(', ')}; longest wait ${summary.think.maxWaitMs} ms`,
    ...(summary.wasm === undefined ? [] : [`wasm: ${fmtInt(summary.wasm.decisions)} decisions by ${fmtInt(summary.wasm.agents)} wasm agents in ${summary.wasm.ms} ms (${summary.wasm.mode === 'wasm' ? 'WebAssembly in worker threads' : 'JavaScript twins'})${summary.wasm.failed > 0 ? `; ${fmtInt(summary.wasm.failed)} failed` : ''}`]),
    `chaos: ${summary.chaos.failuresInjected} agent failures over ${summary.chaos.durationMs} ms (${summary.chaos.waves} waves, lowest active rate ${pct(summary.chaos.minActiveRate)}); ${summary.restarts} restarts`,
    `heal: ${summary.heal.breakersReset} breakers reset, ${summary.heal.tasksReplayed} quarantined tasks replayed; ${summary.heal.healed ? 'every agent answers again' : 'NOT healed'} after ${summary.heal.ms} ms (${summary.heal.waves} waves)`,
  ];
}

/** `actormesh journal repair DIR`: resolves to the exit code (1 when the journal cannot be read or repaired). */
export async function repairJournalDir(dir: string, options: { json?: boolean }, output: Output): Promise<number> {
  try {
    const report = await repairJournal(dir);
    if (options.json === true) output.out(JSON.stringify(report));
    else if (!report.repaired) output.out(`ok: ${report.dir} is whole, nothing to repair`);
    else {
      output.out(`repaired ${report.dir}: cut ${report.file} at byte ${report.offset} (${report.reason}); ${report.removedBytes} bytes removed${report.removedSegments.length > 0 ? `, later segments deleted: ${report.removedSegments.join(', ')}` : ''}`);
    }
    return 0;
  } catch (error) {
    output.err(`error: cannot repair '${dir}': ${(error as Error)?.message ?? String(error)}`);
    return 1;
  }
}

/** `actormesh run`: resolves to the exit code. */
export async function runFile(file: string, options: RunOptions, output: Output, hooks: RunHooks = {}): Promise<number> {
  const report = await validateFile(file);
  if (!report.ok) {
    reportInvalidFile(report, output);
    return 1;
  }
  const total = report.actors!;
  const log = (line: string) => {
    if (options.quiet !== true) output.err(line);
  };
  const useBar = options.quiet !== true && options.json !== true && process.stderr.isTTY === true && output === processOutput;
  const bar = useBar ? new cliProgress.SingleBar({ stream: process.stderr, format: 'spawning [{bar}] {percentage}% | {value}/{total} actors', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic) : undefined;
  let nextTenth = 1;
  const onProgress = (started: number) => {
    if (bar !== undefined) {
      bar.update(Math.min(started, total));
      return;
    }
    while (nextTenth <= 10 && started >= (total * nextTenth) / 10) {
      log(`spawning: ${nextTenth * 10}% (${fmtInt(Math.min(started, total))}/${fmtInt(total)} actors)`);
      nextTenth++;
    }
  };
  const system = ActorSystem.create({ name: 'actormesh-run', logLevel: 'silent' });
  // --observe: the observer is attached before the tree is spawned (so it sees every
  // restart); the mesh adapter is bound once the scenario has spawned the tree.
  const late = options.observe === undefined ? undefined : lateMeshObserver();
  let runKpis: RunSummary['kpis'] | undefined;
  let observer: Awaited<ReturnType<typeof attachObserver>> | undefined;
  try {
    registerMeshTypes(system);
    if (options.observe !== undefined && late !== undefined) {
      observer = await attachObserver(system, { host: options.observe.host, port: options.observe.port, token: options.observeToken, mesh: late.mesh, sampleMs: 1000 });
      output.err(`observer: ${observer.url}${options.observeToken === undefined ? ' (read-only: no --observe-token)' : ''}`);
      hooks.onObserving?.(observer.url);
    }
    bar?.start(total, 0);
    let summary: RunSummary;
    try {
      summary = await runScenario(system, file, {
        durationMs: options.duration,
        seed: options.seed,
        chaosRate: options.chaosRate,
        mesh: { speedup: options.speedup },
        onProgress: (n) => {
          onProgress(n);
          if (n >= total) bar?.stop();
        },
        onSpawned: (tree, console) => {
          if (late === undefined) return;
          // A mesh view that cannot be made must not stop the run: the observer still serves
          // the tree, counters and log.
          try {
            late.bind(meshObserver(system, tree, console, { sampleMs: 1000, kpis: () => runKpis }));
          } catch (error) {
            output.err(`observer: no mesh view (heatmap, KPIs, actions): ${error instanceof Error ? error.message : String(error)}`);
          }
        },
        onPhase: (phase) => {
          if (phase !== 'spawn') {
            bar?.stop();
            log(`phase: ${phase}`);
          }
        },
      });
    } finally {
      bar?.stop();
    }
    if (options.json === true) output.out(JSON.stringify({ file, ...summary }));
    else {
      if (options.quiet !== true) for (const line of formatRunLines(summary)) output.err(line);
      output.out(formatStatusBox(summary));
      output.out('');
      output.out(formatKpiReport(summary.kpis));
    }
    if (observer !== undefined) {
      // The job is done; the mesh keeps running (and the page shows the run's KPI table).
      runKpis = summary.kpis;
      output.err(`observer: the run is over; the mesh stays up at ${observer.url} until SIGINT or SIGTERM`);
      await (hooks.stopObserving ?? untilSignal());
    }
    return 0;
  } finally {
    bar?.stop();
    late?.close();
    await observer?.close();
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
  program
    .command('run')
    .description('the main job: spawn the tree, run the MESH-30K scenario (wave cascade, scatter-gather, chaos, heal), print status and KPIs')
    .argument('<file>', 'the tree file')
    .option('--duration <ms>', 'length of the chaos phase (1500, 1500ms, 1.5s)', parseDuration, 2000)
    .option('--seed <n>', 'seed of impedance classes, processing draws, conflicts and chaos', parseSeed, 1)
    .option('--chaos-rate <r>', 'fraction of agents told to fail per second of chaos, 0..1 (0: no chaos)', parseRate, 0.001)
    .option('--speedup <x>', 'simulation speedup of the impedance model', parseSpeedup, 1000)
    .option('--json', 'print exactly one JSON summary on stdout (everything else on stderr)')
    .option('--quiet', 'no progress or phase lines')
    .option('--observe <host:port>', 'serve the observer (a live web view of the mesh) there, from before the run until SIGINT/SIGTERM; port 0: any free port', parseObserve)
    .option('--observe-token <token>', "bearer token for the observer's heal / freeze / thaw (without it the page is read-only)", parseToken)
    .option('--nats <url>', 'spread the mesh over node processes through this NATS server (see --nodes)', parseNatsUrl)
    .option('--nodes <n>', 'with --nats: how many node processes (this one runs the root and n2..nN are child processes)', parseNodeCount)
    .option('--nats-user <user>', 'NATS user (with --nats-pass)')
    .option('--nats-pass <pass>', 'NATS password')
    .option('--nats-token <token>', 'NATS token')
    .option('--nats-tls-ca <file>', "PEM file of the CA of the NATS server's certificate (turns TLS on)")
    .option('--sign', 'with --nats: sign every frame between the nodes (Ed25519 keys made for the run); unsigned or badly signed frames are refused')
    .action(async (file: string, options: RunOptions) => {
      if (options.observeToken !== undefined && options.observe === undefined) {
        output.err(`error: option '--observe-token <token>' needs '--observe <host:port>'`);
        exitCode = 1;
        return;
      }
      const needsNats = (['nodes', 'sign', 'natsUser', 'natsPass', 'natsToken', 'natsTlsCa'] as const).find((key) => options[key] !== undefined);
      if (needsNats !== undefined && options.nats === undefined) {
        output.err(`error: option '--${needsNats.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}' needs '--nats <url>'`);
        exitCode = 1;
        return;
      }
      if (options.nats !== undefined) {
        if (options.observe !== undefined) {
          output.err(`error: '--observe' is not available with '--nats' yet (the observer watches one process)`);
          exitCode = 1;
          return;
        }
        const report = await validateFile(file);
        if (!report.ok) {
          reportInvalidFile(report, output);
          exitCode = 1;
          return;
        }
        exitCode = await runClusterFile(file, { nats: options.nats, nodes: options.nodes ?? 3, seed: options.seed, speedup: options.speedup, waves: 5, credentials: credentialsOf(options), sign: options.sign, json: options.json, quiet: options.quiet }, output);
        return;
      }
      exitCode = await runFile(file, options, output);
    });
  program
    .command('node')
    .description('run one node of a mesh spread over processes through NATS, until SIGTERM / SIGINT')
    .requiredOption('--config <file>', 'the tree file (the same on every node)')
    .requiredOption('--nats <url>', 'the NATS server', parseNatsUrl)
    .requiredOption('--node-id <id>', 'this node (letters, digits, - and _)', (v: string) => parseNodeList(v)[0]!)
    .option('--nodes <ids>', "every node of the cluster, comma-separated, in placement order (the first runs the root unless --root-node); without it, the list another node recorded in the cluster", parseNodeList)
    .option('--root-node <id>', 'the node that runs the root')
    .option('--cluster <name>', 'the cluster (NATS subjects and buckets are per cluster)', (v: string) => parseNodeList(v)[0]!, 'mesh')
    .option('--seed <n>', 'mesh seed (the same on every node)', parseSeed, 1)
    .option('--speedup <x>', 'simulation speedup (the same on every node)', parseSpeedup, 1000)
    .option('--nats-user <user>', 'NATS user (with --nats-pass)')
    .option('--nats-pass <pass>', 'NATS password (or the environment variable ACTORMESH_NATS_PASS)')
    .option('--nats-token <token>', 'NATS token (or ACTORMESH_NATS_TOKEN)')
    .option('--nats-tls-ca <file>', "PEM file of the CA of the NATS server's certificate (turns TLS on)")
    .option('--signing <file>', 'sign frames and refuse unsigned ones: a JSON/YAML file with privateKey (or privateKeyFile), publicKeys (or publicKeysFile) of every node, requireSigned')
    .option('--run-id <id>', 'placement entries written under another run id are left over and ignored (actormesh run sets one per run)')
    .action(async (options: { runId?: string; signing?: string; config: string; nats: string; nodeId: string; nodes?: string[]; rootNode?: string; cluster: string; seed: number; speedup: number; natsUser?: string; natsPass?: string; natsToken?: string; natsTlsCa?: string }) => {
      if (options.nodes !== undefined && !options.nodes.includes(options.nodeId)) {
        output.err(`error: --node-id '${options.nodeId}' is not one of --nodes (${options.nodes.join(', ')})`);
        exitCode = 1;
        return;
      }
      if (options.rootNode !== undefined && options.nodes === undefined) {
        output.err(`error: option '--root-node' needs '--nodes <ids>'`);
        exitCode = 1;
        return;
      }
      if (options.rootNode !== undefined && options.nodes !== undefined && !options.nodes.includes(options.rootNode)) {
        output.err(`error: --root-node '${options.rootNode}' is not one of --nodes (${options.nodes.join(', ')})`);
        exitCode = 1;
        return;
      }
      const report = await validateFile(options.config);
      if (!report.ok) {
        reportInvalidFile(report, output);
        exitCode = 1;
        return;
      }
      // A password or token may come from the environment (so it is not in argv, which `ps` shows).
      const secrets = { natsPass: options.natsPass ?? process.env.ACTORMESH_NATS_PASS, natsToken: options.natsToken ?? process.env.ACTORMESH_NATS_TOKEN };
      exitCode = await runNode(options.config, { nats: options.nats, nodeId: options.nodeId, nodes: options.nodes, rootNode: options.rootNode, cluster: options.cluster, seed: options.seed, speedup: options.speedup, credentials: credentialsOf({ ...options, ...secrets }), signingFile: options.signing, runId: options.runId }, output);
    });
  program
    .command('keygen')
    .description("make an Ed25519 key pair for a node's signing file (JSON on stdout: privateKey, publicKey)")
    .action(() => {
      output.out(JSON.stringify(generateNodeKeys(), null, 2));
    });
  program
    .command('journal')
    .description('file journal maintenance')
    .command('repair')
    .description('truncate a file journal at its first bad record (refused journals name the file and byte offset; this cuts there and drops later segments)')
    .argument('<dir>', 'the journal directory')
    .option('--json', 'print the repair report as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      exitCode = await repairJournalDir(dir, options, output);
    });
  program
    .command('console')
    .description('spawn the tree and run MESH-30K console commands (status, broadcast, ask, delegate, heal, freeze, thaw) from --exec or stdin')
    .argument('<file>', 'the tree file')
    .option('--seed <n>', 'seed of impedance classes, processing draws and conflicts', parseSeed, 1)
    .option('--speedup <x>', 'simulation speedup of the impedance model', parseSpeedup, 1000)
    .option('--exec <commands>', "commands separated by ';', run in order, then exit (1 if any failed)", parseExecOption)
    .option('--json', 'one JSON object per command on stdout (logs and prompt on stderr)')
    .action(async (file: string, options: ConsoleOptions) => {
      exitCode = await consoleFile(file, options, output, { validate: validateFile });
    });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message (exitOverride turns its exit into a throw).
      return error.exitCode === 0 ? 0 : 1;
    }
    // Anything else failed inside a command: say what, never exit 1 in silence.
    output.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
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
