/**
 * skynet: a tree of 1,111,111 actors (10 children each, depth 6). The leaves send their
 * number (0 .. 999,999) up, each parent sums its 10 children and sends the sum up; the root
 * must get 499,999,500,000 (asserted). See skynet-child.ts for the tree and each version.
 *
 * Each run is a separate process (`node --expose-gc --import tsx bench/skynet-child.ts
 * <impl> [depth]`), so peak RSS (process.resourceUsage().maxRSS) is that implementation's
 * alone; each process warms up at depth 4 first. Runs of the implementations are
 * interleaved; the figures are medians over each implementation's runs.
 *
 *   actormesh        function behaviour (state in the setup's closure)
 *   actormesh-class  extra row: the same as an Actor subclass (state in fields)
 *   floor            plain recursive objects with array mailboxes and a run loop
 *   nact, comedy     depth 5 (111,111 actors): at depth 6 nact needs ~15 s and ~1.5 GB,
 *                    comedy more; compare per actor
 *   baseline         extra row: a process that runs nothing (node + tsx)
 * "live B/actor" is the heap still used after the run, after gc, divided by the actors
 * (the tree as it stands when the root has its sum).
 *
 * Targets: actormesh <= 2x floor time and <= 1.5x floor peak RSS.
 * Run alone: npm run bench -- skynet
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findRow, fmt, log, median, pushRow, ratio, runIfMain, scenario } from './harness.js';
import type { BlockResult, Figures, Metric, ScenarioResult } from './harness.js';
import { actorsAt } from './skynet-child.js';
import type { SkynetOutcome } from './skynet-child.js';

const DEPTH = 6;
const PEER_DEPTH = 5;

interface Plan {
  impl: string;
  depth: number;
  runs: number;
  timeoutMs: number;
  note?: string;
  extra?: boolean;
}

const plans: Plan[] = [
  { impl: 'floor', depth: DEPTH, runs: 5, timeoutMs: 60_000 },
  { impl: 'actormesh', depth: DEPTH, runs: 5, timeoutMs: 60_000 },
  { impl: 'actormesh-class', depth: DEPTH, runs: 5, timeoutMs: 60_000, note: 'variant: Actor subclass instead of a function behaviour', extra: true },
  { impl: 'nact', depth: PEER_DEPTH, runs: 2, timeoutMs: 40_000, note: `depth ${PEER_DEPTH} (${fmt.size(actorsAt(PEER_DEPTH))} actors); compare per actor` },
  { impl: 'comedy', depth: PEER_DEPTH, runs: 2, timeoutMs: 40_000, note: `depth ${PEER_DEPTH} (${fmt.size(actorsAt(PEER_DEPTH))} actors); compare per actor` },
  { impl: 'baseline', depth: DEPTH, runs: 1, timeoutMs: 30_000, note: 'node + tsx, nothing run', extra: true },
];

const metrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms, ratio: true },
  { key: 'usPerActor', label: 'us/actor', format: fmt.us, ratio: true, normalized: true },
  { key: 'rss', label: 'peak RSS', format: fmt.mb, ratio: true },
  { key: 'live', label: 'live B/actor', format: fmt.bytes, ratio: true, normalized: true },
];

// Compiled (npm run bench runs dist/bench) or straight from the sources through tsx.
const compiled = import.meta.url.endsWith('.js');
const childScript = fileURLToPath(new URL(compiled ? './skynet-child.js' : './skynet-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Runs one child process; resolves with its outcome, rejects on failure or time-out (the child is killed). */
function runChild(impl: string, depth: number, timeoutMs: number): Promise<SkynetOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(compiled ? ['--expose-gc'] : ['--expose-gc', '--import', 'tsx']), childScript, impl, String(depth)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s (killed)`));
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code ?? signal}`);
        resolve(JSON.parse(last) as SkynetOutcome);
      } catch (error) {
        reject(new Error(`${(error as Error).message}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      }
    });
  });
}

export async function runSkynet(): Promise<ScenarioResult> {
  return scenario(
    {
      id: 'skynet',
      title: `skynet: a tree of ${fmt.int(actorsAt(DEPTH))} actors, sums flowing up`,
      description: `depth ${DEPTH}, 10 children each; one process per run (warm-up at depth 4 inside); median of the runs shown`,
      metrics,
    },
    async (rows) => {
      // Runs are interleaved (floor, actormesh, ..., floor, actormesh, ...) so that a change
      // in the machine's background load falls on every implementation alike.
      const state = new Map(plans.map((plan) => [plan.impl, { all: [] as Figures[], failure: undefined as string | undefined, last: undefined as SkynetOutcome | undefined }]));
      const maxRuns = Math.max(...plans.map((plan) => plan.runs));
      for (let i = 0; i < maxRuns; i++) {
        for (const plan of plans) {
          const s = state.get(plan.impl)!;
          if (i >= plan.runs || s.failure !== undefined) continue;
          try {
            const outcome = await runChild(plan.impl, plan.depth, plan.timeoutMs);
            s.last = outcome;
            s.all.push({
              ms: outcome.ms,
              usPerActor: outcome.actors > 0 ? (outcome.ms * 1000) / outcome.actors : NaN,
              rss: outcome.maxRssBytes,
              live: outcome.liveBytesPerActor ?? NaN,
              teardownMs: outcome.teardownMs,
              rssAfterTeardown: outcome.maxRssAfterTeardownBytes,
            });
            log(`  ${plan.impl} run ${i + 1}: ${fmt.ms(outcome.ms)} ms, peak RSS ${fmt.mb(outcome.maxRssBytes)}`);
          } catch (error) {
            s.failure = (error as Error).message;
            log(`  ${plan.impl}: run ${i + 1} ${s.failure}`);
          }
        }
      }
      for (const plan of plans) {
        const { all, failure, last } = state.get(plan.impl)!;
        const figures: Figures = {};
        if (all.length > 0) for (const key of Object.keys(all[0]!)) figures[key] = median(all.map((f) => f[key]!));
        const result: BlockResult = { figures, all, ...(failure !== undefined ? { failure } : {}) };
        let note = plan.note;
        if (plan.impl.startsWith('actormesh') && all.length > 0) {
          const extraNote = `then terminate(): ${fmt.ms(figures.teardownMs!)} ms, peak RSS after it ${fmt.mb(figures.rssAfterTeardown!)}`;
          note = note ? `${note}; ${extraNote}` : extraNote;
        }
        if (last && plan.impl !== 'baseline') log(`  ${plan.impl}: root sum ${last.result} (expected ${last.expected})`);
        pushRow(rows, plan.impl, plan.impl === 'baseline' ? 0 : actorsAt(plan.depth), result, note, plan.extra);
      }
    },
    (rows) => {
      const mesh = findRow(rows, 'actormesh')?.figures;
      const floor = findRow(rows, 'floor')?.figures;
      const variant = findRow(rows, 'actormesh-class')?.figures;
      const time = ratio(rows, 'floor', 'ms');
      const rss = ratio(rows, 'floor', 'rss');
      const vs = (value: number | undefined, base: number | undefined): string => fmt.x3(value !== undefined && base !== undefined ? value / base : undefined);
      return [
        {
          target: 'actormesh <= 2x floor time',
          met: time === undefined ? null : time <= 2,
          detail:
            `actormesh ${fmt.ms(mesh?.ms ?? NaN)} ms = ${fmt.x3(time)} floor (${fmt.ms(floor?.ms ?? NaN)} ms)` +
            (variant ? `; class variant ${fmt.ms(variant.ms ?? NaN)} ms = ${vs(variant.ms, floor?.ms)}` : ''),
        },
        {
          target: 'actormesh <= 1.5x floor peak RSS',
          met: rss === undefined ? null : rss <= 1.5,
          detail:
            `actormesh ${fmt.mb(mesh?.rss ?? NaN)} = ${fmt.x3(rss)} floor (${fmt.mb(floor?.rss ?? NaN)}); baseline process ${fmt.mb(findRow(rows, 'baseline')?.figures.rss ?? NaN)}` +
            (variant ? `; class variant ${fmt.mb(variant.rss ?? NaN)} = ${vs(variant.rss, floor?.rss)}` : ''),
        },
      ];
    },
  );
}

export default runSkynet;
await runIfMain(import.meta.url, runSkynet);
