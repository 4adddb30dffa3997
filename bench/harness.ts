/**
 * Shared machinery of the benchmark suite: rounds and medians, time-outs, gc, memory, and
 * the table each scenario prints. Not a scenario itself; see run.ts.
 *
 * Conventions used by every scenario:
 *   - an implementation is measured in one block: one warm-up round (not counted), then
 *     `rounds` rounds; the figure reported is the median of those rounds;
 *   - gc runs before every round (outside the timed part) when node has --expose-gc, except
 *     where rounds last only milliseconds (fan-out): there it runs once before the block;
 *   - a round that does not finish within its time limit stops that implementation's block
 *     (the row then says so) instead of hanging the run;
 *   - the "vs" columns are always actormesh's figure divided by the row's figure, so for a
 *     rate 2.00x means actormesh does twice as much per second, and for a time or a byte
 *     count 2.00x means actormesh takes twice as long or twice as much.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export const now = (): number => performance.now();

/** Runs a full gc (twice: the second pass collects what the first one's finalizers freed). */
export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

export const hasGc = (): boolean => typeof (globalThis as { gc?: unknown }).gc === 'function';

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export class TimeoutError extends Error {
  constructor(
    readonly label: string,
    readonly ms: number,
  ) {
    super(`${label}: no result after ${(ms / 1000).toFixed(0)} s`);
  }
}

/** The promise's value, or a TimeoutError after `ms`. The timer does not keep node alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(label, ms)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A promise and the function that resolves it. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending immediates, timers and microtasks run (e.g. after a stop). */
export function settle(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One round's figures, by metric key. */
export type Figures = Record<string, number>;

export interface BlockOptions {
  /** Measured rounds after the warm-up. */
  readonly rounds: number;
  /** Time limit of one round in ms. */
  readonly timeoutMs: number;
  /** Warm-up rounds (default 1). */
  readonly warmup?: number;
  /** Label for messages. */
  readonly label: string;
  /**
   * Full gc before each round (default true). Off for rounds of a few milliseconds: a forced
   * full gc 100 times a second is not what a program sees, and it throws away optimized
   * code that embeds objects the gc freed (V8 deopt reason "weak objects").
   */
  readonly gcEachRound?: boolean;
}

export interface BlockResult {
  /** Median of each figure over the measured rounds. */
  readonly figures: Figures;
  /** Each measured round's figures. */
  readonly all: Figures[];
  /** Set when rounds failed or one timed out (the block stops at a time-out). */
  readonly failure?: string;
}

/** A round that fails (rejects) is recorded and skipped; after this many the block stops. */
const MAX_FAILED_ROUNDS = 2;

/**
 * Runs one implementation's block: warm-up, then measured rounds, each with gc before it
 * and a time limit. `round` returns the round's figures; it is told whether it is a warm-up
 * round (a huge scenario may warm up at a smaller size).
 */
export async function block(options: BlockOptions, round: (warmup: boolean) => Promise<Figures>): Promise<BlockResult> {
  const all: Figures[] = [];
  const warmup = options.warmup ?? 1;
  const failures: string[] = [];
  const result = (): BlockResult => ({
    figures: medians(all),
    all,
    ...(failures.length > 0 ? { failure: `${failures.length} round(s) ${failures.join(', ')}` } : {}),
  });
  if (options.gcEachRound === false) gc();
  for (let i = 0; i < warmup + options.rounds; i++) {
    if (options.gcEachRound !== false) gc();
    try {
      const figures = await withTimeout(round(i < warmup), options.timeoutMs, options.label);
      if (i >= warmup) all.push(figures);
    } catch (error) {
      const timedOut = error instanceof TimeoutError;
      const failure = timedOut ? `timed out after ${(error.ms / 1000).toFixed(0)} s` : `failed (${(error as Error)?.message ?? String(error)})`;
      log(`  ${options.label}: round ${i + 1} ${failure}`);
      failures.push(failure);
      // A round that timed out may still be running: measuring on beside it would be wrong.
      if (timedOut || failures.length >= MAX_FAILED_ROUNDS) return result();
    }
  }
  return result();
}

function medians(all: readonly Figures[]): Figures {
  const out: Figures = {};
  if (all.length === 0) return out;
  for (const key of Object.keys(all[0]!)) out[key] = median(all.map((f) => f[key]!));
  return out;
}

/** Progress messages go to stderr, so stdout holds only the tables. */
export function log(message: string): void {
  process.stderr.write(message + '\n');
}

// ------------------------------------------------------------------ rows and tables

export type Impl = 'actormesh' | 'floor' | 'nact' | 'comedy' | (string & {});

export interface Row {
  /** Implementation (actormesh, floor, nact, comedy, or a labelled variant). */
  readonly impl: Impl;
  /** Problem size the row was measured at (messages, actors, round trips ...). */
  readonly size: number;
  /** Rounds the medians are taken over. */
  readonly rounds: number;
  /** Median figures by metric key. */
  readonly figures: Figures;
  /** Said in the table: reduced size, time-out, extra facts. */
  readonly note?: string;
  /** True for extra rows that are not one of the four implementations (variants, baselines). */
  readonly extra?: boolean;
}

export interface Metric {
  readonly key: string;
  readonly label: string;
  /** Formats a value for the table. */
  readonly format: (value: number) => string;
  /** Print a "vs" column: actormesh's value / this row's value. */
  readonly ratio?: boolean;
  /**
   * The value is normalized (per message, per actor ...) so rows of different sizes can be
   * compared. A ratio on a non-normalized metric is only printed between rows of equal size.
   */
  readonly normalized?: boolean;
}

export interface Verdict {
  /** The target as the issue states it. */
  readonly target: string;
  /** null: could not be decided (a row is missing). */
  readonly met: boolean | null;
  /** The measured facts behind the decision. */
  readonly detail: string;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** One line on the shape of the scenario (sizes, rounds). */
  readonly description: string;
  readonly metrics: readonly Metric[];
  readonly rows: readonly Row[];
  readonly verdicts: readonly Verdict[];
  /** Seconds the scenario took, all implementations included. */
  readonly seconds: number;
}

export function findRow(rows: readonly Row[], impl: Impl): Row | undefined {
  return rows.find((row) => row.impl === impl);
}

/** The ratio actormesh / row for `key`, or undefined when a side is missing. */
export function ratio(rows: readonly Row[], impl: Impl, key: string): number | undefined {
  const mesh = findRow(rows, 'actormesh')?.figures[key];
  const other = findRow(rows, impl)?.figures[key];
  if (mesh === undefined || other === undefined || !Number.isFinite(mesh) || !Number.isFinite(other) || other === 0) return undefined;
  return mesh / other;
}

export const fmt = {
  int: (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-'),
  ms: (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '-'),
  us: (v: number): string => (Number.isFinite(v) ? (v >= 10 ? v.toFixed(1) : v.toFixed(3)) : '-'),
  rate: (v: number): string => {
    if (!Number.isFinite(v)) return '-';
    if (v >= 1e6) return (v / 1e6).toFixed(2) + ' M/s';
    if (v >= 1e3) return (v / 1e3).toFixed(1) + ' k/s';
    return v.toFixed(0) + ' /s';
  },
  bytes: (v: number): string => (Number.isFinite(v) ? v.toFixed(0) + ' B' : '-'),
  mb: (v: number): string => (Number.isFinite(v) ? (v / 1024 / 1024).toFixed(0) + ' MB' : '-'),
  x: (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : (v >= 0.1 ? v.toFixed(2) : v.toPrecision(2)) + 'x'),
  /** A ratio with three decimals, for verdicts (0.497x must not print as 0.50x). */
  x3: (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : (v >= 0.1 ? v.toFixed(3) : v.toPrecision(3)) + 'x'),
  size: (v: number): string => {
    if (v === 0) return '-';
    if (v >= 1e6 && v % 1e5 === 0) return v / 1e6 + 'M';
    if (v >= 1e3 && v % 100 === 0 && v < 1e6) return v / 1e3 + 'k';
    return v.toLocaleString('en-US');
  },
};

/** Renders a scenario's table, verdicts included, as text. */
export function renderScenario(result: ScenarioResult): string {
  const mesh = findRow(result.rows, 'actormesh');
  const header = ['impl', 'size', 'rounds'];
  for (const metric of result.metrics) {
    header.push(metric.label);
    if (metric.ratio) header.push(`vs (${metric.label.split(' ')[0]})`);
  }
  header.push('note');
  const lines: string[][] = [header];
  for (const row of result.rows) {
    const cells = [row.impl, fmt.size(row.size), String(row.rounds)];
    for (const metric of result.metrics) {
      const value = row.figures[metric.key];
      cells.push(value === undefined ? '-' : metric.format(value));
      if (metric.ratio) {
        if (row.impl === 'actormesh') cells.push('1.00x');
        else if (!metric.normalized && mesh !== undefined && mesh.size !== row.size) cells.push('(size differs)');
        else cells.push(fmt.x(ratio(result.rows, row.impl, metric.key)));
      }
    }
    cells.push(row.note ?? '');
    lines.push(cells);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((cells) => cells[i]!.length)));
  const render = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  out.push(`== ${result.title} [${result.id}] (${result.seconds.toFixed(0)} s)`);
  out.push(`   ${result.description}`);
  out.push('   "vs" = actormesh / row (rates: >1 means actormesh is faster; times and bytes: >1 means actormesh costs more)');
  out.push(render(lines[0]!));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const cells of lines.slice(1)) out.push(render(cells));
  for (const verdict of result.verdicts) {
    const mark = verdict.met === null ? 'UNDECIDED' : verdict.met ? 'MET' : 'MISSED';
    out.push(`   target: ${verdict.target} -> ${mark}: ${verdict.detail}`);
  }
  return out.join('\n');
}

/** A scenario module's entry point: one table, or several (fan-out has two parts). */
export type Scenario = () => Promise<ScenarioResult | ScenarioResult[]>;

export function tables(result: ScenarioResult | ScenarioResult[]): ScenarioResult[] {
  return Array.isArray(result) ? result : [result];
}

/**
 * Lets a scenario file run by itself: `node --expose-gc --import tsx bench/<name>.bench.ts`.
 * (The usual way is `npm run bench -- <name>`.)
 */
export async function runIfMain(moduleUrl: string, scenario: Scenario): Promise<void> {
  const main = process.argv[1];
  if (main === undefined || pathToFileURL(main).href !== moduleUrl) return;
  if (!hasGc()) log('note: run with --expose-gc for gc between rounds and heap figures');
  const results = tables(await scenario());
  process.stdout.write(results.map(renderScenario).join('\n\n') + '\n');
  process.exit(0);
}

/** Wraps a scenario body: times it and builds the result. */
export async function scenario(
  head: { id: string; title: string; description: string; metrics: readonly Metric[] },
  body: (rows: Row[]) => Promise<void>,
  verdicts: (rows: readonly Row[]) => Verdict[],
): Promise<ScenarioResult> {
  const start = now();
  const rows: Row[] = [];
  log(`[${head.id}] ${head.title}`);
  await body(rows);
  return { ...head, rows, verdicts: verdicts(rows), seconds: (now() - start) / 1000 };
}

/** Adds a row from a block result (notes the failure, if any). */
export function pushRow(rows: Row[], impl: Impl, size: number, result: BlockResult, note?: string, extra?: boolean): void {
  const notes = [note, result.failure !== undefined ? `${result.failure}${result.all.length > 0 ? `; median of the ${result.all.length} that finished` : ''}` : undefined].filter(
    (n): n is string => n !== undefined && n !== '',
  );
  const row: Row = { impl, size, rounds: result.all.length, figures: result.figures, ...(notes.length > 0 ? { note: notes.join('; ') } : {}), ...(extra ? { extra } : {}) };
  rows.push(row);
  const shown = Object.entries(result.figures)
    .map(([key, value]) => `${key}=${Number.isInteger(value) ? value : value.toPrecision(4)}`)
    .join(' ');
  log(`  ${impl} @${fmt.size(size)}: ${shown}${row.note ? ` (${row.note})` : ''}`);
}
