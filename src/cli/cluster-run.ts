import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateNodeKeys } from '../transport/signing.js';
import type { WaveReport } from '../../actors/mesh-types.js';
import { meshSettings } from '../../actors/mesh-types.js';
import { runAdaptiveGather } from '../../actors/mesh/gather-round.js';
import type { PlanNode } from '../../supervisors/config/index.js';
import { startMeshNode } from './mesh-node.js';
import type { MeshNode, NatsCredentials } from './mesh-node.js';

/**
 * `actormesh run FILE --nats URL --nodes N` and `actormesh node`: the mesh spread over N
 * processes through NATS (issue 5). The first node runs here (with the root); the others are
 * `actormesh node` child processes. The run registers every agent, then measures wave
 * cascades from the root across the nodes, and prints where each sector ran.
 */
export interface ClusterRunOptions {
  readonly nats: string;
  readonly nodes: number;
  readonly seed: number;
  readonly speedup: number;
  readonly waves: number;
  readonly credentials?: NatsCredentials;
  /** Sign every frame between the nodes (Ed25519 keys made for this run). */
  readonly sign?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export interface ClusterRunSummary {
  readonly file: string;
  readonly nats: string;
  readonly nodes: readonly { readonly node: string; readonly units: number }[];
  readonly agents: number;
  readonly registration: { readonly reached: number; readonly ms: number };
  readonly waves: readonly { readonly waveId: number; readonly reached: number; readonly missing: number; readonly totalMs: number }[];
  readonly cascade: { readonly p50Ms: number; readonly p95Ms: number; readonly maxMs: number };
  /** The calibration round, then the measured rounds. */
  readonly scatterGather: readonly { readonly agents: number; readonly sent: number; readonly ready: number; readonly inWindow: number; readonly missingChildren: number; readonly verdict: string }[];
  readonly startMs: number;
  readonly signed: boolean;
}

interface Output {
  out(text: string): void;
  err(text: string): void;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** The leaves a plan node stands for (the mesh's agents): its replicas times its children's leaves. */
function leafCount(node: PlanNode): number {
  if (node.children.length === 0) return node.names.length;
  return node.names.length * node.children.reduce((sum, child) => sum + leafCount(child), 0);
}

/** Node ids n1..nN. */
export function nodeIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

/** The CLI entry next to this file: main.ts under tsx, main.js in dist. */
const CLI_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './main.ts' : './main.js', import.meta.url));

/** The argv of `actormesh node` for one child (the sources need tsx; dist runs as is). */
function childArgs(file: string, options: ClusterRunOptions, id: string, all: readonly string[], signingFile: string | undefined, runId: string): string[] {
  const args = [...(CLI_ENTRY.endsWith('.ts') ? ['--import', 'tsx'] : []), CLI_ENTRY, 'node', '--config', file, '--nats', options.nats, '--node-id', id, '--nodes', all.join(','), '--seed', String(options.seed), '--speedup', String(options.speedup)];
  const c = options.credentials;
  if (c?.user !== undefined) args.push('--nats-user', c.user);
  // Secrets go to the children through the environment (childEnv), not argv, which `ps` shows.
  if (c?.tlsCaFile !== undefined) args.push('--nats-tls-ca', c.tlsCaFile);
  if (signingFile !== undefined) args.push('--signing', signingFile);
  args.push('--run-id', runId);
  return args;
}

/** The children's environment: the NATS password and token, if any (read by `actormesh node`). */
function childEnv(credentials: NatsCredentials | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (credentials?.pass !== undefined) env.ACTORMESH_NATS_PASS = credentials.pass;
  if (credentials?.token !== undefined) env.ACTORMESH_NATS_TOKEN = credentials.token;
  return env;
}

/** Keys for every node of a signed run, one signing file each (private, 0600) in a fresh directory. */
function signingFiles(nodes: readonly string[]): { files: Map<string, string>; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'actormesh-signing-'));
  const keys = new Map(nodes.map((n) => [n, generateNodeKeys()]));
  const publicKeys = Object.fromEntries([...keys].map(([n, k]) => [n, k.publicKey]));
  const files = new Map<string, string>();
  for (const [node, k] of keys) {
    const file = join(dir, `${node}.json`);
    writeFileSync(file, JSON.stringify({ privateKey: k.privateKey, publicKeys, requireSigned: true }), { mode: 0o600 });
    files.set(node, file);
  }
  return { files, dir };
}

/** Runs the spread mesh; resolves to the exit code. */
export async function runClusterFile(file: string, options: ClusterRunOptions, output: Output): Promise<number> {
  const all = nodeIds(options.nodes);
  const log = (line: string): void => {
    if (options.quiet !== true) output.err(line);
  };
  const children: ChildProcess[] = [];
  const started = performance.now();
  let mesh: MeshNode | undefined;
  const signing = options.sign === true ? signingFiles(all) : undefined;
  // This run's placement: entries an earlier run left in the bucket are not ours.
  const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  try {
    for (const id of all.slice(1)) {
      const child = spawn(process.execPath, childArgs(file, options, id, all, signing?.files.get(id), runId), { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv(options.credentials) });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
      child.on('exit', (code, signal) => {
        if (code !== 0 && signal !== 'SIGTERM') output.err(`node ${id} exited (${code ?? signal})${stderr === '' ? '' : `: ${stderr.trim().split('\n').slice(-3).join(' | ')}`}`);
      });
      children.push(child);
    }
    log(`cluster: ${all.length} nodes over ${options.nats} (${all.slice(1).join(', ')} in child processes)${signing !== undefined ? ', frames signed (Ed25519)' : ''}; spawning`);
    mesh = await startMeshNode({ file, nats: options.nats, nodeId: all[0]!, nodes: all, seed: options.seed, speedup: options.speedup, credentials: options.credentials, signingFile: signing?.files.get(all[0]!), runId });
    const startMs = Math.round(performance.now() - started);
    const assignment = mesh.placement.assignment();
    log(`cluster: every node up, sectors placed (${all.map((n) => `${n}: ${assignment[n]?.length ?? 0}`).join(', ')}) in ${startMs} ms`);
    const root = mesh.root;
    const askTimeoutMs = 30_000;
    let waveId = 0;
    // Every agent registers (sets up its simulation) on a first wave. Cold processes may take
    // longer than a level waits for its children: registering is repeated until every agent
    // the tree file describes has answered (an agent registered twice keeps its first setup).
    const expected = leafCount(mesh.tree.plan.root);
    const t0 = performance.now();
    let registered = 0;
    for (let attempt = 1; attempt <= 3 && registered < expected; attempt++) {
      const registration = await root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: ++waveId, replyTo, register: true }), { timeoutMs: askTimeoutMs + 10_000 });
      registered = registration.counts.ready + registration.counts.transit + registration.counts.conflict;
      if (registered < expected) log(`phase: register attempt ${attempt}: ${registered} of ${expected} agents answered; again`);
    }
    const registrationMs = Math.round(performance.now() - t0);
    log(`phase: register (${registered} agents in ${registrationMs} ms)`);
    const waves: ClusterRunSummary['waves'][number][] = [];
    for (let i = 0; i < options.waves; i++) {
      const w0 = performance.now();
      const report = await root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: ++waveId, replyTo }), { timeoutMs: askTimeoutMs });
      waves.push({ waveId, reached: report.counts.ready + report.counts.transit + report.counts.conflict, missing: report.missing, totalMs: round2(performance.now() - w0) });
    }
    const totals = waves.map((w) => w.totalMs);
    // Predictive scatter-gather across the nodes (MESH-30K 3.1, 3.2): a fresh heartbeat, then a
    // calibration round and two measured rounds, as the in-memory main job runs them. (Across
    // machines their clocks must agree to a few ms: T is an epoch time every level reads.)
    log('phase: scatter-gather');
    await root.ask((replyTo) => ({ type: 'heartbeat-now', replyTo }), { timeoutMs: askTimeoutMs });
    const settings = meshSettings(mesh.system);
    const spreads = waves.map((w) => w.totalMs).sort((a, b) => a - b);
    const rounds = await runAdaptiveGather(root, { rounds: 2, runtimeSpreadMs: spreads[Math.floor(spreads.length / 2)]!, maxReplyMs: settings.maxReplyMs, speedup: settings.speedup, firstGatherId: 1 });
    const gathers = rounds.map(({ round }) => ({ agents: round.report.agents, sent: round.report.sent, ready: round.report.ready, inWindow: round.report.inWindow, missingChildren: round.report.missingChildren, verdict: round.verdict.status }));
    const summary: ClusterRunSummary = {
      file,
      nats: options.nats,
      nodes: all.map((node) => ({ node, units: assignment[node]?.length ?? 0 })),
      agents: registered,
      registration: { reached: registered, ms: registrationMs },
      waves,
      cascade: { p50Ms: round2(quantile(totals, 0.5)), p95Ms: round2(quantile(totals, 0.95)), maxMs: round2(Math.max(...totals)) },
      scatterGather: gathers,
      startMs,
      signed: signing !== undefined,
    };
    if (options.json === true) output.out(JSON.stringify(summary));
    else {
      output.out(`mesh over ${all.length} nodes: ${summary.agents.toLocaleString('en-US')} agents, sectors ${summary.nodes.map((n) => `${n.node}=${n.units}`).join(' ')}`);
      for (const w of waves) output.out(`  wave ${w.waveId}: reached ${w.reached.toLocaleString('en-US')}, missing ${w.missing}, ${w.totalMs} ms`);
      output.out(`  cascade p50 ${summary.cascade.p50Ms} ms, p95 ${summary.cascade.p95Ms} ms`);
      gathers.forEach((g, i) => output.out(`  scatter-gather ${i === 0 ? 'calibration' : `round ${i}`}: ${g.agents.toLocaleString('en-US')} agents, ${g.sent.toLocaleString('en-US')} probed, ${g.ready.toLocaleString('en-US')} READY in time, ${g.inWindow.toLocaleString('en-US')} in the window: ${g.verdict}`));
    }
    return registered === expected && waves.every((w) => w.reached === expected && w.missing === 0) ? 0 : 1;
  } finally {
    // The run is over: no node takes over another's sectors while they all go, and the run's
    // placement ends with it (the next run, perhaps on other nodes, starts from the round-robin).
    mesh?.placement.stop();
    await Promise.all(children.map((child) => stopChild(child)));
    await mesh?.placement.clear().catch(() => undefined);
    await mesh?.node
      .kv('placement')
      .then((kv) => kv.delete('_layout'))
      .catch(() => undefined);
    await mesh?.stop();
    if (signing !== undefined) rmSync(signing.dir, { recursive: true, force: true });
  }
}

/** SIGTERM, then SIGKILL after 5 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** `actormesh node`: runs one node until SIGTERM / SIGINT; resolves to the exit code. */
export async function runNode(file: string, options: { nats: string; nodeId: string; nodes?: readonly string[]; rootNode?: string; cluster?: string; seed: number; speedup: number; credentials?: NatsCredentials; signingFile?: string; runId?: string }, output: Output): Promise<number> {
  const mesh = await startMeshNode({ file, nats: options.nats, nodeId: options.nodeId, nodes: options.nodes, rootNode: options.rootNode, cluster: options.cluster, seed: options.seed, speedup: options.speedup, credentials: options.credentials, signingFile: options.signingFile, runId: options.runId });
  const units = mesh.placement.assignment()[options.nodeId] ?? [];
  output.err(`node ${options.nodeId}: up, ${units.length} units here (${units.slice(0, 5).join(', ')}${units.length > 5 ? ', ...' : ''})`);
  output.out('ready');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await mesh.stop();
  return 0;
}
