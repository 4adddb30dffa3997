/**
 * world: lazy realization's graph side (issue 7) on generated estates (examples/lazy-world).
 *
 * Table 1, per-step cost of incremental reachability (radius 3):
 *   actormesh  one recorded walk (4 agents, STEPS steps: moves and credential gains, from the
 *              example's Explorer on the 10k estate) replayed with Reachability.moveTo / gain,
 *              on estates of 10,000 and 1,000,000 entities. Segments are generated one by one
 *              from per-segment seeds, so the walk's hosts, services and stores are the same
 *              entities at both sizes (only the segment nodes' peer links differ).
 *   floor      the same actions, each answered by a from-scratch bounded search (a new
 *              Reachability at the agent's position with its holdings so far).
 *   Each round measures both sizes (alternating which goes first), so they share JIT and gc
 *   conditions; the 1M rows are extra rows of the same table.
 * Table 2, heap of 1,000,000 cold entities: heapUsed + arrayBuffers (typed arrays' backing
 *   stores live outside the V8 heap, so heapUsed alone would miss CompactWorld's edges) after a
 *   full gc, before and after building, with edges and entities only (the estate generator can leave the edges out), in
 *   both stores: WorldGraph (graphology; the 1M estate of table 1) and CompactWorld (flat typed
 *   arrays, built directly by the generator with store: 'compact'). The 400 MB target is the
 *   compact store's (the store a million-entity realizer keeps); graphology's rows show why.
 * Promotion / passivation latency and the live-set bound: bench/realizer.bench.ts (npm run bench -- realizer).
 *
 * Targets: per-step cost at 1M / at 10k <= 1.5; 1,000,000 cold entities < 400 MB.
 * Needs --expose-gc for the heap figures (npm run bench passes it); the default heap limit
 * (about 4 GB on a 64-bit machine with >= 16 GB) is enough. Run alone: npm run bench -- world
 */
import { Reachability } from '../src/world/index.js';
import type { AgentSpec, WorldTopology } from '../src/world/index.js';
import { generateEstate } from '../examples/lazy-world/estate.js';
import { Explorer, apply } from '../examples/lazy-world/explore.js';
import type { Action } from '../examples/lazy-world/explore.js';
import { block, findRow, fmt, gc, hasGc, log, now, pushRow, runIfMain, scenario } from './harness.js';
import type { BlockResult, Figures, Metric, ScenarioResult } from './harness.js';

/** Runs `measure` REPEAT times; the per-action figures averaged. */
function repeat(measure: () => Figures): Figures {
  const all = Array.from({ length: REPEAT }, measure);
  const out: Figures = {};
  for (const key of Object.keys(all[0]!)) out[key] = all.reduce((sum, f) => sum + f[key]!, 0) / REPEAT;
  return out;
}

const prefixed = (prefix: string, figures: Figures): Figures => Object.fromEntries(Object.entries(figures).map(([k, v]) => [`${prefix}.${k}`, v]));

/** One side (`s` or `l`) of a block that measured both sizes per round. */
function split(result: BlockResult, prefix: string): BlockResult {
  const pick = (figures: Figures): Figures =>
    Object.fromEntries(Object.entries(figures).flatMap(([k, v]) => (k.startsWith(prefix + '.') ? [[k.slice(prefix.length + 1), v]] : [])));
  return { figures: pick(result.figures), all: result.all.map(pick), ...(result.failure !== undefined ? { failure: result.failure } : {}) };
}

const SMALL = 10_000;
const LARGE = 1_000_000;
const AGENTS = 4;
const STEPS = 250;
const RADIUS = 3;
const SEED = 7;
const ROUNDS = 7;
const REPEAT = 5;

const stepMetrics: Metric[] = [
  { key: 'us', label: 'us/step', format: fmt.us, ratio: true, normalized: true },
  { key: 'work', label: 'settled/step', format: fmt.int },
  { key: 'ball', label: 'avg ball', format: fmt.int },
];
const heapMetrics: Metric[] = [
  { key: 'heap', label: 'heap', format: fmt.mb },
  { key: 'perEntity', label: 'B/entity', format: fmt.bytes },
  { key: 'edges', label: 'edges', format: fmt.int },
  { key: 'buildMs', label: 'build ms', format: fmt.ms },
];

/** The agents' specs after each action (position and holdings): what the floor searches from. */
function specsAfter(agents: readonly AgentSpec[], actions: readonly Action[]): AgentSpec[] {
  const current = agents.map((agent) => ({ ...agent, credentials: [...agent.credentials] }));
  return actions.map((action) => {
    const agent = current[action.agent]!;
    if (action.kind === 'move') current[action.agent] = { ...agent, position: action.to };
    else current[action.agent] = { ...agent, credentials: [...agent.credentials, ...action.names] };
    return current[action.agent]!;
  });
}

/** Replays the walk incrementally: µs per action, entities settled per action, average ball. */
function incremental(graph: WorldTopology, agents: readonly AgentSpec[], actions: readonly Action[]): { us: number; work: number; ball: number } {
  const reach = agents.map((agent) => new Reachability(graph, agent, RADIUS));
  let work = 0;
  let ball = 0;
  const start = now();
  for (const action of actions) {
    apply(reach, action);
    const r = reach[action.agent]!;
    work += r.lastWork;
    ball += r.size;
  }
  const ms = now() - start;
  return { us: (ms * 1000) / actions.length, work: work / actions.length, ball: ball / actions.length };
}

/** The floor: a new bounded search per action. */
function fromScratch(graph: WorldTopology, specs: readonly AgentSpec[]): { us: number; work: number; ball: number } {
  let work = 0;
  let ball = 0;
  const start = now();
  for (const spec of specs) {
    const r = new Reachability(graph, spec, RADIUS);
    work += r.lastWork;
    ball += r.size;
  }
  const ms = now() - start;
  return { us: (ms * 1000) / specs.length, work: work / specs.length, ball: ball / specs.length };
}

/** Bytes held by JS: the V8 heap plus ArrayBuffer backing stores (typed arrays live there). */
function retained(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Builds an estate in `store` and measures the heap it holds (NaN without --expose-gc). */
function measuredBuild(entities: number, edges: boolean, store: 'graph' | 'compact' = 'graph'): { graph: WorldTopology; agents: readonly AgentSpec[]; heap: number; buildMs: number } {
  gc();
  const before = retained();
  const start = now();
  const estate = generateEstate({ entities, seed: SEED, agents: AGENTS, edges, store });
  const buildMs = now() - start;
  gc();
  const heap = hasGc() ? retained() - before : NaN;
  log(`  built ${fmt.size(entities)} entities (${store}${edges ? '' : ', no edges'}): ${estate.graph.edgeCount} edges, ${(buildMs / 1000).toFixed(1)} s, heap ${fmt.mb(heap)}`);
  return { graph: estate.graph, agents: estate.agents, heap, buildMs };
}

export async function runWorld(): Promise<ScenarioResult[]> {
  // Holds the 1M estate's heap figures between the two tables (it is built once, in table 1).
  const heapRows: { label: string; edges: boolean; store: 'graph' | 'compact'; heap: number; edgeCount: number; buildMs: number }[] = [];
  const steps = await scenario(
    {
      id: 'world',
      title: 'world graph: incremental reachability per step, 10k vs 1M entities',
      description: `${AGENTS} agents, one recorded walk of ${STEPS} steps (moves + credential gains), radius ${RADIUS}, seed ${SEED}; median of ${ROUNDS} rounds after 1 warm-up, each replaying the walk ${REPEAT} times per size, sizes alternating`,
      metrics: stepMetrics,
    },
    async (rows) => {
      const small = measuredBuild(SMALL, true);
      const explorer = new Explorer(small.graph, small.agents, RADIUS, SEED);
      const actions: Action[] = [];
      for (let i = 0; i < STEPS; i++) actions.push(...explorer.step());
      const gains = actions.filter((a) => a.kind === 'gain').length;
      log(`  walk: ${actions.length} actions (${gains} gains)`);
      const specs = specsAfter(small.agents, actions);

      const large = measuredBuild(LARGE, true);
      heapRows.push({ label: 'actormesh', edges: true, store: 'graph', heap: large.heap, edgeCount: large.graph.edgeCount, buildMs: large.buildMs });
      for (const id of new Set(actions.flatMap((a) => (a.kind === 'move' ? [a.to] : [])))) {
        if (!large.graph.hasEntity(id)) throw new Error(`world bench: the walk's entity '${id}' is missing from the 1M estate`);
      }
      // Each round measures both sizes, in alternating order, so JIT and gc state weigh on both
      // alike (separate blocks per size drifted by 1.5x between runs); each walk is replayed
      // REPEAT times per round so a round lasts tens of ms, not a few.
      // The compact store (what a million-entity realizer keeps): the same estates, built directly.
      const smallCompact = measuredBuild(SMALL, true, 'compact');
      const largeCompact = measuredBuild(LARGE, true, 'compact');
      type Side = { graph: WorldTopology; agents: readonly AgentSpec[] };
      const both = async (measure: (graph: WorldTopology, agents: readonly AgentSpec[]) => Figures, label: string, pair: [Side, Side] = [small, large]): Promise<[BlockResult, BlockResult]> => {
        let flip = false;
        const result = await block({ rounds: ROUNDS, timeoutMs: 60_000, gcEachRound: false, label }, async () => {
          const sides = flip ? [pair[1], pair[0]] : [pair[0], pair[1]];
          flip = !flip;
          const [first, second] = sides.map((side) => repeat(() => measure(side.graph, side.agents)));
          const [s, l] = flip ? [first!, second!] : [second!, first!];
          return { ...prefixed('s', s), ...prefixed('l', l) };
        });
        return [split(result, 's'), split(result, 'l')];
      };
      const note = `${actions.length} actions, ${gains} gains`;
      const [incSmall, incLarge] = await both((graph, agents) => incremental(graph, agents, actions), 'incremental');
      const [floorSmall, floorLarge] = await both((graph) => fromScratch(graph, specs), 'from scratch');
      const [compactSmall, compactLarge] = await both((graph, agents) => incremental(graph, agents, actions), 'incremental, compact', [smallCompact, largeCompact]);
      pushRow(rows, 'actormesh', SMALL, incSmall, note);
      pushRow(rows, 'floor', SMALL, floorSmall, 'new Reachability per action');
      pushRow(rows, 'actormesh (1M)', LARGE, incLarge, note, true);
      pushRow(rows, 'floor (1M)', LARGE, floorLarge, 'new Reachability per action', true);
      pushRow(rows, 'compact', SMALL, compactSmall, 'CompactWorld', true);
      pushRow(rows, 'compact (1M)', LARGE, compactLarge, 'CompactWorld', true);
    },
    (rows) => {
      const small = findRow(rows, 'actormesh')?.figures.us;
      const large = findRow(rows, 'actormesh (1M)')?.figures.us;
      const r = small !== undefined && large !== undefined ? large / small : undefined;
      const cSmall = findRow(rows, 'compact')?.figures.us;
      const cLarge = findRow(rows, 'compact (1M)')?.figures.us;
      const rc = cSmall !== undefined && cLarge !== undefined ? cLarge / cSmall : undefined;
      return [
        {
          target: 'per-step reachability cost at 1M / at 10k entities <= 1.5 (WorldGraph)',
          met: r === undefined ? null : r <= 1.5,
          detail: `${fmt.us(large ?? NaN)} us at 1M vs ${fmt.us(small ?? NaN)} us at 10k: ${fmt.x3(r)}`,
        },
        {
          target: 'per-step reachability cost at 1M / at 10k entities <= 1.5 (CompactWorld)',
          met: rc === undefined ? null : rc <= 1.5,
          detail: `${fmt.us(cLarge ?? NaN)} us at 1M vs ${fmt.us(cSmall ?? NaN)} us at 10k: ${fmt.x3(rc)}`,
        },
      ];
    },
  );

  const heap = await scenario(
    {
      id: 'world-heap',
      title: 'world graph: heap of 1,000,000 cold entities',
      description: `heapUsed + arrayBuffers after a full gc, minus before; estate generator (segments, hosts, services, credential stores), seed ${SEED}; one build each`,
      metrics: heapMetrics,
    },
    async (rows) => {
      // Each estate is dropped before the next build (only its figures are kept).
      const builds = [
        { label: 'actormesh (no edges)', edges: false, store: 'graph' },
        { label: 'actormesh compact', edges: true, store: 'compact' },
        { label: 'actormesh compact (no edges)', edges: false, store: 'compact' },
      ] as const;
      for (const b of builds) {
        const built = measuredBuild(LARGE, b.edges, b.store);
        heapRows.push({ ...b, heap: built.heap, edgeCount: built.graph.edgeCount, buildMs: built.buildMs });
      }
      for (const h of heapRows) {
        const what = h.store === 'graph' ? 'WorldGraph: graphology, interned edge attributes' : 'CompactWorld: CSR typed arrays, built directly';
        rows.push({
          impl: h.label,
          size: LARGE,
          rounds: 1,
          figures: { heap: h.heap, perEntity: h.heap / LARGE, edges: h.edgeCount, buildMs: h.buildMs },
          note: h.edges ? `entities + edges (${what})` : `entities only, states of segments and stores included (${what})`,
          ...(h.edges ? {} : { extra: true }),
        });
      }
    },
    (rows) => {
      const compact = findRow(rows, 'actormesh compact')?.figures;
      const compactBare = findRow(rows, 'actormesh compact (no edges)')?.figures;
      const graph = findRow(rows, 'actormesh')?.figures;
      const bare = findRow(rows, 'actormesh (no edges)')?.figures;
      const known = compact !== undefined && Number.isFinite(compact.heap!);
      return [
        {
          target: '1,000,000 cold entities < 400 MB (with their edges)',
          met: known ? compact.heap! < 400 * 1024 * 1024 : null,
          detail:
            `CompactWorld ${fmt.mb(compact?.heap ?? NaN)} with ${fmt.int(compact?.edges ?? NaN)} edges (${fmt.mb(compactBare?.heap ?? NaN)} entities only); ` +
            `WorldGraph ${fmt.mb(graph?.heap ?? NaN)} with edges (${fmt.mb(bare?.heap ?? NaN)} entities only)${hasGc() ? '' : ' (no --expose-gc: not measured)'}`,
        },
      ];
    },
  );
  return [steps, heap];
}

export default runWorld;
await runIfMain(import.meta.url, runWorld);
