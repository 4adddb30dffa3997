/**
 * admission planning: one plan of 100,000 jobs (issue 9's target: under 50 ms).
 *
 * The workload (the same jobs every round, built once, deterministic): five classes in
 * equal shares; cloud-generation jobs spread over 5 providers, each with its own lane;
 * priorities 0-3; creation times over the last 10 minutes; about 5% of the jobs share an
 * artifact with another job of their class (coalescing); 30% have one or two dependencies,
 * of which about 1 in 10 are missing or on an expired lease (deferral).
 *
 *   actormesh  plan(request): validation, budgets, coalescing, dependency gate, order,
 *              waves, slot simulation of estimated start/finish, budgets' meets_* flags
 *   floor      a minimal planner in plain JS: group the jobs by lane, sort each lane
 *              (priority, creation time, id), assign order and wave; no validation, no
 *              coalescing, no dependencies, no estimates
 *
 * Target: planning 100,000 jobs < 50 ms (median round).
 * Run alone: npm run bench -- admission
 */
import { plan } from '../src/admission/index.js';
import type { AdmissionJob, LaneBudget, PlanRequest, ReadyArtifact, ResourceClass } from '../src/admission/index.js';
import { block, findRow, fmt, now, pushRow, ratio, runIfMain, scenario } from './harness.js';
import type { Metric, ScenarioResult } from './harness.js';

const N = 100_000;
const ROUNDS = 15;
const TARGET_MS = 50;
const NOW = 1_800_000_000_000;

const CLASSES: readonly ResourceClass[] = ['local-generation', 'cloud-generation', 'gpu-render', 'tool', 'background-memory'];
const PROVIDERS = ['openai', 'anthropic', 'google', 'deepseek', 'mistral'];
const DEPENDENCIES = 5_000;

const metrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms, ratio: true },
  { key: 'rate', label: 'rate jobs/s', format: fmt.rate, ratio: true, normalized: true },
];

/** A small deterministic generator (the same workload on every run and machine). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The request every round plans. */
export function workload(n = N): PlanRequest {
  const random = lcg(9);
  const jobs: AdmissionJob[] = [];
  for (let i = 0; i < n; i++) {
    const resourceClass = CLASSES[i % CLASSES.length]!;
    const withDependencies = random() < 0.3;
    const dependencyKeys = withDependencies ? (random() < 0.5 ? [`dep:${Math.floor(random() * DEPENDENCIES)}`] : [`dep:${Math.floor(random() * DEPENDENCIES)}`, `dep:${Math.floor(random() * DEPENDENCIES)}`]) : undefined;
    jobs.push({
      id: `job-${i}`,
      resourceClass,
      ...(resourceClass === 'cloud-generation' ? { provider: PROVIDERS[Math.floor(random() * PROVIDERS.length)]! } : {}),
      priority: Math.floor(random() * 4),
      createdAtMs: NOW - Math.floor(random() * 600_000),
      // 1 in 20 jobs reuses an artifact of an earlier job of its class.
      artifactKey: random() < 0.05 && i >= 1000 ? `artifact-${i - 5 * Math.floor(1 + random() * 100)}` : `artifact-${i}`,
      ...(dependencyKeys !== undefined ? { dependencyKeys } : {}),
      ...(random() < 0.2 ? { estimatedDurationMs: Math.floor(random() * 5000) } : {}),
    });
  }
  const ready: ReadyArtifact[] = [];
  for (let d = 0; d < DEPENDENCIES; d++) {
    const roll = random();
    if (roll < 0.05) continue; // missing
    ready.push(roll < 0.1 ? { key: `dep:${d}`, validUntilMs: NOW - 1, holderId: 'expired' } : roll < 0.5 ? { key: `dep:${d}`, validUntilMs: NOW + 60_000, holderId: `holder-${d % 7}` } : { key: `dep:${d}` });
  }
  const lane = (capacity: number, estimatedDurationMs: number, order?: LaneBudget['order']): LaneBudget => ({ capacity, estimatedDurationMs, ...(order ? { order } : {}) });
  return {
    nowMs: NOW,
    jobs,
    lanes: {
      'local-generation': lane(2, 4000),
      'gpu-render': lane(4, 16),
      tool: lane(32, 250),
      'background-memory': lane(1, 500, 'oldest-first'),
    },
    providerLanes: { 'cloud-generation': Object.fromEntries(PROVIDERS.map((p, i) => [p, lane(2 + 2 * i, 1500)])) },
    ready,
  };
}

/** The floor: group by lane, sort each lane, number the jobs and their waves. Nothing else. */
function floorPlan(request: PlanRequest): Array<{ id: string; wave: number }> {
  const lanes = new Map<string, { capacity: number; jobs: AdmissionJob[] }>();
  for (const job of request.jobs) {
    const key = job.provider === undefined ? job.resourceClass : `${job.resourceClass}/${job.provider}`;
    let lane = lanes.get(key);
    if (lane === undefined) {
      const budget = job.provider === undefined ? request.lanes[job.resourceClass] : request.providerLanes?.[job.resourceClass]?.[job.provider];
      lanes.set(key, (lane = { capacity: budget?.capacity ?? 1, jobs: [] }));
    }
    lane.jobs.push(job);
  }
  const out: Array<{ id: string; wave: number }> = [];
  for (const lane of lanes.values()) {
    lane.jobs.sort((a, b) => b.priority - a.priority || b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let order = 0; order < lane.jobs.length; order++) out.push({ id: lane.jobs[order]!.id, wave: Math.floor(order / lane.capacity) });
  }
  return out;
}

const figures = (ms: number) => ({ ms, rate: (N / ms) * 1000 });

export async function runAdmission(): Promise<ScenarioResult> {
  const request = workload();
  let shape = '';
  return scenario(
    {
      id: 'admission',
      title: 'admission planning: one plan of 100,000 jobs (5 classes, 5 providers, 30% with dependencies)',
      description: `N=${fmt.size(N)}; median of ${ROUNDS} rounds after 1 warm-up; gc before each round`,
      metrics,
    },
    async (rows) => {
      const floor = await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 30_000 }, async () => {
        const start = now();
        const out = floorPlan(request);
        const ms = now() - start;
        if (out.length !== N) throw new Error(`floor planned ${out.length} jobs`);
        return figures(ms);
      });
      pushRow(rows, 'floor', N, floor, 'sort per lane + waves only');

      const mesh = await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: 30_000 }, async () => {
        const start = now();
        const result = plan(request);
        const ms = now() - start;
        const total = result.admitted.length + result.deferred.length + result.coalesced.length + result.unbudgeted.length;
        if (total !== N) throw new Error(`plan accounted for ${total} of ${N} jobs`);
        shape = `${result.admitted.length} admitted, ${result.deferred.length} deferred, ${result.coalesced.length} coalesced, ${result.unbudgeted.length} unbudgeted`;
        return figures(ms);
      });
      pushRow(rows, 'actormesh', N, mesh, shape);
    },
    (rows) => {
      const ms = findRow(rows, 'actormesh')?.figures.ms;
      const floorMs = findRow(rows, 'floor')?.figures.ms;
      return [
        {
          target: `planning 100,000 jobs < ${TARGET_MS} ms`,
          met: ms === undefined ? null : ms < TARGET_MS,
          detail: `actormesh ${fmt.ms(ms ?? NaN)} ms (median) = ${fmt.x3(ratio(rows, 'floor', 'ms'))} the floor's time (${fmt.ms(floorMs ?? NaN)} ms: sort per lane and waves only)`,
        },
      ];
    },
  );
}

export default runAdmission;
await runIfMain(import.meta.url, runAdmission);
