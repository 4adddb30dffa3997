/**
 * tree: the MESH-30K supervision tree (examples/mesh-30k.yaml: 1 orchestrator, 100
 * sectors, 1,000 cluster leads, 30,000 agents = 31,101 actors) spawned from configuration.
 *
 *   actormesh  spawnTree(system, config): validation (every rule, with the system's
 *              registered types), then the root, whose wrapped setup spawns its children,
 *              and so on down; 1,100 circuit breakers (a BreakerHierarchy) as spawn gates,
 *              the permanent coordinators watched by their parents. The file is read once
 *              per round, outside the timing ("load ms" is that read, for information).
 *   ctx.spawn  (extra row) the same 4-level shape written by hand with ctx.spawn, names only:
 *              no validation, breakers, watches, options or tags. What the kernel alone costs.
 *   floor      plain objects { name, mailbox: [], handler, children: Map } in the same shape.
 *   nact       the same shape with nested spawnStateless (nact has no configuration trees).
 * comedy is not run: its children are created asynchronously at ~25-40 us each and its
 * destroy is quadratic in children (see peers.ts), so a 31k tree says nothing new.
 * "heap B/actor" is heapUsed after minus before (gc first), over 31,101; "stop ms" is
 * system.terminate() with the tree alive (actormesh rows only).
 *
 * Target: spawnTree of examples/mesh-30k.yaml in < 300 ms on the reference machine.
 * Run alone: npm run bench -- tree
 */
import { fileURLToPath } from 'node:url';
import { ActorSystem } from '../src/index.js';
import type { ActorContext } from '../src/index.js';
import { registerMeshTypes } from '../actors/mesh-types.js';
import { loadTreeFile, spawnTree } from '../supervisors/config/index.js';
import { block, findRow, fmt, gc, hasGc, now, pushRow, ratio, runIfMain, scenario, settle } from './harness.js';
import type { Figures, Metric, ScenarioResult } from './harness.js';
import { loadNact } from './peers.js';
import type { NactRef } from './peers.js';

// From bench/ (tsx) or from dist/bench/ (compiled): the YAML stays in the repository's examples/.
const FILE = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../examples/mesh-30k.yaml' : '../examples/mesh-30k.yaml', import.meta.url));
const SECTORS = 100;
const CLUSTERS = 10;
const AGENTS = 30;
const ACTORS = 1 + SECTORS * (1 + CLUSTERS * (1 + AGENTS));
const ROUNDS = 7;
const PEER_ROUNDS = 3;
const TARGET_MS = 300;

const metrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms, ratio: true },
  { key: 'rate', label: 'rate actors/s', format: fmt.rate, ratio: true, normalized: true },
  { key: 'bytes', label: 'heap B/actor', format: fmt.bytes, ratio: true, normalized: true },
  { key: 'validateMs', label: 'validate ms', format: fmt.ms },
  { key: 'loadMs', label: 'load ms', format: fmt.ms },
  { key: 'stopMs', label: 'stop ms', format: fmt.ms },
];

const heapUsed = (): number => process.memoryUsage().heapUsed;

function figures(ms: number, before: number, extra: Figures = {}): Figures {
  gc();
  return { ms, rate: (ACTORS / ms) * 1000, bytes: hasGc() ? (heapUsed() - before) / ACTORS : NaN, validateMs: NaN, loadMs: NaN, stopMs: NaN, ...extra };
}

function idle(): void {}

export async function runTree(): Promise<ScenarioResult> {
  return scenario(
    {
      id: 'tree',
      title: 'tree: the MESH-30K supervision tree from examples/mesh-30k.yaml',
      description: `${fmt.int(ACTORS)} actors (1 + ${SECTORS} x (1 + ${CLUSTERS} x (1 + ${AGENTS}))); median of ${ROUNDS} rounds after 1 warm-up (nact ${PEER_ROUNDS})`,
      metrics,
    },
    async (rows) => {
      // floor
      interface FloorActor {
        name: string;
        mailbox: unknown[];
        handler: () => void;
        children: Map<string, FloorActor> | null;
      }
      const floorRound = async (): Promise<Figures> => {
        const make = (name: string): FloorActor => ({ name, mailbox: [], handler: idle, children: null });
        gc();
        const before = heapUsed();
        const start = now();
        const root = make('orchestrator');
        root.children = new Map();
        for (let s = 0; s < SECTORS; s++) {
          const sector = make('sector-' + s);
          sector.children = new Map();
          root.children.set(sector.name, sector);
          for (let c = 0; c < CLUSTERS; c++) {
            const cluster = make('cluster-' + c);
            cluster.children = new Map();
            sector.children.set(cluster.name, cluster);
            for (let a = 0; a < AGENTS; a++) {
              const agent = make('agent-' + a);
              cluster.children.set(agent.name, agent);
            }
          }
        }
        const result = figures(now() - start, before);
        if (root.children.size !== SECTORS) throw new Error('floor lost sectors');
        return result;
      };
      pushRow(rows, 'floor', ACTORS, await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 30_000 }, floorRound));

      // actormesh: spawnTree
      let coldMs = NaN;
      const meshResult = await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: 60_000 }, async (warmup) => {
        const system = ActorSystem.create({ logLevel: 'silent' });
        registerMeshTypes(system);
        const loadStart = now();
        const config = loadTreeFile(FILE);
        const loadMs = now() - loadStart;
        await settle();
        gc();
        const before = heapUsed();
        const start = now();
        const handle = spawnTree(system, config);
        const ms = now() - start;
        if (warmup) coldMs = ms;
        const result = figures(ms, before, { validateMs: ms - handle.spawnMs, loadMs });
        if (system.actorTotal !== ACTORS + 3 || handle.spawned !== ACTORS) throw new Error(`actormesh: ${system.actorTotal} actors, expected ${ACTORS + 3}`);
        const stop = now();
        await system.terminate();
        return { ...result, stopMs: now() - stop };
      });
      pushRow(rows, 'actormesh', ACTORS, meshResult, `spawnTree; the warm-up (first in this process) took ${fmt.ms(coldMs)} ms`);

      // actormesh: the same shape by hand
      const handResult = await block({ label: 'ctx.spawn', rounds: ROUNDS, timeoutMs: 60_000 }, async () => {
        const system = ActorSystem.create({ logLevel: 'silent' });
        const agent = (): (() => void) => idle;
        const cluster = (ctx: ActorContext<unknown>): (() => void) => {
          for (let a = 0; a < AGENTS; a++) ctx.spawn(agent, { name: 'agent-' + a });
          return idle;
        };
        const sector = (ctx: ActorContext<unknown>): (() => void) => {
          for (let c = 0; c < CLUSTERS; c++) ctx.spawn(cluster, { name: 'cluster-' + c });
          return idle;
        };
        const orchestrator = (ctx: ActorContext<unknown>): (() => void) => {
          for (let s = 0; s < SECTORS; s++) ctx.spawn(sector, { name: 'sector-' + s });
          return idle;
        };
        await settle();
        gc();
        const before = heapUsed();
        const start = now();
        system.spawn(orchestrator, { name: 'orchestrator' });
        const result = figures(now() - start, before);
        if (system.actorTotal !== ACTORS + 3) throw new Error(`ctx.spawn: ${system.actorTotal} actors, expected ${ACTORS + 3}`);
        const stop = now();
        await system.terminate();
        return { ...result, stopMs: now() - stop };
      });
      pushRow(rows, 'ctx.spawn', ACTORS, handResult, 'actormesh kernel alone: nested ctx.spawn by hand, names only', true);

      // nact
      const nact = loadNact();
      const nactResult = await block({ label: 'nact', rounds: PEER_ROUNDS, timeoutMs: 60_000 }, async () => {
        const system = nact.start();
        await settle();
        gc();
        const before = heapUsed();
        const start = now();
        const root = nact.spawnStateless(system, idle, 'orchestrator');
        for (let s = 0; s < SECTORS; s++) {
          const sector: NactRef = nact.spawnStateless(root, idle, 'sector-' + s);
          for (let c = 0; c < CLUSTERS; c++) {
            const cluster: NactRef = nact.spawnStateless(sector, idle, 'cluster-' + c);
            for (let a = 0; a < AGENTS; a++) nact.spawnStateless(cluster, idle, 'agent-' + a);
          }
        }
        const result = figures(now() - start, before);
        nact.stop(system);
        return result;
      });
      pushRow(rows, 'nact', ACTORS, nactResult, 'nested spawnStateless from outside the actors (no configuration trees in nact)');
    },
    (rows) => {
      const mesh = findRow(rows, 'actormesh')?.figures;
      const hand = findRow(rows, 'ctx.spawn')?.figures;
      const ms = mesh?.ms;
      return [
        {
          target: `spawnTree of examples/mesh-30k.yaml < ${TARGET_MS} ms`,
          met: ms === undefined || !Number.isFinite(ms) ? null : ms < TARGET_MS,
          detail: `${fmt.ms(ms ?? NaN)} ms median (validation ${fmt.ms(mesh?.validateMs ?? NaN)} ms of it), ${fmt.int(ACTORS)} actors; by hand with ctx.spawn ${fmt.ms(hand?.ms ?? NaN)} ms; ${fmt.x(ratio(rows, 'nact', 'ms'))} nact's time, ${fmt.x(ratio(rows, 'floor', 'ms'))} the floor's`,
        },
      ];
    },
  );
}

export default runTree;
await runIfMain(import.meta.url, runTree);
