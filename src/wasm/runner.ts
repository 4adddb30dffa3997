/**
 * The host of the WebAssembly micro-agents (issue 8): a piscina pool of worker threads that
 * decides batches of fixed-width rows (src/wasm/abi.ts) with per-agent limits, and falls
 * back to the agents' JavaScript twins when WebAssembly cannot run or ACTORMESH_WASM=off.
 *
 * Why this shape:
 * - Each module is compiled ONCE here and the `WebAssembly.Module` goes to the workers in
 *   `workerData` (a Module is shared between threads, not recompiled); a worker instantiates
 *   it once per (agent, maxMemoryPages, metered) and keeps the instance (worker.ts).
 * - Inputs are checked here, before they cross (validate.ts), so a bad value is an error
 *   naming agent, row, column and value, not a trap or a silently wrong decision.
 * - One task decides a whole batch: a thread hop per decision would cap throughput.
 *   A batch larger than the agent's capacity is split into capacity-sized tasks that run in
 *   parallel on the pool (each with the call's limits); their rows are joined in order.
 * - A call over its time is aborted through piscina's AbortSignal: piscina rejects the task
 *   at once and terminates the worker (a runaway loop cannot be interrupted any other way),
 *   then starts a replacement, so the next call is unaffected.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { MicroAgentDescriptor, MicroAgentExports } from './abi.js';
import {
  FuelExhaustedError,
  WasmAgentError,
  WasmInputError,
  WasmLimitError,
  WasmLoadError,
  WasmModuleMismatchError,
  WasmRunnerClosedError,
  WasmTrapError,
} from './errors.js';
import type { ExtensionEvent } from '../events.js';
import { batchValidator, collectDescriptors, resolveLimits, validateDescriptor } from './validate.js';
import type { BatchValidator, CallLimits, ResolvedLimits } from './validate.js';
import type { DecideReply, DecideTask, WorkerModule, WorkerSetup } from './worker.js';

/** '.ts' when running from source under tsx, '.js' from the build: the sibling files share it. */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Limits when neither the call nor the agent's defaults say otherwise. */
export const DEFAULT_CALL_LIMITS = Object.freeze({
  /** A micro-agent batch takes microseconds; a second is a runaway. */
  timeoutMs: 1000,
  /** 16 MiB (or the module's minimum when larger). */
  maxMemoryPages: 256,
});

/** Where events go; an `ActorSystem` fits. */
export interface WasmEventSink {
  publish(event: WasmRunnerEvent): void;
}

/** How `WasmRunner.open` sets a runner up. */
export interface WasmRunnerOptions {
  /** Worker threads (default `os.availableParallelism()`). */
  readonly threads?: number;
  /** Directory of the built modules and manifest.json (default: dist/asm under the package root). */
  readonly wasmDir?: string;
  /**
   * 'auto' (default): wasm unless ACTORMESH_WASM=off or the modules cannot be read or
   * compiled, then the JS twins with a 'wasm-fallback' event. 'wasm': fail (WasmLoadError)
   * instead of falling back. 'js': the twins. ACTORMESH_WASM=off means the twins in every mode.
   */
  readonly mode?: 'auto' | 'wasm' | 'js';
  /**
   * js mode: URLs (or paths) of modules exporting the descriptors, so a worker can find a
   * twin by agent name (exports that are descriptors, arrays or records of them). Default:
   * the real agents, src/wasm/agents/index.
   */
  readonly twins?: readonly (string | URL)[];
  /** Receives 'wasm-fallback', 'wasm-limit', 'wasm-trap' and 'wasm-worker-replaced' events. */
  readonly system?: WasmEventSink;
  /** Default limits per agent name (a call's own limits win field by field). */
  readonly limits?: Readonly<Record<string, CallLimits>>;
}

/** Counters since `open`. */
export interface WasmRunnerStats {
  /** Pool tasks submitted. */
  tasks: number;
  /** Rows decided successfully. */
  decisions: number;
  /** Workers terminated by a time limit or lost, and replaced. */
  workersReplaced: number;
  /** 1 when the runner fell back to the JS twins. */
  fallbacks: number;
  timeLimits: number;
  memoryLimits: number;
  fuelExhausted: number;
  traps: number;
  inputErrors: number;
}

/** The runner uses the JS twins; `reason` says why (env switch, mode, or the load error). */
export interface WasmFallbackEvent extends ExtensionEvent {
  readonly type: 'wasm-fallback';
  readonly reason: string;
}
/** A call hit a limit: its time, its memory or its fuel. */
export interface WasmLimitEvent extends ExtensionEvent {
  readonly type: 'wasm-limit';
  readonly agent: string;
  readonly kind: 'memory' | 'time' | 'fuel';
  readonly error: WasmAgentError;
}
/** A module trapped (or a twin threw, or a worker died) during a call. */
export interface WasmTrapEvent extends ExtensionEvent {
  readonly type: 'wasm-trap';
  readonly agent: string;
  readonly message: string;
}
/** A worker was terminated (time limit) or lost, and piscina started a replacement. */
export interface WasmWorkerReplacedEvent extends ExtensionEvent {
  readonly type: 'wasm-worker-replaced';
  /** How many workers this runner has replaced so far. */
  readonly replaced: number;
}
/** The events a runner publishes (path '/wasm', or '/wasm/AGENT' for one agent's). */
export type WasmRunnerEvent = WasmFallbackEvent | WasmLimitEvent | WasmTrapEvent | WasmWorkerReplacedEvent;

/** What the runner keeps per agent. */
interface AgentEntry {
  readonly descriptor: MicroAgentDescriptor;
  readonly check: BatchValidator;
  /** 0 in js mode (no memory to size). */
  readonly minPages: number;
  readonly limits: CallLimits | undefined;
}

/** Rows of one manifest entry (written by asm/build.mjs). */
interface ManifestEntry {
  readonly file: string;
  readonly fuelFile: string;
  readonly minPages: number;
}

/** The most rows one call may carry (split into capacity-sized tasks). */
const MAX_BATCH_ROWS = 1 << 24;

/** Decides batches of micro-agent rows on a pool of worker threads; see the file comment. */
export class WasmRunner {
  readonly #pool: Piscina<DecideTask, DecideReply>;
  readonly #agents: ReadonlyMap<string, AgentEntry>;
  readonly #system: WasmEventSink | undefined;
  readonly #stats: WasmRunnerStats;
  #closed = false;

  private constructor(
    /** 'wasm': the compiled modules; 'js': the JavaScript twins. */
    readonly mode: 'wasm' | 'js',
    agents: ReadonlyMap<string, AgentEntry>,
    setup: WorkerSetup,
    threads: number,
    system: WasmEventSink | undefined,
    fallbacks: number,
  ) {
    this.#agents = agents;
    this.#system = system;
    this.#stats = { tasks: 0, decisions: 0, workersReplaced: 0, fallbacks, timeLimits: 0, memoryLimits: 0, fuelExhausted: 0, traps: 0, inputErrors: 0 };
    this.#pool = new Piscina<DecideTask, DecideReply>({
      filename: fileURLToPath(new URL(`./worker${EXT}`, import.meta.url)),
      minThreads: threads,
      maxThreads: threads,
      // Workers hold instances: never let them go idle-out and lose them.
      idleTimeout: Infinity,
      workerData: setup,
    });
    this.#pool.on('workerDestroy', () => {
      if (this.#closed) return;
      const replaced = ++this.#stats.workersReplaced;
      this.#publish({ type: 'wasm-worker-replaced', timestamp: Date.now(), path: '/wasm', replaced });
    });
    // piscina emits 'error' for a worker that failed with no task on it; an EventEmitter
    // without a listener would throw it into the process instead. The worker is replaced.
    this.#pool.on('error', () => undefined);
  }

  /**
   * Opens a runner for `agents`: checks the descriptors, picks the mode, compiles the modules
   * (wasm) or finds the twins (js), and starts the pool. Throws `WasmInputError` for a bad
   * descriptor or limits, `WasmLoadError` when mode 'wasm' cannot load,
   * `WasmModuleMismatchError` when a built module does not match its descriptor (a stale
   * build: never a silent fallback), and an Error when a twin cannot be found.
   */
  static async open(agents: readonly MicroAgentDescriptor[], options: WasmRunnerOptions = {}): Promise<WasmRunner> {
    const byName = new Map<string, MicroAgentDescriptor>();
    for (const descriptor of agents) {
      validateDescriptor(descriptor);
      if (byName.has(descriptor.name)) throw new WasmInputError(descriptor.name, 'two descriptors have this name');
      byName.set(descriptor.name, descriptor);
    }
    if (byName.size === 0) throw new Error('WasmRunner.open: no agents given');
    for (const name of Object.keys(options.limits ?? {})) {
      if (!byName.has(name)) throw new WasmInputError(name, `limits given for an agent that is not among the runner's (${[...byName.keys()].join(', ')})`);
    }
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`WasmRunner.open: threads must be an integer >= 1, got ${threads}`);
    const requested = options.mode ?? 'auto';
    if (requested !== 'auto' && requested !== 'wasm' && requested !== 'js') throw new RangeError(`WasmRunner.open: mode must be 'auto', 'wasm' or 'js', got '${String(requested)}'`);

    let fallback: string | undefined;
    let modules: Record<string, WorkerModule> = {};
    if (process.env['ACTORMESH_WASM']?.toLowerCase() === 'off') fallback = 'ACTORMESH_WASM=off';
    else if (requested === 'js') fallback = "mode 'js' was requested";
    else {
      const wasmDir = resolve(options.wasmDir ?? defaultWasmDir());
      try {
        modules = await loadModules(wasmDir, [...byName.values()]);
      } catch (error) {
        if (error instanceof WasmModuleMismatchError) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        if (requested === 'wasm') throw new WasmLoadError(wasmDir, reason, { cause: error });
        fallback = `cannot load the WebAssembly modules from '${wasmDir}': ${reason}`;
      }
    }
    const twins = fallback === undefined ? [] : await checkTwins(byName, options.twins ?? [new URL(`./agents/index${EXT}`, import.meta.url)]);

    const entries = new Map<string, AgentEntry>();
    for (const [name, descriptor] of byName) {
      const minPages = modules[name]?.minPages ?? 0;
      const limits = options.limits?.[name];
      // Check the agent's defaults now, not at its first call.
      if (limits !== undefined) resolveLimits(name, 1, minPages, DEFAULT_CALL_LIMITS, limits, undefined);
      entries.set(name, { descriptor, check: batchValidator(descriptor, MAX_BATCH_ROWS), minPages, limits });
    }
    const mode = fallback === undefined ? 'wasm' : 'js';
    const runner = new WasmRunner(mode, entries, { mode, modules, twins }, threads, options.system, fallback === undefined ? 0 : 1);
    try {
      await runner.#warmUp(threads);
    } catch (error) {
      await runner.close();
      throw new Error(`WasmRunner.open: the workers could not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (fallback !== undefined) runner.#publish({ type: 'wasm-fallback', timestamp: Date.now(), path: '/wasm', reason: fallback });
    return runner;
  }

  /** The agents this runner decides for, by name. */
  get agents(): readonly string[] {
    return [...this.#agents.keys()];
  }

  /** Values per input and per output row of `agent` (throws WasmInputError for an unknown agent). */
  widthOf(agent: string): { readonly in: number; readonly out: number } {
    const entry = this.#agents.get(agent);
    if (entry === undefined) throw new WasmInputError(agent, `unknown agent; this runner has ${[...this.#agents.keys()].join(', ')}`);
    return { in: entry.descriptor.inWidth, out: entry.descriptor.outWidth };
  }

  /** A copy of the counters. */
  get stats(): Readonly<WasmRunnerStats> {
    return { ...this.#stats };
  }

  /**
   * Decides `count` rows of `input` (count * inWidth values) with `agent` and resolves with
   * count * outWidth values. Input is checked before it leaves this thread (WasmInputError
   * naming agent, row, column and value). Up to the agent's capacity rows make one pool task;
   * more are split into capacity-sized tasks run in parallel (up to 16,777,216 rows).
   * Rejects with WasmLimitError ('time' | 'memory'), FuelExhaustedError or WasmTrapError;
   * the runner recovers from each (instance re-created, worker replaced) for the next call.
   */
  decide(agent: string, input: Float64Array, count: number, limits?: CallLimits): Promise<Float64Array> {
    const entry = this.#agents.get(agent);
    let resolved: ResolvedLimits;
    try {
      if (entry === undefined) throw new WasmInputError(agent, `unknown agent; this runner has ${[...this.#agents.keys()].join(', ')}`);
      entry.check(input, count);
      resolved = resolveLimits(agent, count, entry.minPages, DEFAULT_CALL_LIMITS, entry.limits, limits);
    } catch (error) {
      this.#stats.inputErrors++;
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.reject(new WasmRunnerClosedError(agent));
    const { capacity, inWidth, outWidth } = entry.descriptor;
    if (count <= capacity) return this.#task(entry, input, count, resolved);
    const chunks: Promise<Float64Array>[] = [];
    for (let row = 0; row < count; row += capacity) {
      const rows = Math.min(capacity, count - row);
      chunks.push(this.#task(entry, input.subarray(row * inWidth, (row + rows) * inWidth), rows, resolved));
    }
    return Promise.all(chunks).then((parts) => {
      const output = new Float64Array(count * outWidth);
      for (let i = 0; i < parts.length; i++) output.set(parts[i]!, i * capacity * outWidth);
      return output;
    });
  }

  /**
   * One empty task per thread, sent together so each worker gets one: the workers load
   * their code (and, in js mode, the twins) now, so that a first call's time limit does not
   * pay for a worker's start (seconds under tsx with a cold cache).
   */
  async #warmUp(threads: number): Promise<void> {
    const warmUp: DecideTask = { agent: '', input: new Float64Array(0), count: 0, outWidth: 0, fuel: null, maxMemoryPages: 0 };
    await Promise.all(Array.from({ length: threads }, () => this.#pool.run(warmUp)));
  }

  /** Stops the pool; calls in flight reject with WasmRunnerClosedError. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.destroy();
  }

  async #task(entry: AgentEntry, input: Float64Array, count: number, limits: ResolvedLimits): Promise<Float64Array> {
    const { name, outWidth } = entry.descriptor;
    const task: DecideTask = {
      agent: name,
      // A view of a larger buffer would clone the whole buffer: send just its rows.
      input: input.byteOffset === 0 && input.byteLength === input.buffer.byteLength ? input : input.slice(),
      count,
      outWidth,
      fuel: limits.fuel === undefined ? null : limits.fuel * count,
      maxMemoryPages: limits.maxMemoryPages,
    };
    this.#stats.tasks++;
    let deadline: Deadline | undefined;
    let timer: NodeJS.Timeout | undefined;
    if (limits.timeoutMs !== Infinity) {
      const signal = (deadline = new Deadline());
      timer = setTimeout(() => signal.abort(), limits.timeoutMs);
    }
    let reply: DecideReply;
    try {
      reply = await this.#pool.run(task, deadline === undefined ? undefined : { signal: deadline });
    } catch (error) {
      if (deadline?.aborted === true) {
        this.#stats.timeLimits++;
        throw this.#limit(new WasmLimitError(name, 'time', limits.timeoutMs, `no answer within ${limits.timeoutMs} ms, so the task was aborted (a worker running it is terminated and replaced)`, { cause: error }), 'time');
      }
      if (this.#closed) throw new WasmRunnerClosedError(name);
      // The worker itself failed (it exited, or ran out of heap): the agent's failure too.
      this.#stats.traps++;
      const message = `its worker failed: ${error instanceof Error ? error.message : String(error)}`;
      this.#publish({ type: 'wasm-trap', timestamp: Date.now(), path: `/wasm/${name}`, agent: name, message });
      throw new WasmTrapError(name, message);
    } finally {
      clearTimeout(timer);
    }
    if (reply instanceof Float64Array) {
      this.#stats.decisions += count;
      return reply;
    }
    switch (reply.failed) {
      case 'fuel':
        this.#stats.fuelExhausted++;
        throw this.#limit(new FuelExhaustedError(name, limits.fuel ?? 0, count), 'fuel');
      case 'memory':
        this.#stats.memoryLimits++;
        throw this.#limit(new WasmLimitError(name, 'memory', limits.maxMemoryPages, `${reply.message} (memory at ${reply.pages} pages)`), 'memory');
      default:
        this.#stats.traps++;
        this.#publish({ type: 'wasm-trap', timestamp: Date.now(), path: `/wasm/${name}`, agent: name, message: reply.message });
        throw new WasmTrapError(name, reply.message);
    }
  }

  #limit<E extends WasmAgentError>(error: E, kind: WasmLimitEvent['kind']): E {
    this.#publish({ type: 'wasm-limit', timestamp: Date.now(), path: `/wasm/${error.agent}`, agent: error.agent, kind, error });
    return error;
  }

  #publish(event: WasmRunnerEvent): void {
    this.#system?.publish(event);
  }
}

/**
 * The abort signal of one call, in the EventEmitter shape piscina also accepts (`once`,
 * `off`/`removeListener`, `aborted`). Why not an AbortController: a call pays for its signal
 * even when it never fires, and an AbortSignal (an EventTarget with a once-listener added and
 * removed) measured tens of microseconds on the 1-row round trip here; this object is three
 * fields and one closure.
 */
class Deadline {
  aborted = false;
  #listener: (() => void) | undefined;

  once(_event: 'abort', listener: () => void): void {
    this.#listener = listener;
  }

  off(_event: 'abort', listener: () => void): void {
    if (this.#listener === listener) this.#listener = undefined;
  }

  removeListener(event: 'abort', listener: () => void): void {
    this.off(event, listener);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}

/** dist/asm under the package root (the nearest directory above this file with a package.json). */
function defaultWasmDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`WasmRunner: no package.json above ${fileURLToPath(import.meta.url)}; pass options.wasmDir`);
    dir = parent;
  }
  return join(dir, 'dist', 'asm');
}

/**
 * Reads manifest.json, compiles each agent's plain and metered modules and checks them once
 * against the descriptor (exports, widths, capacity) on a throwaway instance.
 */
async function loadModules(wasmDir: string, agents: readonly MicroAgentDescriptor[]): Promise<Record<string, WorkerModule>> {
  const manifest = JSON.parse(await readFile(join(wasmDir, 'manifest.json'), 'utf8')) as { modules?: Record<string, ManifestEntry> };
  const modules: Record<string, WorkerModule> = {};
  await Promise.all(
    agents.map(async (descriptor) => {
      const entry = manifest.modules?.[descriptor.name];
      if (entry === undefined) throw new Error(`manifest.json has no module '${descriptor.name}'`);
      if (!Number.isInteger(entry.minPages) || entry.minPages < 0) throw new Error(`manifest.json: '${descriptor.name}' has minPages ${entry.minPages}`);
      const [plain, metered] = await Promise.all([
        readFile(resolve(wasmDir, entry.file)).then((bytes) => WebAssembly.compile(bytes)),
        readFile(resolve(wasmDir, entry.fuelFile)).then((bytes) => WebAssembly.compile(bytes)),
      ]);
      checkModule(descriptor, plain, entry.minPages, false);
      checkModule(descriptor, metered, entry.minPages, true);
      modules[descriptor.name] = { plain, metered, minPages: entry.minPages };
    }),
  );
  return modules;
}

function checkModule(descriptor: MicroAgentDescriptor, module: WebAssembly.Module, minPages: number, metered: boolean): void {
  const what = `${descriptor.name}${metered ? ' (metered)' : ''}`;
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const name of ['inWidth', 'outWidth', 'capacity', 'inputPtr', 'outputPtr', 'run', ...(metered ? ['fuel'] : [])]) {
    if (!names.has(name)) throw new WasmModuleMismatchError(`module ${what} does not export '${name}'`);
  }
  const memory = new WebAssembly.Memory({ initial: minPages });
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => {
        throw new Error(`module ${what} aborted while being checked`);
      },
    },
  });
  const exports = instance.exports as unknown as MicroAgentExports;
  for (const field of ['inWidth', 'outWidth', 'capacity'] as const) {
    const built = exports[field]();
    if (built !== descriptor[field]) throw new WasmModuleMismatchError(`module ${what} has ${field} ${built} but its descriptor says ${descriptor[field]}: rebuild (node asm/build.mjs)`);
  }
}

/** Imports the twin modules here too, so a missing twin fails `open`, not the first call. */
async function checkTwins(agents: ReadonlyMap<string, MicroAgentDescriptor>, twins: readonly (string | URL)[]): Promise<string[]> {
  const urls = twins.map((t) => (t instanceof URL ? t.href : /^[a-z][a-z0-9+.-]*:/i.test(t) && !/^[a-z]:[\\/]/i.test(t) ? t : pathToFileURL(resolve(t)).href));
  const found = new Map<string, MicroAgentDescriptor>();
  for (const url of urls) collectDescriptors((await import(url)) as Record<string, unknown>, found);
  for (const [name, descriptor] of agents) {
    const twin = found.get(name);
    if (twin === undefined) throw new Error(`WasmRunner: no JS twin for agent '${name}' in ${urls.join(', ')}; pass the module exporting its descriptor in options.twins`);
    if (twin.inWidth !== descriptor.inWidth || twin.outWidth !== descriptor.outWidth) {
      throw new Error(`WasmRunner: the twin of '${name}' in ${urls.join(', ')} has widths ${twin.inWidth}/${twin.outWidth}, the descriptor ${descriptor.inWidth}/${descriptor.outWidth}`);
    }
  }
  return urls;
}
