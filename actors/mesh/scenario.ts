import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { ActorRef, ActorSystem } from '../../src/index.js';
import { spawnTree } from '../../supervisors/config/index.js';
import type { TreeConfig, TreeHandle } from '../../supervisors/config/index.js';
import { EMPTY_DIGEST, KpiAccumulator, arrivalWindow, classifyArrival, digestPercentile, evaluateGather, gatherTargetTime, trinaryQuorum } from '../protocol/index.js';
import type { GatherResponse, KpiRow, LatencyDigest, TrinaryCounts } from '../protocol/index.js';
import { agentClassOf, configureMesh, expectedReplyMs } from './wave.js';
import type { MeshSettings, WaveReport } from './wave.js';
import { meshStatus } from './status.js';
import type { MeshStatus } from './status.js';

/**
 * The main job's scenario (issue 4): spawn a mesh tree, run a wave cascade to every agent,
 * a predictive scatter-gather over a sample (one agent per cluster), a burst of chaos
 * (agents told to fail, restarted by their cluster leads) while waves keep measuring the
 * active rate, then heal (waves until every agent answers again). It returns one summary
 * object; it prints nothing (the CLI renders it). All times are wall-clock milliseconds of
 * the simulation (ProcessingModel draws divided by `speedup`).
 */

export interface ScenarioOptions {
  /** Chaos phase length, wall-clock ms (>= 0). */
  readonly durationMs: number;
  readonly seed: number;
  /** Fraction of agents told to fail per second of chaos, in [0, 1]; 0 = no chaos. */
  readonly chaosRate: number;
  readonly mesh?: Partial<Omit<MeshSettings, 'seed'>>;
  /** Called for each actor started while spawning, with the count so far. */
  readonly onProgress?: (started: number) => void;
  readonly onPhase?: (phase: string) => void;
}

export interface LevelLatency {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly maxMs: number | null;
}

export interface WaveSummary {
  readonly waveId: number;
  /** Agents whose ACK reached the orchestrator (READY + TRANSIT + CONFLICT). */
  readonly reached: number;
  readonly counts: TrinaryCounts;
  readonly missing: number;
  readonly quorum: string;
  /** Orchestrator's wall time for the whole cascade. */
  readonly totalMs: number;
  /** Per level: agents' reply delays, and each coordinator level's gather times. */
  readonly levels: Readonly<Record<string, LevelLatency>>;
}

export interface RunSummary {
  readonly seed: number;
  readonly speedup: number;
  readonly actors: number;
  readonly spawnMs: number;
  /** The registration wave: agents that set up their simulation, and its wall time. */
  readonly registration: { readonly agents: number; readonly ms: number };
  readonly agents: number;
  readonly clusters: number;
  readonly sectors: number;
  readonly wave: WaveSummary;
  readonly scatterGather: {
    /** The first round's status and rate (default window, no arrival history). */
    readonly firstRound: { readonly status: string; readonly responseRate: number; readonly inWindow: number; readonly halfWidthMs: number };
    readonly sent: number;
    readonly status: string;
    readonly responseRate: number;
    readonly inWindow: number;
    readonly early: number;
    readonly late: number;
    readonly missing: number;
    readonly conflicts: number;
    readonly halfWidthMs: number;
    readonly recommendation: string | null;
  };
  readonly chaos: { readonly rate: number; readonly durationMs: number; readonly failuresInjected: number; readonly waves: number; readonly minActiveRate: number };
  readonly heal: { readonly healed: boolean; readonly ms: number; readonly waves: number; readonly final: WaveSummary };
  readonly status: MeshStatus;
  readonly restarts: number;
  readonly kpis: readonly KpiRow[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function level(d: LatencyDigest): LevelLatency {
  const round = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
  return { count: d.count, p50Ms: round(digestPercentile(d, 0.5)), p95Ms: round(digestPercentile(d, 0.95)), maxMs: round(d.count === 0 ? null : d.max) };
}

/** Runs the scenario on `system` (mesh types registered) with `config`; leaves the system running. */
export async function runScenario(system: ActorSystem, config: TreeConfig | string, options: ScenarioOptions): Promise<RunSummary> {
  const settings = configureMesh(system, { ...options.mesh, seed: options.seed });
  const kpis = new KpiAccumulator();
  const agentRefs: ActorRef<unknown>[] = [];
  const clusters: string[] = [];
  const sectors: string[] = [];
  let restarts = 0;
  let started = 0;
  let spawning = true;
  const sub = system.events$.subscribe((event) => {
    if (event.type === 'actor-restarted') restarts++;
    if (event.type !== 'actor-started') return;
    const type = (event as { actorType?: string }).actorType;
    if (!spawning) return;
    started++;
    options.onProgress?.(started);
    if (type === 'agent') {
      const ref = system.lookup(event.path);
      if (ref !== undefined) agentRefs.push(ref);
    } else if (type === 'cluster-lead') clusters.push(event.path);
    else if (type === 'sector-coordinator') sectors.push(event.path);
  });

  options.onPhase?.('spawn');
  let tree: TreeHandle;
  try {
    tree = spawnTree(system, config);
  } catch (error) {
    sub.unsubscribe();
    throw error;
  }
  spawning = false;
  const agentsTotal = agentRefs.length;
  let waveId = 0;
  let conflictsSeen = 0;
  let agentDelays: LatencyDigest = EMPTY_DIGEST;

  const runWave = async (): Promise<WaveSummary> => {
    const id = ++waveId;
    const t0 = performance.now();
    const report = await tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: id, replyTo }), { timeoutMs: settings.gatherTimeoutMs * 4 + 1000 });
    const totalMs = performance.now() - t0;
    const reached = report.counts.ready + report.counts.transit + report.counts.conflict;
    conflictsSeen += report.counts.conflict;
    const quorum = trinaryQuorum(report.counts.ready + report.counts.transit + report.counts.conflict + report.missing === 0 ? { ready: 0, transit: 0, conflict: 0 } : { ...report.counts, transit: report.counts.transit + report.missing });
    kpis.recordCascade(totalMs).recordResponses(report.counts).recordOperation(quorum.achieved);
    const levels: Record<string, LevelLatency> = {};
    for (const [role, digest] of Object.entries(report.latencies ?? {})) levels[role] = level(digest);
    if (id === 2) agentDelays = report.latencies?.['agent'] ?? EMPTY_DIGEST;
    return { waveId: id, reached, counts: report.counts, missing: report.missing, quorum: quorum.decision, totalMs: Math.round(totalMs * 100) / 100, levels };
  };

  // 0. Registration: every agent sets up its impedance simulation (not measured as a cascade).
  options.onPhase?.('register');
  const registerStart = performance.now();
  const registration = await tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: ++waveId, replyTo, register: true }), { timeoutMs: settings.gatherTimeoutMs * 4 + 10_000 });
  const registerMs = Math.round(performance.now() - registerStart);

  // 1. The wave cascade to every agent.
  options.onPhase?.('wave');
  const wave = await runWave();

  // 2. A predictive scatter-gather over one agent per cluster (3.1, 3.2): each is sent at
  // T - its expected delay so that all are READY at T; evaluateGather judges the arrivals.
  options.onPhase?.('scatter-gather');
  const rng = xoroshiro128plus(options.seed);
  const byCluster = new Map<string, ActorRef<unknown>[]>();
  for (const ref of agentRefs) {
    const parent = ref.path.slice(0, ref.path.lastIndexOf('/'));
    let list = byCluster.get(parent);
    if (list === undefined) byCluster.set(parent, (list = []));
    list.push(ref);
  }
  const sample = [...byCluster.values()].map((list) => list[uniformInt(rng, 0, list.length - 1)]!);
  const expected = sample.map((ref) => expectedReplyMs(agentClassOf(ref.path, settings.seed), settings));
  let gatherId = 1_000_000;
  // One round; the window's half-width is the p95 of past arrival errors (3.2), the
  // document's 500 ms (scaled, at least 10 ms of event-loop slack) when there are none.
  const gatherRound = async (errorSamplesMs: readonly number[]) => {
    const now = performance.now();
    // Lead time: the largest expected delay, plus a margin for sending 1,000 messages.
    const target = gatherTargetTime(now + 20, expected.length === 0 ? [] : [Math.max(...expected)]);
    const window = arrivalWindow(target, { errorSamplesMs: errorSamplesMs.length > 0 ? errorSamplesMs : undefined, defaultHalfWidthMs: Math.max(10, 500 / settings.speedup), minHalfWidthMs: 10 });
    const responses: GatherResponse[] = [];
    const errors: number[] = [];
    await Promise.all(
      sample.map(async (ref, i) => {
        await sleep(Math.max(0, target - expected[i]! - performance.now()));
        const sentAt = performance.now();
        try {
          const id = ++gatherId;
          const r = await ref.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: id, replyTo }), { timeoutMs: settings.gatherTimeoutMs });
          const arrivedAtMs = performance.now();
          responses.push({ id: ref.path, arrivedAtMs, state: r.counts.conflict > 0 ? -1 : 1 });
          errors.push(arrivedAtMs - target);
          kpis.recordArrival({ predictedMs: expected[i]!, actualMs: arrivedAtMs - sentAt, inWindow: classifyArrival(window, arrivedAtMs) === 'in-window' });
        } catch {
          // no answer inside gatherTimeoutMs: missing
        }
      }),
    );
    const result = evaluateGather(
      sample.map((ref) => ref.path),
      responses,
      window,
    );
    kpis.recordOperation(result.status === 'SUCCESS');
    return { result, window, errors };
  };
  const first = await gatherRound([]);
  const { result: gather, window } = await gatherRound(first.errors);
  const firstGather = first.result;

  // 3. Chaos: every 100 ms, agents told to fail (restarted by their cluster leads), while
  // waves keep measuring the active rate.
  options.onPhase?.('chaos');
  let failuresInjected = 0;
  let chaosWaves = 0;
  let minActiveRate = agentsTotal === 0 ? 1 : wave.reached / agentsTotal;
  const chaosStart = performance.now();
  let lastSample = chaosStart;
  let lastKill = chaosStart;
  const perTick = options.chaosRate * agentsTotal * 0.1;
  let owed = 0;
  while (performance.now() - chaosStart < options.durationMs) {
    owed += perTick;
    for (; owed >= 1 && agentsTotal > 0; owed--) {
      agentRefs[uniformInt(rng, 0, agentsTotal - 1)]!.tell({ type: 'fail', reason: 'chaos' });
      failuresInjected++;
      lastKill = performance.now();
    }
    const w = await runWave();
    chaosWaves++;
    const rate = agentsTotal === 0 ? 1 : w.reached / agentsTotal;
    minActiveRate = Math.min(minActiveRate, rate);
    const t = performance.now();
    kpis.recordAvailability({ durationMs: t - lastSample, activeRate: rate });
    lastSample = t;
    await sleep(Math.max(0, 100 - (performance.now() - t)));
  }

  // 4. Heal: waves until every agent answers again (failed agents come back after backoff).
  options.onPhase?.('heal');
  const healStart = performance.now();
  let final = await runWave();
  let healWaves = 1;
  while (final.reached + final.missing < agentsTotal || final.missing > 0 || final.reached < agentsTotal) {
    if (performance.now() - healStart > 10_000) break;
    await sleep(50);
    final = await runWave();
    healWaves++;
  }
  const healed = final.reached === agentsTotal;
  const restoredAt = performance.now();
  if (failuresInjected > 0 && healed) kpis.recordRecovery({ scope: 'cluster', detectedAtMs: lastKill, restoredAtMs: restoredAt });
  kpis.recordAvailability({ durationMs: restoredAt - lastSample, activeRate: agentsTotal === 0 ? 1 : final.reached / agentsTotal });
  sub.unsubscribe();

  return {
    seed: settings.seed,
    speedup: settings.speedup,
    actors: tree.actors,
    spawnMs: Math.round(tree.spawnMs),
    registration: { agents: registration.counts.ready, ms: registerMs },
    agents: agentsTotal,
    clusters: clusters.length,
    sectors: sectors.length,
    wave,
    scatterGather: {
      firstRound: { status: firstGather.status, responseRate: firstGather.responseRate, inWindow: firstGather.inWindow.length, halfWidthMs: first.window.halfWidthMs },
      sent: gather.sent,
      status: gather.status,
      responseRate: gather.responseRate,
      inWindow: gather.inWindow.length,
      early: gather.early.length,
      late: gather.late.length,
      missing: gather.missing.length,
      conflicts: gather.conflicts.length,
      halfWidthMs: window.halfWidthMs,
      recommendation: gather.recommendation ?? null,
    },
    chaos: { rate: options.chaosRate, durationMs: options.durationMs, failuresInjected, waves: chaosWaves, minActiveRate },
    heal: { healed, ms: Math.round(restoredAt - healStart), waves: healWaves, final },
    status: meshStatus({ agentsActive: final.reached, agentsTotal, sectorsTotal: sectors.length, agentDelays, speedup: settings.speedup, conflicts: conflictsSeen, breakers: tree.breakers }),
    restarts,
    kpis: kpis.report(),
  };
}
