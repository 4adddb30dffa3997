/**
 * admission-controller: the admission controller actor (actors/admission/controller.ts,
 * issue 9) in two parts.
 *
 * 1. Overhead per admitted job. N jobs over 5 lanes (tool 64, local-generation 8,
 *    cloud-generation openai / anthropic / google 16 each), submitted at once from outside;
 *    each job's work is an already resolved promise, so the time is the admission machinery.
 *      floor       a plain-JS counter semaphore per lane: start while running < capacity,
 *                  else queue; a finished job starts the next (no plan, no actor)
 *      actormesh   submit to the controller (re-plan per burst, lane queues, a job-done
 *                  message per job, outcome via the `settled` callback), nobody on events$
 *      + events    the same with a subscriber on events$ (every decision is an event)
 *      plan only   plan() over the N jobs once: the planner's share of the controller's cost
 *    overhead us = (row's us/job - floor's us/job), wall time; the same in process CPU time
 *    (user + system, gc threads included) beside it: on a shared machine other processes
 *    stretch wall time, not this process's CPU time. Target (issue 9): < 5 us per job.
 *    The controller rows warm up 2 rounds (the planner's and the controller's code are cold).
 *    N = 30,000 (ADMISSION_BENCH_N=100000 for the planner benchmark's size).
 * 2. The MESH-30K mesh (examples/mesh-30k.yaml, 30,000 agents) where every agent thinks
 *    at once (actors/mesh/think.ts), without lanes and with the lanes of the YAML's root
 *    props (8 calls per provider, local-generation 16, tool 256), printing the peak
 *    concurrent calls per provider and per lane (thinkStats) and the time until every
 *    thought is back. configureMesh({ speedup: 100, maxReplyMs: 5 }): calls last 0.2-5 ms.
 *
 * Run alone: npm run bench -- admission-controller
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ActorSystem } from '../src/index.js';
import type { ActorRef } from '../src/index.js';
import type { AdmissionJob, LaneBudget, ResourceClass } from '../src/admission/types.js';
import { plan } from '../src/admission/planner.js';
import { admissionController } from '../actors/admission/controller.js';
import { laneKeyOf } from '../actors/admission/messages.js';
import type { AdmissionSettings } from '../actors/admission/messages.js';
import { configureMesh, registerMeshTypes } from '../actors/mesh-types.js';
import type { AgentMsg, WaveReport } from '../actors/mesh-types.js';
import { admissionSettingsOf, configureAdmission, thinkStats } from '../actors/mesh/think.js';
import type { Thought } from '../actors/mesh/think.js';
import { loadTreeFile, spawnTree } from '../supervisors/config/index.js';
import { block, deferred, findRow, fmt, now, pushRow, runIfMain, scenario } from './harness.js';
import type { Metric, ScenarioResult } from './harness.js';

const FILE = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../examples/mesh-30k.yaml' : '../examples/mesh-30k.yaml', import.meta.url));
/** The mesh's burst: every one of its 30,000 agents submitting at once. */
const N = Number(process.env.ADMISSION_BENCH_N ?? 30_000);
const ROUNDS = 9;
const TARGET_US = 5;

const b = (capacity: number): LaneBudget => ({ capacity, order: 'oldest-first', estimatedDurationMs: 1 });
const SETTINGS: AdmissionSettings = {
  lanes: { tool: b(64), 'local-generation': b(8) },
  providerLanes: { 'cloud-generation': { openai: b(16), anthropic: b(16), google: b(16) } },
};
const SHAPES: { cls: ResourceClass; provider?: string }[] = [{ cls: 'tool' }, { cls: 'local-generation' }, { cls: 'cloud-generation', provider: 'openai' }, { cls: 'cloud-generation', provider: 'anthropic' }, { cls: 'cloud-generation', provider: 'google' }];

function jobs(n: number): AdmissionJob[] {
  const out: AdmissionJob[] = [];
  for (let i = 0; i < n; i++) {
    const shape = SHAPES[i % SHAPES.length]!;
    out.push({ id: `j${i}`, resourceClass: shape.cls, ...(shape.provider !== undefined ? { provider: shape.provider } : {}), priority: i % 3, createdAtMs: i, artifactKey: `a${i}` });
  }
  return out;
}

const RESOLVED = Promise.resolve();
const work = (): Promise<void> => RESOLVED;

/** The floor: a counter semaphore per lane, FIFO queues. */
/** CPU time of this process (user + system), ms: less disturbed than wall time by other processes on a shared machine. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function floorRound(all: readonly AdmissionJob[]): Promise<{ ms: number; cpu: number }> {
  const capacity = new Map<string, number>([
    ['tool', 64],
    ['local-generation', 8],
    ['cloud-generation:openai', 16],
    ['cloud-generation:anthropic', 16],
    ['cloud-generation:google', 16],
  ]);
  const running = new Map<string, number>();
  // Queues read from a head index: Array.shift on a 20,000-long array copies it.
  const queues = new Map<string, { items: (() => void)[]; head: number }>();
  for (const key of capacity.keys()) {
    running.set(key, 0);
    queues.set(key, { items: [], head: 0 });
  }
  const done = deferred();
  let finished = 0;
  const cpu0 = cpuMs();
  const start = now();
  const startJob = (key: string): void => {
    running.set(key, running.get(key)! + 1);
    void work().then(() => {
      running.set(key, running.get(key)! - 1);
      if (++finished === all.length) done.resolve();
      const queue = queues.get(key)!;
      if (queue.head < queue.items.length) queue.items[queue.head++]!();
    });
  };
  for (const job of all) {
    const key = laneKeyOf(job.provider !== undefined ? { resourceClass: job.resourceClass, provider: job.provider } : { resourceClass: job.resourceClass });
    if (running.get(key)! < capacity.get(key)!) startJob(key);
    else queues.get(key)!.items.push(() => startJob(key));
  }
  await done.promise;
  return { ms: now() - start, cpu: cpuMs() - cpu0 };
}

async function controllerRound(all: readonly AdmissionJob[], observed: boolean): Promise<{ ms: number; cpu: number; events: number }> {
  const system = ActorSystem.create({ logLevel: 'silent' });
  let events = 0;
  if (observed) system.events$.subscribe(() => events++);
  const ref = system.spawn(admissionController, { props: SETTINGS });
  const done = deferred();
  let finished = 0;
  const settled = (): void => {
    if (++finished === all.length) done.resolve();
  };
  const cpu0 = cpuMs();
  const start = now();
  for (const job of all) ref.tell({ type: 'submit', job, run: work, settled });
  await done.promise;
  const ms = now() - start;
  const cpu = cpuMs() - cpu0;
  await system.terminate();
  return { ms, cpu, events };
}

const overheadMetrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms },
  { key: 'usPerJob', label: 'us/job', format: fmt.us, ratio: true, normalized: true },
  { key: 'overheadUs', label: 'overhead us/job', format: fmt.us },
  { key: 'cpuUs', label: 'cpu us/job', format: fmt.us },
  { key: 'cpuOverheadUs', label: 'cpu overhead us/job', format: fmt.us },
  { key: 'events', label: 'events', format: fmt.int },
];

async function runOverhead(): Promise<ScenarioResult> {
  const all = jobs(N);
  return scenario(
    {
      id: 'admission-controller',
      title: 'admission controller: overhead per admitted job',
      description: `N=${fmt.size(N)} jobs over 5 lanes (tool 64, local 8, 3 providers x 16), work = a resolved promise; median of ${ROUNDS} rounds after 1 warm-up (controller: 2)`,
      metrics: overheadMetrics,
    },
    async (rows) => {
      const floor = await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 30_000 }, async () => {
        const { ms, cpu } = await floorRound(all);
        return { ms, usPerJob: (ms * 1000) / N, overheadUs: 0, cpuUs: (cpu * 1000) / N, cpuOverheadUs: 0, events: 0 };
      });
      pushRow(rows, 'floor', N, floor);
      const floorUs = floor.figures.usPerJob ?? NaN;
      const floorCpuUs = floor.figures.cpuUs ?? NaN;
      // The planner's share of the controller's cost: one plan over all N jobs.
      const planOnly = await block({ label: 'plan only', rounds: ROUNDS, timeoutMs: 30_000 }, async () => {
        const cpu0 = cpuMs();
        const start = now();
        plan({ nowMs: 0, jobs: all, lanes: SETTINGS.lanes, providerLanes: SETTINGS.providerLanes! });
        const ms = now() - start;
        const cpu = cpuMs() - cpu0;
        return { ms, usPerJob: (ms * 1000) / N, overheadUs: (ms * 1000) / N, cpuUs: (cpu * 1000) / N, cpuOverheadUs: (cpu * 1000) / N, events: 0 };
      });
      pushRow(rows, 'plan only', N, planOnly, 'plan(all N jobs) once: part of the controller overhead', true);
      for (const observed of [false, true]) {
        const result = await block({ label: observed ? 'actormesh + events' : 'actormesh', rounds: ROUNDS, warmup: 2, timeoutMs: 60_000 }, async () => {
          const { ms, cpu, events } = await controllerRound(all, observed);
          return { ms, usPerJob: (ms * 1000) / N, overheadUs: (ms * 1000) / N - floorUs, cpuUs: (cpu * 1000) / N, cpuOverheadUs: (cpu * 1000) / N - floorCpuUs, events };
        });
        pushRow(rows, observed ? 'actormesh + events' : 'actormesh', N, result, observed ? 'a subscriber on events$: admitted + completed per job (+ divergences)' : undefined, observed);
      }
    },
    (rows) => {
      const mesh = findRow(rows, 'actormesh')?.figures.overheadUs;
      const cpu = findRow(rows, 'actormesh')?.figures.cpuOverheadUs;
      const withEvents = findRow(rows, 'actormesh + events')?.figures.overheadUs;
      const planUs = findRow(rows, 'plan only')?.figures.usPerJob;
      return [
        {
          target: `controller overhead per admitted job < ${TARGET_US} us`,
          met: mesh === undefined ? null : mesh < TARGET_US,
          detail: `${fmt.us(mesh ?? NaN)} us wall over the floor, ${fmt.us(cpu ?? NaN)} us cpu (planning ${fmt.us(planUs ?? NaN)} us of it; ${fmt.us(withEvents ?? NaN)} us wall with events observed; load average ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cpus)`,
        },
      ];
    },
  );
}

// ------------------------------------------------------------------ the mesh

const PEAK_KEYS = ['cloud-generation:openai', 'cloud-generation:anthropic', 'cloud-generation:google', 'local-generation', 'tool'] as const;
const meshMetrics: Metric[] = [
  { key: 'ms', label: 'all thoughts ms', format: fmt.ms },
  { key: 'openai', label: 'peak openai', format: fmt.int },
  { key: 'anthropic', label: 'peak anthropic', format: fmt.int },
  { key: 'google', label: 'peak google', format: fmt.int },
  { key: 'local', label: 'peak local-gen', format: fmt.int },
  { key: 'tool', label: 'peak tool', format: fmt.int },
  { key: 'maxWaitMs', label: 'max wait ms', format: fmt.ms },
];

async function meshRound(lanes: boolean): Promise<Record<string, number>> {
  const config = loadTreeFile(FILE);
  const system = ActorSystem.create({ logLevel: 'silent' });
  registerMeshTypes(system);
  configureMesh(system, { seed: 42, speedup: 100, maxReplyMs: 5 });
  if (lanes) configureAdmission(system, admissionSettingsOf(config)!);
  const root = spawnTree(system, config).root as ActorRef<AgentMsg>;
  // Registration wave: agents make their simulations outside the timing.
  await root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: 1, replyTo, register: true }), { timeoutMs: 30_000 });
  const agents: ActorRef<AgentMsg>[] = [];
  for (let s = 0; s < 100; s++) for (let c = 0; c < 10; c++) for (let a = 0; a < 30; a++) agents.push(system.lookup(`/user/orchestrator/sector-${s}/cluster-${c}/agent-${a}`)! as ActorRef<AgentMsg>);
  const done = deferred();
  let answered = 0;
  let maxWaitMs = 0;
  let errors = 0;
  const collector = system.spawn<Thought>(() => (thought) => {
    if (thought.error !== undefined) errors++;
    if (thought.waitedMs > maxWaitMs) maxWaitMs = thought.waitedMs;
    if (++answered === agents.length) done.resolve();
  });
  const start = now();
  for (const agent of agents) agent.tell({ type: 'think', prompt: 'hello', replyTo: collector });
  await done.promise;
  const ms = now() - start;
  const peak = thinkStats(system).peak;
  await system.terminate();
  if (errors > 0) throw new Error(`${errors} thoughts came back with an error`);
  const [openai, anthropic, google, local, tool] = PEAK_KEYS.map((key) => peak[key] ?? 0);
  return { ms, openai: openai!, anthropic: anthropic!, google: google!, local: local!, tool: tool!, maxWaitMs };
}

async function runMeshThink(): Promise<ScenarioResult> {
  const caps = admissionSettingsOf(loadTreeFile(FILE))!;
  const capOf = (provider: string): number => caps.providerLanes?.['cloud-generation']?.[provider]?.capacity ?? NaN;
  return scenario(
    {
      id: 'admission-mesh',
      title: 'MESH-30K: 30,000 agents think at once, without and with admission lanes',
      description: 'examples/mesh-30k.yaml; calls of 0.2-5 ms (speedup 100, maxReplyMs 5); 1 round each after 1 warm-up; peaks = most calls in flight at once',
      metrics: meshMetrics,
    },
    async (rows) => {
      for (const lanes of [false, true]) {
        const label = lanes ? 'actormesh' : 'no lanes';
        const result = await block({ label, rounds: 1, timeoutMs: 120_000 }, () => meshRound(lanes));
        pushRow(rows, label, 30_000, result, lanes ? 'lanes from the YAML root props' : 'every call at once', !lanes);
      }
    },
    (rows) => {
      const mesh = findRow(rows, 'actormesh')?.figures;
      if (mesh === undefined) return [{ target: 'lanes cap concurrent calls per provider', met: null, detail: 'no row' }];
      const over = ['openai', 'anthropic', 'google'].filter((p) => mesh[p]! > capOf(p));
      return [
        {
          target: 'with lanes, no provider has more calls in flight than its cap',
          met: over.length === 0,
          detail: `peaks openai ${mesh.openai}/${capOf('openai')}, anthropic ${mesh.anthropic}/${capOf('anthropic')}, google ${mesh.google}/${capOf('google')}`,
        },
      ];
    },
  );
}

/** Both parts: the overhead table, then the mesh table. */
export async function runAdmissionController(): Promise<ScenarioResult[]> {
  return [await runOverhead(), await runMeshThink()];
}

await runIfMain(import.meta.url, runAdmissionController);
