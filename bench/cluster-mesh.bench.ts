/**
 * cluster-mesh: the wave cascade of the 30k mesh (examples/mesh-30k.yaml) spread over three
 * node processes through NATS (issue 5), against the same mesh in one process.
 *
 *   actormesh (3 nodes)   n1 in this process runs the root and 34 sectors, n2 and n3 are
 *                         `actormesh node` child processes with 33 sectors each, over a
 *                         nats-server this scenario starts (test/support/nats-server.ts); the
 *                         cascade orchestrator -> 100 sectors (two thirds across the network)
 *                         -> 1,000 cluster leads -> 30,000 agents and the trinary acks back up
 *                         (ask to the root, wall time);
 *   one process           the same tree in one actor system, no transport (the in-memory main job);
 *   3 nodes, in memory    three systems in this process on the in-memory transport: the
 *                         codec and batching without the network and the other processes.
 * Each implementation is started once; a round is WAVES waves after a registration wave and
 * WARMUP unmeasured waves; p50 / p95 / max of the waves' totals, median over ROUNDS rounds.
 * Simulated agent delays are made negligible (speedup 1e6), as in the mesh scenario: what is
 * measured is the runtime.
 *
 * Target (issue 5): cascade over 30,000 agents on 3 nodes p95 < 300 ms.
 * Run alone: npm run bench -- cluster-mesh (about a minute).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ActorSystem, ClusterNode, ClusterPlacement, MemoryHub, MemoryTransport } from '../src/index.js';
import type { ActorRef } from '../src/index.js';
import { configureMesh, registerMeshTypes } from '../actors/mesh-types.js';
import type { WaveReport } from '../actors/mesh-types.js';
import { startMeshNode } from '../src/cli/mesh-node.js';
import { loadTreeFile, spawnTree } from '../supervisors/config/index.js';
import { startNatsServer } from '../test/support/nats-server.js';
import { block, findRow, fmt, log, now, pushRow, runIfMain, scenario } from './harness.js';
import type { Figures, Metric, ScenarioResult } from './harness.js';

const COMPILED = import.meta.url.endsWith('.js');
const FILE = fileURLToPath(new URL(COMPILED ? '../../examples/mesh-30k.yaml' : '../examples/mesh-30k.yaml', import.meta.url));
const CLI = fileURLToPath(new URL(COMPILED ? '../src/cli/main.js' : '../src/cli/main.ts', import.meta.url));
const AGENTS = 30_000;
const SPEEDUP = 1e6;
const SEED = 5;
const ROUNDS = 3;
const WAVES = 10;
const WARMUP = 3;
const NODES = ['n1', 'n2', 'n3'];

const metrics: Metric[] = [
  { key: 'p50', label: 'wave p50 ms', format: fmt.ms, ratio: true },
  { key: 'p95', label: 'wave p95 ms', format: fmt.ms, ratio: true },
  { key: 'max', label: 'max ms', format: fmt.ms },
  { key: 'reached', label: 'reached (min)', format: fmt.int },
];

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Waves from `root`: the first WARMUP unmeasured, then WAVES measured. */
function waves(root: ActorRef<unknown>, next: () => number): () => Promise<Figures> {
  return async () => {
    const totals: number[] = [];
    let reached = Number.POSITIVE_INFINITY;
    for (let i = 0; i < WARMUP + WAVES; i++) {
      const t0 = now();
      const report = await root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: next(), replyTo }), { timeoutMs: 30_000 });
      const ms = now() - t0;
      if (i < WARMUP) continue;
      totals.push(ms);
      reached = Math.min(reached, report.counts.ready + report.counts.transit + report.counts.conflict);
    }
    return { p50: quantile(totals, 0.5), p95: quantile(totals, 0.95), max: Math.max(...totals), reached };
  };
}

async function register(root: ActorRef<unknown>, waveId: number): Promise<void> {
  await root.ask((replyTo) => ({ type: 'wave', waveId, replyTo, register: true }), { timeoutMs: 60_000 });
}

function startChild(url: string, id: string): { child: ChildProcess; ready: Promise<void> } {
  const args = [...(CLI.endsWith('.ts') ? ['--import', 'tsx'] : []), CLI, 'node', '--config', FILE, '--nats', url, '--cluster', 'benchmesh', '--node-id', id, '--nodes', NODES.join(','), '--seed', String(SEED), '--speedup', String(SPEEDUP)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`node ${id} exited (${code ?? signal}): ${stderr.trim()}`)));
  });
  return { child, ready };
}

export async function runClusterMesh(): Promise<ScenarioResult> {
  return scenario(
    {
      id: 'cluster-mesh',
      title: 'the 30k mesh over 3 node processes (NATS): wave cascade',
      description: `examples/mesh-30k.yaml, ${WAVES} measured waves per round after ${WARMUP} unmeasured, median of ${ROUNDS} rounds; speedup ${SPEEDUP} (negligible simulated delays)`,
      metrics,
    },
    async (rows) => {
      let waveId = 0;
      const next = (): number => ++waveId;
      // 1. Over NATS, three processes.
      const server = await startNatsServer();
      const children: ReturnType<typeof startChild>[] = [];
      try {
        const t0 = now();
        children.push(startChild(server.url, 'n2'), startChild(server.url, 'n3'));
        const mesh = await startMeshNode({ file: FILE, nats: server.url, cluster: 'benchmesh', nodeId: 'n1', nodes: NODES, seed: SEED, speedup: SPEEDUP });
        try {
          await Promise.all(children.map((c) => c.ready));
          log(`  3 nodes up and placed in ${Math.round(now() - t0)} ms`);
          await register(mesh.root, next());
          pushRow(rows, 'actormesh', AGENTS, await block({ rounds: ROUNDS, timeoutMs: 120_000, label: '3 nodes', gcEachRound: false }, waves(mesh.root, next)), '3 node processes over NATS: n1 here (root, 34 sectors), n2 and n3 child processes');
          mesh.placement.stop();
          await mesh.placement.clear();
        } finally {
          for (const c of children) c.child.kill('SIGTERM');
          await mesh.stop();
        }
      } finally {
        for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
        await server.stop();
      }
      // 2. One process, no transport.
      {
        const system = ActorSystem.create({ name: 'mesh', logLevel: 'silent' });
        try {
          registerMeshTypes(system);
          configureMesh(system, { seed: SEED, speedup: SPEEDUP });
          const tree = spawnTree(system, loadTreeFile(FILE));
          await register(tree.root, next());
          pushRow(rows, 'one process', AGENTS, await block({ rounds: ROUNDS, timeoutMs: 120_000, label: 'one process', gcEachRound: false }, waves(tree.root, next)), 'the same tree in one actor system (the in-memory main job)');
        } finally {
          await system.terminate();
        }
      }
      // 3. Three nodes in this process on the in-memory transport.
      {
        const hub = new MemoryHub();
        const systems: ActorSystem[] = [];
        try {
          const config = loadTreeFile(FILE);
          const units = Array.from({ length: 100 }, (_, i) => `sector-${i}`);
          const nodes: ClusterNode[] = [];
          for (const id of NODES) {
            const system = ActorSystem.create({ name: 'mesh', node: id, logLevel: 'silent' });
            systems.push(system);
            registerMeshTypes(system);
            configureMesh(system, { seed: SEED, speedup: SPEEDUP });
            nodes.push(await ClusterNode.start(system, { transport: new MemoryTransport(hub), heartbeatMs: 250, missedHeartbeats: 8 }));
          }
          while (!nodes.every((n) => n.upNodes().length === 3)) await new Promise((resolve) => setTimeout(resolve, 20));
          let root: ActorRef<unknown> | undefined;
          for (const node of nodes) {
            const placement = await ClusterPlacement.start(node, { units, rootName: 'orchestrator', rootNode: 'n1', nodes: NODES });
            const tree = spawnTree(node.system, config, { placement });
            placement.bind(tree.root);
            if (node.nodeId === 'n1') root = tree.root;
          }
          await register(root!, next());
          pushRow(rows, '3 nodes, in memory', AGENTS, await block({ rounds: ROUNDS, timeoutMs: 120_000, label: '3 nodes in memory', gcEachRound: false }, waves(root!, next)), 'three systems in this process on the in-memory transport', true);
        } finally {
          for (const system of systems) await system.terminate();
        }
      }
    },
    (rows) => {
      const mesh = findRow(rows, 'actormesh')?.figures;
      return [
        {
          target: 'cascade over 30,000 agents on 3 nodes p95 < 300 ms',
          met: mesh === undefined ? null : mesh.p95! < 300 && mesh.reached === AGENTS,
          detail: mesh === undefined ? 'no 3-node row' : `p95 ${fmt.ms(mesh.p95!)} ms (p50 ${fmt.ms(mesh.p50!)}), every wave reached ${fmt.int(mesh.reached!)} agents; one process: p95 ${fmt.ms(findRow(rows, 'one process')?.figures.p95 ?? NaN)} ms`,
        },
      ];
    },
  );
}

export default runClusterMesh;
await runIfMain(import.meta.url, runClusterMesh);
