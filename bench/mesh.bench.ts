/**
 * mesh: the MESH-30K mesh (examples/mesh-30k.yaml: 1 orchestrator, 100 sectors, 1,000
 * cluster leads, 30,000 agents) as running actors (actors/mesh-types.ts, actors/mesh/wave.ts),
 * measured on the issue 4 targets. Each round builds a fresh system and, in order:
 *
 *   spawn ms      spawnTree(system, config) of the YAML (read once, outside the timing);
 *   reg ms        one registration wave (agents set up their impedance simulation), not a target;
 *   wave p95      p95 of WAVES cascades orchestrator -> sectors -> clusters -> 30,000 agents,
 *                 each gathered back up with trinary acks (ask to the root, wall time);
 *   sg ok / sg in the predictive scatter-gather over all 30,000 agents as runScenario does it
 *                 (actors/mesh/gather-round.ts runAdaptiveGather: cluster leads schedule their
 *                 agents from a fresh heartbeat; a calibration round, then 2 rounds whose lead
 *                 and window come from the round before). "sg ok" = READY by the window's end
 *                 / sent, "sg in-window" = in-window / sent, both of the last round; "sg
 *                 in-window 1st" the calibration round's; "predicted within 5 ms" = answers
 *                 whose |actual - predicted delay| <= 5 ms / sent (issue 4's accuracy target);
 *   msg/s         sustained traffic for TRAFFIC_MS: a driver actor (local to this file) keeps
 *                 one wave cascade in flight and pings (heartbeats) every agent each cycle,
 *                 gathering the pongs; system.processedTotal delta / elapsed.
 *
 * Simulated processing is made negligible: configureMesh({ speedup: 1e6, maxReplyMs: 0 })
 * (maxReplyMs 0 caps every drawn delay at 0, so agents reply at once; the default
 * conflictRate 0.001 and gatherTimeoutMs 2000 are kept).
 * kernel (reference): the same shape spawned by hand with ctx.spawn, coordinators that only
 * forward a wave and count reports, agents that answer 1: what the kernel alone costs.
 * floor (reference): the same 4-level fan-out and gather with plain objects and one array
 * run queue: no mailboxes, no dispatcher, no asks.
 *
 * Targets (issue 4): spawn < 300 ms; wave p95 < 50 ms; scatter-gather success >= 99% and
 * in-window >= 95%; sustained traffic >= 1,000,000 msg/s.
 * Run alone: npm run bench -- mesh
 */
import { fileURLToPath } from 'node:url';
import { ActorSystem } from '../src/index.js';
import type { ActorContext, ActorRef } from '../src/index.js';
import { configureMesh, registerMeshTypes } from '../actors/mesh-types.js';
import { runAdaptiveGather } from '../actors/mesh/gather-round.js';
import type { MeshSettings, WaveReport } from '../actors/mesh-types.js';
import { digestCountAtMost, percentile } from '../actors/protocol/index.js';
import { loadTreeFile, spawnTree } from '../supervisors/config/index.js';
import { block, findRow, fmt, now, pushRow, runIfMain, scenario, settle } from './harness.js';
import type { Figures, Metric, ScenarioResult } from './harness.js';

// From bench/ (tsx) or from dist/bench/ (compiled): the YAML stays in the repository's examples/.
const FILE = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../examples/mesh-30k.yaml' : '../examples/mesh-30k.yaml', import.meta.url));
const SECTORS = 100;
const CLUSTERS = 10;
const AGENTS = 30;
const AGENT_TOTAL = SECTORS * CLUSTERS * AGENTS;
const ACTORS = 1 + SECTORS * (1 + CLUSTERS * (1 + AGENTS));
const ROUNDS = 3;
const WAVES = 20;
const TRAFFIC_MS = 3000;
const MESH: Partial<Omit<MeshSettings, 'seed'>> = { speedup: 1e6, maxReplyMs: 0 };
const SEED = 42;

const pct = (v: number): string => (Number.isFinite(v) ? (v * 100).toFixed(2) + '%' : '-');

const metrics: Metric[] = [
  { key: 'spawnMs', label: 'spawn ms', format: fmt.ms, ratio: true },
  { key: 'regMs', label: 'reg ms', format: fmt.ms },
  { key: 'waveP50', label: 'wave p50 ms', format: fmt.ms },
  { key: 'waveP95', label: 'wave p95 ms', format: fmt.ms, ratio: true },
  { key: 'sgOk', label: 'sg ok', format: pct },
  { key: 'sgIn1', label: 'sg in-window 1st', format: pct },
  { key: 'sgIn', label: 'sg in-window', format: pct },
  { key: 'sgHalfMs', label: 'sg half-width ms', format: fmt.ms },
  { key: 'sgPred5', label: 'predicted within 5 ms', format: pct },
  { key: 'rate', label: 'traffic msg/s', format: fmt.rate, ratio: true, normalized: true },
];

type DriverMsg = { type: 'go'; until: number; done: () => void } | { type: 'pong'; from: string } | WaveReport;

/** Sustained traffic: one wave in flight plus a ping to every agent per cycle, until `until`. */
function driver(root: ActorRef<unknown>, agents: readonly ActorRef<unknown>[]) {
  return (ctx: ActorContext<DriverMsg>) => {
    let until = 0;
    let done: (() => void) | undefined;
    let pongs = 0;
    let waveBack = false;
    let waveId = 2_000_000;
    const self = ctx.self as ActorRef<never>;
    const cycle = (): void => {
      if (now() >= until) {
        done?.();
        done = undefined;
        return;
      }
      pongs = 0;
      waveBack = false;
      root.tell({ type: 'wave', waveId: ++waveId, replyTo: self });
      const ping = { type: 'ping', replyTo: self };
      for (let i = 0; i < agents.length; i++) agents[i]!.tell(ping);
    };
    return (message: DriverMsg): void => {
      switch (message.type) {
        case 'go':
          until = message.until;
          done = message.done;
          cycle();
          return;
        case 'pong':
          pongs++;
          break;
        case 'wave-report':
          waveBack = true;
          break;
      }
      if (waveBack && pongs === agents.length) cycle();
    };
  };
}

async function meshRound(config: ReturnType<typeof loadTreeFile>): Promise<Figures> {
  const system = ActorSystem.create({ logLevel: 'silent' });
  try {
    registerMeshTypes(system);
    const settings = configureMesh(system, { ...MESH, seed: SEED });
    await settle();
    const start = now();
    const tree = spawnTree(system, config);
    const spawnMs = now() - start;
    // The agents by path (after the timing: no event subscriber slows the spawn down).
    const agents: ActorRef<unknown>[] = [];
    for (let s = 0; s < SECTORS; s++)
      for (let c = 0; c < CLUSTERS; c++)
        for (let a = 0; a < AGENTS; a++) {
          const ref = system.lookup(`${tree.root.path}/sector-${s}/cluster-${c}/agent-${a}`);
          if (ref !== undefined) agents.push(ref);
        }
    if (tree.spawned !== ACTORS || agents.length !== AGENT_TOTAL) throw new Error(`spawned ${tree.spawned} actors, found ${agents.length} agents`);

    let waveId = 0;
    const timeoutMs = settings.gatherTimeoutMs * 4 + 10_000;
    const regStart = now();
    const reg = await tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: ++waveId, replyTo, register: true }), { timeoutMs });
    const regMs = now() - regStart;
    if (reg.counts.ready !== AGENT_TOTAL) throw new Error(`registration reached ${reg.counts.ready} agents`);

    const waveMs: number[] = [];
    for (let w = 0; w < WAVES; w++) {
      const t0 = now();
      const report = await tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: ++waveId, replyTo }), { timeoutMs });
      waveMs.push(now() - t0);
      const reached = report.counts.ready + report.counts.transit + report.counts.conflict;
      if (reached !== AGENT_TOTAL) throw new Error(`wave ${waveId} reached ${reached} of ${AGENT_TOTAL} agents (${report.missing} missing)`);
    }

    // Predictive scatter-gather over every agent, as runScenario does it (a calibration
    // round, then measured rounds with lead and window from the round before).
    await tree.root.ask((replyTo) => ({ type: 'heartbeat-now', replyTo }), { timeoutMs });
    const runtimeSpreadMs = percentile(waveMs, 0.5) ?? 0; // agents answer at once here: a wave is all runtime
    const rounds = await runAdaptiveGather(tree.root, { rounds: 2, runtimeSpreadMs, maxReplyMs: settings.maxReplyMs, speedup: settings.speedup });
    const last = rounds[rounds.length - 1]!.round;
    const sgOk = last.verdict.responseRate;
    const sgIn = last.report.inWindow / Math.max(1, last.report.sent);
    const sgIn1 = rounds[0]!.round.report.inWindow / Math.max(1, rounds[0]!.round.report.sent);
    const predicted = last.report.sent === 0 ? NaN : digestCountAtMost(last.report.predictionErrors, 5) / last.report.sent;

    // Sustained traffic.
    await settle(5);
    const done = (() => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    })();
    const drv = system.spawn<DriverMsg>(driver(tree.root, agents), { name: 'traffic-driver' });
    const p0 = system.processedTotal;
    const t0 = now();
    drv.tell({ type: 'go', until: t0 + TRAFFIC_MS, done: done.resolve });
    await done.promise;
    const elapsed = now() - t0;
    const rate = ((system.processedTotal - p0) / elapsed) * 1000;

    return {
      spawnMs,
      regMs,
      waveP50: percentile(waveMs, 0.5) ?? NaN,
      waveP95: percentile(waveMs, 0.95) ?? NaN,
      sgOk,
      sgIn1,
      sgIn,
      sgHalfMs: last.halfWidthMs,
      sgPred5: predicted,
      rate,
    };
  } finally {
    await system.terminate();
  }
}

/** The same 4-level fan-out and gather with plain objects and one run queue. */
interface FloorNode {
  readonly children: FloorNode[];
  parent: FloorNode | null;
  pending: number;
  ready: number;
  startedAt: number;
}

function floorRound(): Figures {
  const make = (parent: FloorNode | null): FloorNode => ({ children: [], parent, pending: 0, ready: 0, startedAt: 0 });
  const start = now();
  const root = make(null);
  for (let s = 0; s < SECTORS; s++) {
    const sector = make(root);
    root.children.push(sector);
    for (let c = 0; c < CLUSTERS; c++) {
      const cluster = make(sector);
      sector.children.push(cluster);
      for (let a = 0; a < AGENTS; a++) cluster.children.push(make(cluster));
    }
  }
  const spawnMs = now() - start;
  // Messages: [kind, target, count] in one queue (kind 0 = wave down, 1 = report up).
  const kinds: number[] = [];
  const targets: FloorNode[] = [];
  const counts: number[] = [];
  let processed = 0;
  const runWave = (): number => {
    kinds.length = 0;
    targets.length = 0;
    counts.length = 0;
    let total = -1;
    kinds.push(0), targets.push(root), counts.push(0);
    for (let head = 0; head < kinds.length; head++) {
      processed++;
      const node = targets[head]!;
      if (kinds[head] === 0) {
        if (node.children.length === 0) {
          kinds.push(1), targets.push(node.parent!), counts.push(1);
          continue;
        }
        node.pending = node.children.length;
        node.ready = 0;
        for (const child of node.children) kinds.push(0), targets.push(child), counts.push(0);
      } else {
        node.ready += counts[head]!;
        if (--node.pending === 0) {
          if (node.parent === null) total = node.ready;
          else kinds.push(1), targets.push(node.parent), counts.push(node.ready);
        }
      }
    }
    return total;
  };
  const waveMs: number[] = [];
  for (let w = 0; w < WAVES; w++) {
    const t0 = now();
    if (runWave() !== AGENT_TOTAL) throw new Error('floor lost agents');
    waveMs.push(now() - t0);
  }
  processed = 0;
  const t0 = now();
  while (now() - t0 < TRAFFIC_MS) runWave();
  const rate = (processed / (now() - t0)) * 1000;
  return { spawnMs, regMs: NaN, waveP50: percentile(waveMs, 0.5) ?? NaN, waveP95: percentile(waveMs, 0.95) ?? NaN, sgOk: NaN, sgIn1: NaN, sgIn: NaN, sgHalfMs: NaN, sgPred5: NaN, rate };
}

/** Kernel only: the same 4-level shape by hand with ctx.spawn, a minimal wave (a count up). */
type KMsg = { t: 'w'; replyTo: ActorRef<KMsg> } | { t: 'r'; n: number };
async function kernelRound(): Promise<Figures> {
  const system = ActorSystem.create({ logLevel: 'silent' });
  try {
    const leaf = () => (m: KMsg): void => {
      if (m.t === 'w') m.replyTo.tell({ t: 'r', n: 1 });
    };
    const node = (fanout: number, child: (ctx: ActorContext<KMsg>) => (m: KMsg) => void) => (ctx: ActorContext<KMsg>) => {
      const kids: ActorRef<KMsg>[] = [];
      for (let i = 0; i < fanout; i++) kids.push(ctx.spawn(child, { name: 'c' + i }));
      let replyTo: ActorRef<KMsg> | undefined;
      let pending = 0;
      let n = 0;
      const self = ctx.self;
      return (m: KMsg): void => {
        if (m.t === 'w') {
          replyTo = m.replyTo;
          pending = kids.length;
          n = 0;
          const fwd: KMsg = { t: 'w', replyTo: self };
          for (const k of kids) k.tell(fwd);
        } else {
          n += m.n;
          if (--pending === 0) replyTo!.tell({ t: 'r', n });
        }
      };
    };
    await settle();
    const start = now();
    const root = system.spawn<KMsg>(node(SECTORS, node(CLUSTERS, node(AGENTS, leaf))), { name: 'orchestrator' });
    const spawnMs = now() - start;
    if (system.actorTotal !== ACTORS + 3) throw new Error(`kernel: ${system.actorTotal} actors`);
    const wave = async (): Promise<void> => {
      const r = await root.ask<KMsg>((replyTo) => ({ t: 'w', replyTo }), { timeoutMs: 10_000 });
      if (r.t !== 'r' || r.n !== AGENT_TOTAL) throw new Error('kernel wave lost agents');
    };
    await wave();
    const waveMs: number[] = [];
    for (let w = 0; w < WAVES; w++) {
      const t0 = now();
      await wave();
      waveMs.push(now() - t0);
    }
    const p0 = system.processedTotal;
    const t0 = now();
    while (now() - t0 < TRAFFIC_MS) await wave();
    const rate = ((system.processedTotal - p0) / (now() - t0)) * 1000;
    return { spawnMs, regMs: NaN, waveP50: percentile(waveMs, 0.5) ?? NaN, waveP95: percentile(waveMs, 0.95) ?? NaN, sgOk: NaN, sgIn1: NaN, sgIn: NaN, sgHalfMs: NaN, sgPred5: NaN, rate };
  } finally {
    await system.terminate();
  }
}

export async function runMesh(): Promise<ScenarioResult> {
  return scenario(
    {
      id: 'mesh',
      title: 'mesh: the MESH-30K mesh from examples/mesh-30k.yaml, running (issue 4 targets)',
      description: `${fmt.int(ACTORS)} actors, ${fmt.int(AGENT_TOTAL)} agents; per round: spawn, registration wave, ${WAVES} waves, 2 scatter-gathers over all agents, ${TRAFFIC_MS / 1000} s of traffic; median of ${ROUNDS} rounds after 1 warm-up; configureMesh speedup 1e6, maxReplyMs 0 (simulated processing 0)`,
      metrics,
    },
    async (rows) => {
      pushRow(rows, 'floor', ACTORS, await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 60_000 }, async () => floorRound()), 'plain objects, one run queue; traffic = waves only', true);
      pushRow(rows, 'kernel', ACTORS, await block({ label: 'kernel', rounds: ROUNDS, timeoutMs: 60_000 }, kernelRound), 'actormesh kernel alone: same shape by ctx.spawn, minimal wave handlers; traffic = waves only', true);
      const config = loadTreeFile(FILE);
      pushRow(
        rows,
        'actormesh',
        ACTORS,
        await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: 120_000 }, async () => meshRound(config)),
        'spawnTree + mesh actors; traffic = 1 wave in flight + 30k pings per cycle from a driver actor',
      );
    },
    (rows) => {
      const m = findRow(rows, 'actormesh')?.figures;
      const f = findRow(rows, 'floor')?.figures;
      const k = findRow(rows, 'kernel')?.figures;
      const val = (key: string): number | undefined => (m === undefined || m[key] === undefined || !Number.isFinite(m[key]) ? undefined : m[key]);
      const verdict = (target: string, key: string, test: (v: number) => boolean, detail: (v: number) => string) => {
        const v = val(key);
        return { target, met: v === undefined ? null : test(v), detail: v === undefined ? 'no figure' : detail(v) };
      };
      return [
        verdict('spawn of the 30k mesh < 300 ms', 'spawnMs', (v) => v < 300, (v) => `${fmt.ms(v)} ms median spawnTree (kernel-only ctx.spawn ${fmt.ms(k?.spawnMs ?? NaN)} ms, floor ${fmt.ms(f?.spawnMs ?? NaN)} ms)`),
        verdict(`wave cascade to 30,000 agents with acks, p95 < 50 ms`, 'waveP95', (v) => v < 50, (v) => `p95 ${fmt.ms(v)} ms over ${WAVES} waves (p50 ${fmt.ms(m!.waveP50!)} ms), median of ${ROUNDS} rounds; kernel-only p95 ${fmt.ms(k?.waveP95 ?? NaN)} ms, floor ${fmt.ms(f?.waveP95 ?? NaN)} ms`),
        verdict('scatter-gather over 30,000 agents: success >= 99%', 'sgOk', (v) => v >= 0.99, (v) => `response rate ${pct(v)} (judgeGather: READY by the window's end / sent; conflictRate 0.001 answers CONFLICT)`),
        verdict('scatter-gather arrival-window hit rate >= 95%', 'sgIn', (v) => v >= 0.95, (v) => `${pct(v)} in window (half-width ${fmt.ms(m!.sgHalfMs!)} ms from the round before's central 99 % of errors; the calibration round had ${pct(m!.sgIn1!)})`),
        verdict('impedance prediction within 5 ms for >= 90% of messages', 'sgPred5', (v) => v >= 0.9, (v) => `${pct(v)} of the last round's probes`),
        verdict('sustained mesh traffic >= 1,000,000 msg/s', 'rate', (v) => v >= 1e6, (v) => `${fmt.rate(v)} (system.processedTotal over ${TRAFFIC_MS / 1000} s); kernel-only waves ${fmt.rate(k?.rate ?? NaN)}, floor ${fmt.rate(f?.rate ?? NaN)}`),
      ];
    },
  );
}

export default runMesh;
await runIfMain(import.meta.url, runMesh);
