/**
 * wasm: the WebAssembly micro-agents of issue 8 through their runner (src/wasm/runner.ts), on
 * a pool of 2 worker threads, with the modules built by asm/build.mjs (npm run bench builds
 * them first). Each table has its floor, measured in the same run:
 *
 * wasm-rtt       per-call round trip of 1-row `impedance` calls, sequential, after a warm-up:
 *   actormesh    WasmRunner (wasm mode): validation, one pool task, the instance's run(1)
 *   floor (piscina echo)    a raw piscina pool (same size) whose worker returns the same
 *                           Float64Array (this file's `echo` export): the thread hop alone
 *   floor (twin, main)      the JS twin called in the main thread: no hop at all
 *   extra        the runner in js mode (the twins in the workers)
 * wasm-batch-impedance, wasm-batch-routing   decisions/s in 4,096-row batches, 8 in flight:
 *   actormesh    WasmRunner (wasm mode), 2 threads
 *   floor (twin, main)      the same decisions by the JS twin in the main thread (one thread)
 *   extras       the runner in js mode (twins in the workers: wasm vs JS on the same hop),
 *                and the main thread's input validation alone (every call pays it before
 *                the hop: the ceiling of one runner's main thread)
 * wasm-instantiate   WebAssembly.compile of each module (ms; bytes made unique with a custom
 *                section so V8's module cache cannot answer) and new WebAssembly.Instance of a
 *                compiled module (us; the worker also makes a new Memory, second column);
 *                floor: the empty module (8 bytes)
 * wasm-fuel      metered (.fuel.wasm, fuel limit per decision) against plain, through the
 *                runner, 4,096-row `impedance` batches; extras: both builds called directly in
 *                the main thread (no hop, no validation): the instrumentation's own cost
 * wasm-runaway-100, wasm-runaway-250 (scenario id `wasm-runaway`)   `spin` looping forever
 *                with timeoutMs 100 / 250: time until the call rejects, and from then until
 *                the next call answers (2 threads: the survivor answers; 1 thread: the next
 *                call waits for the replacement worker); floor: a raw piscina task in a JS
 *                endless loop (this file's `spinForever`) aborted by an AbortSignal at the
 *                same time, then an echo task.
 *
 * Targets (issue 8): round trip p50 < 100 us; batched >= 1,000,000 decisions/s on 2 threads;
 * a runaway stopped within its time limit + 50 ms (judged on the slowest round).
 * Run: npm run bench -- wasm wasm-runaway   (builds the modules, compiles, runs dist/bench)
 * or from source: node --expose-gc --import tsx bench/wasm.bench.ts (both scenarios).
 * The piscina floors load this file as their worker (its `echo` and `spinForever` exports):
 * under tsx on Node 20 a worker can only `require` a .ts file (tsx issue #354, see
 * src/wasm/worker.ts), hence no top-level await here.
 */
import { seededRandom as random } from '../test/support/seeded-random.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { move, Piscina } from 'piscina';
import type { MicroAgentDescriptor, MicroAgentExports } from '../src/wasm/abi.js';
import { IMPEDANCE_AGENT, ROUTING_AGENT, ROUTING_SLOTS, ROUTING_SLOT_WIDTH } from '../src/wasm/agents/index.js';
import { WasmLimitError, WasmRunner } from '../src/wasm/index.js';
import type { CallLimits } from '../src/wasm/index.js';
import { batchValidator } from '../src/wasm/validate.js';
import { SPIN_FIXTURE } from '../test/support/wasm-fixtures.js';
import type { AsmManifest } from '../test/support/wasm-fixtures.js';
import { block, findRow, fmt, log, now, pushRow, runIfMain, scenario, settle } from './harness.js';
import type { BlockResult, Figures, Metric, Row, ScenarioResult, Verdict } from './harness.js';

/** The pool size of the "batched decisions per second on 2 threads". */
const THREADS = 2;
const RTT_CALLS = 4_000;
const RTT_ROUNDS = 3;
const BATCH_ROWS = 4_096;
/** Batches per throughput round: 1M decisions (at 2-4 M/s, a quarter to half a second). */
const BATCHES = 256;
const IN_FLIGHT = 8;
const BATCH_ROUNDS = 3;
const FUEL_BATCHES = 128;
/** Fuel per decision: far above what one impedance row spends (a few units), so never exhausted. */
const FUEL = 1_000;
const COMPILES = 10;
const INSTANCES = 100;
const RUNAWAY_ROUNDS = 5;
/** Between runaway rounds: lets the replacement worker start outside the timed part. */
const RUNAWAY_SETTLE_MS = 300;

/**
 * dist/asm under the package root (the nearest directory above this file with a package.json),
 * as the runner finds it: this file runs from dist/bench, where test/support's ASM_DIST_DIR
 * (two levels above its own file) would point into dist/dist.
 */
function asmDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`wasm bench: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return join(dir, 'dist', 'asm');
}

async function readManifest(): Promise<AsmManifest> {
  const file = join(asmDir(), 'manifest.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as AsmManifest;
  } catch (error) {
    throw new Error(`wasm bench: cannot read ${file} (run node asm/build.mjs): ${(error as Error).message}`, { cause: error });
  }
}

// ------------------------------------------------------------------ the floor's worker

/** The piscina floor's task: the input itself, transferred back (the runner moves its output too). */
export function echo(input: Float64Array): Float64Array {
  return move(input) as Float64Array;
}

/** The runaway floor's task: a JS loop that never ends (only terminating the thread stops it). */
export function spinForever(): number {
  let i = 0;
  for (;;) i = (i + 1) | 0;
}

function floorPool(threads: number): Piscina<Float64Array, Float64Array> {
  return new Piscina<Float64Array, Float64Array>({
    filename: fileURLToPath(import.meta.url),
    name: 'echo',
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
  });
}

// ------------------------------------------------------------------ inputs


/** `count` impedance snapshots: realistic latencies, queues and reliabilities. */
function impedanceInput(count: number, next: () => number): Float64Array {
  const input = new Float64Array(count * IMPEDANCE_AGENT.inWidth);
  for (let r = 0; r < count; r++) {
    const o = r * IMPEDANCE_AGENT.inWidth;
    input[o] = 1 + 200 * next();
    input[o + 1] = 5 + 500 * next();
    input[o + 2] = Math.floor(50 * next());
    input[o + 3] = 30 * next();
    input[o + 4] = 0.5 + 0.5 * next();
    input[o + 5] = 4 * next();
    input[o + 6] = next();
    input[o + 7] = next() < 0.1 ? -1 : 20_000 * next();
  }
  return input;
}

/** `count` routing rows: 8 slots, most capable and routable, scores 0-1000, distinct ranks. */
function routingInput(count: number, next: () => number): Float64Array {
  const input = new Float64Array(count * ROUTING_AGENT.inWidth);
  for (let r = 0; r < count; r++) {
    for (let s = 0; s < ROUTING_SLOTS; s++) {
      const o = r * ROUTING_AGENT.inWidth + s * ROUTING_SLOT_WIDTH;
      input[o] = next() < 0.8 ? 1 : 0;
      input[o + 1] = next() < 0.9 ? 1 : 0;
      input[o + 2] = Math.round(1000 * next());
      input[o + 3] = s;
    }
  }
  return input;
}

const INPUTS: Record<string, (count: number, next: () => number) => Float64Array> = { impedance: impedanceInput, routing: routingInput };

/** Throws unless `got` equals the twin's answer (the bench must measure correct decisions). */
function checkAgainstTwin(descriptor: MicroAgentDescriptor, input: Float64Array, count: number, got: Float64Array, what: string): void {
  const expected = new Float64Array(count * descriptor.outWidth);
  descriptor.js(input, expected, count);
  if (got.length !== expected.length) throw new Error(`${what}: ${got.length} values, the twin ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(got[i], expected[i])) throw new Error(`${what}: value ${i} is ${got[i]}, the twin says ${expected[i]}`);
  }
}

// ------------------------------------------------------------------ helpers

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Figures of one round of sequential calls timed one by one (us). */
async function timedCalls(call: () => Promise<unknown> | unknown, calls: number): Promise<Figures> {
  const samples = new Float64Array(calls);
  const start = now();
  for (let i = 0; i < calls; i++) {
    const t = now();
    await call();
    samples[i] = (now() - t) * 1000;
  }
  const ms = now() - start;
  samples.sort();
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), rate: (calls / ms) * 1000 };
}

/** Runs `tasks` calls with `inFlight` of them outstanding at any time. */
async function pump(call: (i: number) => Promise<unknown>, tasks: number, inFlight: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < tasks) await call(next++);
    }),
  );
}

/** Adds the worst round of `key` as `keyMax` (targets judged on the slowest round). */
function withMax(result: BlockResult, key: string): BlockResult {
  const values = result.all.map((f) => f[key]!);
  return { ...result, figures: { ...result.figures, [`${key}Max`]: values.length === 0 ? NaN : Math.max(...values) } };
}

const x = (rows: readonly Row[], impl: string, key: string): string => {
  const mesh = findRow(rows, 'actormesh')?.figures[key];
  const other = findRow(rows, impl)?.figures[key];
  return mesh === undefined || other === undefined ? '-' : fmt.x(mesh / other);
};

// ------------------------------------------------------------------ round trip

const rttMetrics: Metric[] = [
  { key: 'p50', label: 'p50 us', format: fmt.us, ratio: true, normalized: true },
  { key: 'p99', label: 'p99 us', format: fmt.us, ratio: true, normalized: true },
  { key: 'rate', label: 'calls/s', format: fmt.rate, ratio: true, normalized: true },
];

async function runRtt(wasm: WasmRunner, js: WasmRunner): Promise<ScenarioResult> {
  return scenario(
    {
      id: 'wasm-rtt',
      title: 'wasm micro-agent: per-call round trip (1-row impedance calls, sequential)',
      description: `${fmt.int(RTT_CALLS)} calls per round, each timed alone; pool of ${THREADS} threads; median of ${RTT_ROUNDS} rounds after 1 warm-up (p50/p99 within a round)`,
      metrics: rttMetrics,
    },
    async (rows) => {
      const row = impedanceInput(1, random(1));
      checkAgainstTwin(IMPEDANCE_AGENT, row, 1, await wasm.decide('impedance', row, 1), 'runner (wasm), 1 row');
      checkAgainstTwin(IMPEDANCE_AGENT, row, 1, await js.decide('impedance', row, 1), 'runner (js), 1 row');
      const options = { label: '', rounds: RTT_ROUNDS, timeoutMs: 60_000 };

      pushRow(rows, 'actormesh', RTT_CALLS, await block({ ...options, label: 'runner wasm' }, () => timedCalls(() => wasm.decide('impedance', row, 1), RTT_CALLS)), 'WasmRunner.decide, wasm mode');

      const pool = floorPool(THREADS);
      try {
        const echoed = await pool.run(row.slice());
        if (!Object.is(echoed[0], row[0]) || echoed.length !== row.length) throw new Error('the echo worker did not echo');
        pushRow(rows, 'floor (piscina echo)', RTT_CALLS, await block({ ...options, label: 'piscina echo' }, () => timedCalls(() => pool.run(row), RTT_CALLS)), 'raw piscina pool, worker returns the Float64Array: the hop alone');
      } finally {
        await pool.destroy();
      }

      pushRow(
        rows,
        'floor (twin, main)',
        RTT_CALLS,
        await block({ ...options, label: 'twin main thread' }, () =>
          timedCalls(() => {
            const output = new Float64Array(IMPEDANCE_AGENT.outWidth);
            IMPEDANCE_AGENT.js(row, output, 1);
            return output;
          }, RTT_CALLS),
        ),
        'JS twin in the main thread, no hop (the timer itself is most of it)',
      );

      pushRow(rows, 'runner js mode', RTT_CALLS, await block({ ...options, label: 'runner js' }, () => timedCalls(() => js.decide('impedance', row, 1), RTT_CALLS)), 'WasmRunner.decide, twins in the workers', true);
    },
    (rows) => {
      const mesh = findRow(rows, 'actormesh')?.figures;
      const hop = findRow(rows, 'floor (piscina echo)')?.figures;
      return [
        {
          target: 'per-call round trip p50 < 100 us',
          met: mesh?.p50 === undefined ? null : mesh.p50 < 100,
          detail: `p50 ${fmt.us(mesh?.p50 ?? NaN)} us, p99 ${fmt.us(mesh?.p99 ?? NaN)} us; piscina echo p50 ${fmt.us(hop?.p50 ?? NaN)} us (${x(rows, 'floor (piscina echo)', 'p50')}), twin in the main thread ${x(rows, 'floor (twin, main)', 'p50')}`,
        },
      ];
    },
  );
}

// ------------------------------------------------------------------ batched throughput

const rateMetrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms },
  { key: 'rate', label: 'decisions/s', format: fmt.rate, ratio: true, normalized: true },
];

/** One round: `batches` batches of BATCH_ROWS through `runner`, IN_FLIGHT at a time. */
async function runnerRound(runner: WasmRunner, agent: string, inputs: readonly Float64Array[], batches: number, limits?: CallLimits): Promise<Figures> {
  const start = now();
  await pump((i) => runner.decide(agent, inputs[i % inputs.length]!, BATCH_ROWS, limits), batches, IN_FLIGHT);
  const ms = now() - start;
  return { ms, rate: ((batches * BATCH_ROWS) / ms) * 1000 };
}

/** One round of the same decisions by a synchronous per-batch function in the main thread. */
async function mainThreadRound(each: (input: Float64Array) => void, inputs: readonly Float64Array[], batches: number): Promise<Figures> {
  const start = now();
  for (let i = 0; i < batches; i++) each(inputs[i % inputs.length]!);
  const ms = now() - start;
  return { ms, rate: ((batches * BATCH_ROWS) / ms) * 1000 };
}

async function runBatch(descriptor: MicroAgentDescriptor, wasm: WasmRunner, js: WasmRunner): Promise<ScenarioResult> {
  const next = random(descriptor.name.length * 7919);
  const inputs = Array.from({ length: 8 }, () => INPUTS[descriptor.name]!(BATCH_ROWS, next));
  const decisions = BATCHES * BATCH_ROWS;
  return scenario(
    {
      id: `wasm-batch-${descriptor.name}`,
      title: `wasm micro-agent: batched ${descriptor.name} decisions/s on ${THREADS} threads`,
      description: `${fmt.int(BATCHES)} batches of ${fmt.int(BATCH_ROWS)} rows (${fmt.int(decisions)} decisions) per round, ${IN_FLIGHT} batches in flight; median of ${BATCH_ROUNDS} rounds after 1 warm-up`,
      metrics: rateMetrics,
    },
    async (rows) => {
      checkAgainstTwin(descriptor, inputs[0]!, BATCH_ROWS, await wasm.decide(descriptor.name, inputs[0]!, BATCH_ROWS), `runner (wasm), ${descriptor.name}`);
      checkAgainstTwin(descriptor, inputs[1]!, BATCH_ROWS, await js.decide(descriptor.name, inputs[1]!, BATCH_ROWS), `runner (js), ${descriptor.name}`);
      const options = { rounds: BATCH_ROUNDS, timeoutMs: 60_000 };
      pushRow(rows, 'actormesh', decisions, await block({ ...options, label: 'runner wasm' }, () => runnerRound(wasm, descriptor.name, inputs, BATCHES)), `WasmRunner, wasm mode, ${THREADS} threads`);
      const output = new Float64Array(BATCH_ROWS * descriptor.outWidth);
      pushRow(
        rows,
        'floor (twin, main)',
        decisions,
        await block({ ...options, label: 'twin main thread' }, () => mainThreadRound((input) => descriptor.js(input, output, BATCH_ROWS), inputs, BATCHES)),
        'JS twin in the main thread, one thread',
      );
      pushRow(rows, 'runner js mode', decisions, await block({ ...options, label: 'runner js' }, () => runnerRound(js, descriptor.name, inputs, BATCHES)), `WasmRunner, twins in the ${THREADS} workers`, true);
      const check = batchValidator(descriptor, 1 << 24);
      pushRow(
        rows,
        'validation only (main)',
        decisions,
        await block({ ...options, label: 'validation only' }, () => mainThreadRound((input) => check(input, BATCH_ROWS), inputs, BATCHES)),
        "the runner's input check alone, in the main thread: every call pays it before the hop",
        true,
      );
    },
    (rows): Verdict[] => {
      const mesh = findRow(rows, 'actormesh')?.figures;
      return [
        {
          target: `batched ${descriptor.name} >= 1,000,000 decisions/s on ${THREADS} threads`,
          met: mesh?.rate === undefined ? null : mesh.rate >= 1_000_000,
          detail: `${fmt.rate(mesh?.rate ?? NaN)}; vs the twin in the main thread ${x(rows, 'floor (twin, main)', 'rate')}, vs the runner in js mode ${x(rows, 'runner js mode', 'rate')}, vs validation alone ${x(rows, 'validation only (main)', 'rate')}`,
        },
      ];
    },
  );
}

// ------------------------------------------------------------------ instantiate

/** `bytes` with a custom section appended that holds `n`: distinct bytes, the same module. */
function unique(bytes: Uint8Array, n: number): Uint8Array {
  const name = new TextEncoder().encode('actormesh-bench');
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setFloat64(0, n);
  const size = 1 + name.length + payload.length; // < 128: one LEB128 byte
  const out = new Uint8Array(bytes.length + 2 + size);
  out.set(bytes);
  out.set([0, size, name.length], bytes.length);
  out.set(name, bytes.length + 3);
  out.set(payload, bytes.length + 3 + name.length);
  return out;
}

let uniqueCounter = 0;

/** One round for one module: p50 of COMPILES cold compiles and of INSTANCES instantiations. */
async function instantiateRound(bytes: Uint8Array, minPages: number | null): Promise<Figures> {
  const compiles = new Float64Array(COMPILES);
  let module: WebAssembly.Module | undefined;
  for (let i = 0; i < COMPILES; i++) {
    const distinct = unique(bytes, ++uniqueCounter);
    const t = now();
    module = await WebAssembly.compile(distinct);
    compiles[i] = now() - t;
  }
  const instances = new Float64Array(INSTANCES);
  const withMemory = new Float64Array(INSTANCES);
  const abort = (): never => {
    throw new Error('abort called while instantiating');
  };
  for (let i = 0; i < INSTANCES; i++) {
    // A fresh Memory per instance, as the worker makes (the modules rely on zeroed memory).
    let t = now();
    const memory = minPages === null ? undefined : new WebAssembly.Memory({ initial: minPages, maximum: 256 });
    const made = now() - t;
    const imports: WebAssembly.Imports = memory === undefined ? {} : { env: { memory, abort } };
    t = now();
    new WebAssembly.Instance(module!, imports);
    instances[i] = (now() - t) * 1000;
    withMemory[i] = instances[i]! + made * 1000;
  }
  compiles.sort();
  instances.sort();
  withMemory.sort();
  return { compile: percentile(compiles, 0.5), instance: percentile(instances, 0.5), withMemory: percentile(withMemory, 0.5), bytes: bytes.length };
}

async function runInstantiate(): Promise<ScenarioResult> {
  return scenario(
    {
      id: 'wasm-instantiate',
      title: 'wasm micro-agent: compile and instantiate (main thread)',
      description: `per round: p50 of ${COMPILES} WebAssembly.compile (bytes made distinct, so no cache hit) and of ${INSTANCES} new WebAssembly.Instance; median of 3 rounds after 1 warm-up`,
      metrics: [
        { key: 'compile', label: 'compile ms', format: fmt.ms, ratio: true, normalized: true },
        { key: 'instance', label: 'instance us', format: fmt.us, ratio: true, normalized: true },
        { key: 'withMemory', label: 'memory+instance us', format: fmt.us },
        { key: 'bytes', label: 'bytes', format: fmt.int },
      ],
    },
    async (rows) => {
      const manifest = await readManifest();
      const options = { rounds: 3, timeoutMs: 60_000, gcEachRound: false };
      for (const name of ['impedance', 'routing', 'conflict']) {
        const entry = manifest.modules[name];
        if (entry === undefined) throw new Error(`dist/asm/manifest.json has no module '${name}'`);
        for (const metered of [false, true]) {
          const bytes = new Uint8Array(await readFile(join(asmDir(), metered ? entry.fuelFile : entry.file)));
          const impl = name === 'impedance' && !metered ? 'actormesh' : `${name}${metered ? '.fuel' : ''}`;
          const result = await block({ ...options, label: impl }, () => instantiateRound(bytes, entry.minPages));
          pushRow(rows, impl, INSTANCES, result, `${metered ? entry.fuelFile : entry.file}, minPages ${entry.minPages}`, impl !== 'actormesh');
        }
      }
      const empty = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
      pushRow(rows, 'floor (empty module)', INSTANCES, await block({ ...options, label: 'empty module' }, () => instantiateRound(empty, null)), 'the 8-byte empty module: the engine\'s fixed cost');
    },
    () => [],
  );
}

// ------------------------------------------------------------------ fuel

/** A main-thread instance of `file` and a function deciding one batch with it. */
async function direct(file: string, minPages: number, metered: boolean, descriptor: MicroAgentDescriptor): Promise<(input: Float64Array) => void> {
  const module = await WebAssembly.compile(await readFile(join(asmDir(), file)));
  const memory = new WebAssembly.Memory({ initial: minPages, maximum: 256 });
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: (): never => {
        throw new Error(`${file} aborted`);
      },
    },
  });
  const exports = instance.exports as unknown as MicroAgentExports;
  const inputPtr = exports.inputPtr();
  const outputPtr = exports.outputPtr();
  const output = new Float64Array(BATCH_ROWS * descriptor.outWidth);
  return (input) => {
    new Float64Array(memory.buffer, inputPtr, input.length).set(input);
    if (metered) exports.fuel!.value = BigInt(FUEL * BATCH_ROWS);
    if (exports.run(BATCH_ROWS) !== BATCH_ROWS) throw new Error(`${file}: run(${BATCH_ROWS}) did not decide every row`);
    output.set(new Float64Array(memory.buffer, outputPtr, output.length));
  };
}

async function runFuel(wasm: WasmRunner): Promise<ScenarioResult> {
  const descriptor = IMPEDANCE_AGENT;
  const next = random(31);
  const inputs = Array.from({ length: 8 }, () => impedanceInput(BATCH_ROWS, next));
  const decisions = FUEL_BATCHES * BATCH_ROWS;
  const limits: CallLimits = { fuel: FUEL };
  return scenario(
    {
      id: 'wasm-fuel',
      title: 'wasm micro-agent: fuel metering overhead (impedance)',
      description: `${fmt.int(FUEL_BATCHES)} batches of ${fmt.int(BATCH_ROWS)} rows per round, ${IN_FLIGHT} in flight, ${THREADS} threads; fuel ${fmt.int(FUEL)} per decision; median of ${BATCH_ROUNDS} rounds after 1 warm-up`,
      metrics: rateMetrics,
    },
    async (rows) => {
      checkAgainstTwin(descriptor, inputs[0]!, BATCH_ROWS, await wasm.decide(descriptor.name, inputs[0]!, BATCH_ROWS, limits), 'runner (metered)');
      const options = { rounds: BATCH_ROUNDS, timeoutMs: 60_000 };
      pushRow(rows, 'actormesh', decisions, await block({ ...options, label: 'runner metered' }, () => runnerRound(wasm, descriptor.name, inputs, FUEL_BATCHES, limits)), 'WasmRunner, .fuel.wasm, limits { fuel }');
      pushRow(rows, 'floor (runner, plain)', decisions, await block({ ...options, label: 'runner plain' }, () => runnerRound(wasm, descriptor.name, inputs, FUEL_BATCHES)), 'WasmRunner, .wasm, no fuel limit');
      const entry = (await readManifest()).modules[descriptor.name];
      if (entry === undefined) throw new Error(`dist/asm/manifest.json has no module '${descriptor.name}'`);
      const metered = await direct(entry.fuelFile, entry.minPages, true, descriptor);
      const plain = await direct(entry.file, entry.minPages, false, descriptor);
      pushRow(rows, 'direct metered (main)', decisions, await block({ ...options, label: 'direct metered' }, () => mainThreadRound(metered, inputs, FUEL_BATCHES)), 'instance.run in the main thread, no hop, no validation', true);
      pushRow(rows, 'direct plain (main)', decisions, await block({ ...options, label: 'direct plain' }, () => mainThreadRound(plain, inputs, FUEL_BATCHES)), 'the same, unmetered build', true);
    },
    // No verdict: the issue sets no target for metering (it quotes ~1.9x for this kind of
    // instrumentation); the rows show the cost, called directly and through the runner.
    () => [],
  );
}

// ------------------------------------------------------------------ runaway

const runawayMetrics: Metric[] = [
  { key: 'reject', label: 'reject ms', format: fmt.ms, ratio: true, normalized: true },
  { key: 'rejectMax', label: 'worst reject ms', format: fmt.ms },
  { key: 'next', label: 'next call ms', format: fmt.ms, ratio: true, normalized: true },
  { key: 'nextMax', label: 'worst next ms', format: fmt.ms },
];

/** One runaway round through the runner: spin(1) with `timeoutMs`, then spin(2). */
async function runnerRunaway(runner: WasmRunner, timeoutMs: number): Promise<Figures> {
  const replaced = runner.stats.workersReplaced;
  const start = now();
  const error = await runner.decide('spin', Float64Array.of(1), 1, { timeoutMs }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const rejected = now();
  if (!(error instanceof WasmLimitError) || error.kind !== 'time') throw new Error(`spin(1) should hit its time limit, got ${String(error)}`);
  const answer = await runner.decide('spin', Float64Array.of(2), 1);
  const answered = now();
  if (answer[0] !== 4) throw new Error(`spin(2) after the runaway answered ${answer[0]}`);
  if (runner.stats.workersReplaced !== replaced + 1) throw new Error(`${runner.stats.workersReplaced - replaced} workers replaced, expected 1`);
  await settle(RUNAWAY_SETTLE_MS);
  return { reject: rejected - start, next: answered - rejected };
}

/** One runaway round of the raw piscina floor: an endless JS task aborted at `timeoutMs`, then an echo. */
async function piscinaRunaway(pool: Piscina<Float64Array, Float64Array>, timeoutMs: number): Promise<Figures> {
  const controller = new AbortController();
  const start = now();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const error = await pool.run(Float64Array.of(1), { name: 'spinForever', signal: controller.signal }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const rejected = now();
  clearTimeout(timer);
  if (!(error instanceof Error) || error.name !== 'AbortError') throw new Error(`the endless task should be aborted, got ${String(error)}`);
  const answer = await pool.run(Float64Array.of(2));
  const answered = now();
  if (answer[0] !== 2) throw new Error(`the echo after the abort answered ${answer[0]}`);
  await settle(RUNAWAY_SETTLE_MS);
  return { reject: rejected - start, next: answered - rejected };
}

async function runawayTable(timeoutMs: number): Promise<ScenarioResult> {
  return scenario(
    {
      id: `wasm-runaway-${timeoutMs}`,
      title: `wasm micro-agent: a runaway call stopped at timeoutMs ${timeoutMs}`,
      description: `spin(1) loops forever; time from the call to its rejection, and from the rejection until the next call answers; median (and worst) of ${RUNAWAY_ROUNDS} rounds after 1 warm-up, ${RUNAWAY_SETTLE_MS} ms pause between rounds`,
      metrics: runawayMetrics,
    },
    async (rows) => {
      const options = { rounds: RUNAWAY_ROUNDS, timeoutMs: 30_000 };
      const measure = (result: BlockResult): BlockResult => withMax(withMax(result, 'reject'), 'next');
      for (const threads of [THREADS, 1]) {
        const runner = await WasmRunner.open([SPIN_FIXTURE], { threads, mode: 'wasm' });
        try {
          const result = measure(await block({ ...options, label: `runner ${threads} thread(s)` }, () => runnerRunaway(runner, timeoutMs)));
          const note = threads === THREADS ? `WasmRunner, ${threads} threads: the survivor answers next` : 'WasmRunner, 1 thread: the next call waits for the replacement worker';
          pushRow(rows, threads === THREADS ? 'actormesh' : 'runner 1 thread', RUNAWAY_ROUNDS, result, `${note}; ${runner.stats.workersReplaced} workers replaced`, threads !== THREADS);
        } finally {
          await runner.close();
        }
      }
      for (const threads of [THREADS, 1]) {
        const pool = floorPool(threads);
        try {
          await Promise.all(Array.from({ length: threads }, () => pool.run(Float64Array.of(0))));
          const result = measure(await block({ ...options, label: `piscina ${threads} thread(s)` }, () => piscinaRunaway(pool, timeoutMs)));
          pushRow(rows, threads === THREADS ? 'floor (piscina abort)' : 'piscina 1 thread', RUNAWAY_ROUNDS, result, `raw piscina, ${threads} thread(s): JS endless loop aborted by an AbortSignal, then an echo`, threads !== THREADS);
        } finally {
          await pool.destroy();
        }
      }
    },
    (rows) => {
      const mesh = findRow(rows, 'actormesh')?.figures;
      const one = findRow(rows, 'runner 1 thread')?.figures;
      const worst = Math.max(mesh?.rejectMax ?? NaN, one?.rejectMax ?? NaN);
      return [
        {
          target: `a runaway stopped within its time limit + 50 ms (${timeoutMs + 50} ms)`,
          met: Number.isFinite(worst) ? worst <= timeoutMs + 50 : null,
          detail: `rejected after ${fmt.ms(mesh?.reject ?? NaN)} ms median, ${fmt.ms(worst)} ms worst (2 and 1 threads); next call ${fmt.ms(mesh?.next ?? NaN)} ms later with ${THREADS} threads, ${fmt.ms(one?.next ?? NaN)} ms with 1 (replacement worker); piscina floor ${fmt.ms(findRow(rows, 'floor (piscina abort)')?.figures.reject ?? NaN)} ms (${x(rows, 'floor (piscina abort)', 'reject')})`,
        },
      ];
    },
  );
}

// ------------------------------------------------------------------ entry points

/** Scenario `wasm`: round trip, batched throughput, instantiate and fuel tables. */
export async function runWasm(): Promise<ScenarioResult[]> {
  const agents = [IMPEDANCE_AGENT, ROUTING_AGENT];
  const wasm = await WasmRunner.open(agents, { threads: THREADS, mode: 'wasm' });
  const js = await WasmRunner.open(agents, { threads: THREADS, mode: 'js' });
  try {
    if (wasm.mode !== 'wasm') throw new Error('the runner did not load the WebAssembly modules');
    const results = [await runRtt(wasm, js)];
    for (const descriptor of agents) results.push(await runBatch(descriptor, wasm, js));
    results.push(await runInstantiate());
    results.push(await runFuel(wasm));
    log(`  runner stats: ${JSON.stringify(wasm.stats)}`);
    return results;
  } finally {
    await Promise.all([wasm.close(), js.close()]);
  }
}

/** Scenario `wasm-runaway`: spin stopped at 100 ms and at 250 ms. */
export async function runWasmRunaway(): Promise<ScenarioResult[]> {
  return [await runawayTable(100), await runawayTable(250)];
}

export default runWasm;
// Only in the main thread: the floors' workers load this file too.
// No top-level await: under tsx a worker can only `require` this file (see the header).
if (isMainThread) void runIfMain(import.meta.url, async () => [...(await runWasm()), ...(await runWasmRunaway())]);
