/**
 * The piscina worker of the WebAssembly runner (issue 8): decides one batch per task.
 *
 * wasm mode: the compiled `WebAssembly.Module`s arrive in `workerData` (a Module is shared
 * between threads, so no worker compiles); an instance is made on first use per (agent,
 * maxMemoryPages, metered) and kept. A call copies the rows into the instance's input area,
 * sets `fuel` when metered, calls `run(count)` and copies the output rows out into a buffer
 * that is transferred, not cloned, back. Any trap discards the instance (its static state
 * may be half-written); the next call makes a fresh one from the same Module.
 *
 * js mode: the worker imports the twin modules named in `workerData.twins` (URLs; functions
 * cannot cross threads) and runs the descriptor's `js` twin, so the time limit holds for the
 * twins too (memory and fuel limits are wasm-only).
 *
 * Loading from source: the runner gives piscina this file as worker.ts when it runs from
 * source (tsx) and worker.js from the build (dist/src/wasm). Workers inherit the parent's
 * execArgv (`--import tsx`), but on Node 20 tsx's ESM hooks are not active in worker threads
 * (tsx issue #354): `import('x.ts')` fails there with ERR_UNKNOWN_FILE_EXTENSION. piscina
 * `require`s a worker file before it tries `import`, and tsx's require hook IS active, so
 * this file and its relative imports load as CommonJS compiled by tsx; the twins are loaded
 * the same way (`loadModule`). From the build, plain `import` works and is used.
 *
 * Failures are returned as plain objects, not thrown: a thrown Error loses its fields on the
 * way back, and the main thread builds the named error (`WasmLimitError`, ...) itself.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';
import { move } from 'piscina';
import { WASM_PAGE_BYTES } from './abi.js';
import type { MicroAgentDescriptor, MicroAgentExports } from './abi.js';
import { collectDescriptors } from './validate.js';

/** One agent's compiled modules, as the main thread hands them over. */
export interface WorkerModule {
  readonly plain: WebAssembly.Module;
  readonly metered: WebAssembly.Module;
  readonly minPages: number;
}

/** `workerData` of the pool. */
export interface WorkerSetup {
  readonly mode: 'wasm' | 'js';
  /** wasm mode: the compiled modules by agent name. */
  readonly modules: Readonly<Record<string, WorkerModule>>;
  /** js mode: URLs of the modules exporting the descriptors (and so their twins). */
  readonly twins: readonly string[];
}

/** One task: `count` rows of `input` for `agent`; count 0 is the runner's warm-up (see `decide`). */
export interface DecideTask {
  readonly agent: string;
  readonly input: Float64Array;
  readonly count: number;
  readonly outWidth: number;
  /** The task's whole fuel budget (fuel per decision * count); null: the unmetered build. */
  readonly fuel: number | null;
  readonly maxMemoryPages: number;
}

/** What went wrong, as the worker saw it (the main thread turns it into an error class). */
export interface DecideFailure {
  readonly failed: 'fuel' | 'memory' | 'trap';
  readonly message: string;
  /** Pages of memory when it failed. */
  readonly pages: number;
}

/** A task's answer: the output rows (count * outWidth) or a failure. */
export type DecideReply = Float64Array | DecideFailure;

/** A kept instance and the offsets its exports reported once. */
interface Kept {
  readonly exports: MicroAgentExports;
  readonly memory: WebAssembly.Memory;
  readonly inputPtr: number;
  readonly outputPtr: number;
  readonly metered: boolean;
}

/** Thrown by `env.abort`: AssemblyScript's abort with its message decoded. */
class AbortCalled extends Error {}

const setup = workerData as WorkerSetup;
const instances = new Map<string, Kept>();
/** Instances kept per worker; the oldest goes first (distinct limits make distinct instances). */
const MAX_KEPT = 32;
let twins: Promise<Map<string, MicroAgentDescriptor>> | undefined;

/** The task handler piscina calls. */
export default function decide(task: DecideTask): DecideReply | Promise<DecideReply> {
  if (task.count === 0) return warmUp();
  return setup.mode === 'js' ? decideJs(task) : decideWasm(task);
}

/** The warm-up task: this module is loaded by now; js mode also loads the twins. */
async function warmUp(): Promise<DecideReply> {
  if (setup.mode === 'js') await (twins ??= loadTwins(setup.twins));
  return new Float64Array(0);
}

function decideWasm(task: DecideTask): DecideReply {
  const metered = task.fuel !== null;
  const key = `${task.agent}\u0000${task.maxMemoryPages}\u0000${metered ? 'm' : 'p'}`;
  let kept = instances.get(key);
  if (kept === undefined) {
    try {
      kept = instantiate(task.agent, task.maxMemoryPages, metered);
    } catch (error) {
      return { failed: 'trap', message: `cannot instantiate: ${messageOf(error)}`, pages: 0 };
    }
    if (instances.size >= MAX_KEPT) instances.delete(instances.keys().next().value!);
    instances.set(key, kept);
  }
  const { exports, memory } = kept;
  const values = task.count * task.outWidth;
  try {
    new Float64Array(memory.buffer, kept.inputPtr, task.input.length).set(task.input);
    if (metered) exports.fuel!.value = BigInt(task.fuel!);
    const decided = exports.run(task.count);
    if (decided !== task.count) throw new Error(`run(${task.count}) returned ${decided}`);
  } catch (error) {
    instances.delete(key);
    return classify(error, kept, task.maxMemoryPages);
  }
  // Read memory.buffer again: a growth during run() detached the old one.
  const output = new Float64Array(values);
  output.set(new Float64Array(memory.buffer, kept.outputPtr, values));
  return move(output) as Float64Array;
}

/** Fuel below zero wins; then memory at its maximum or an abort about memory; else a trap. */
function classify(error: unknown, kept: Kept, maxPages: number): DecideFailure {
  const message = messageOf(error);
  const pages = kept.memory.buffer.byteLength / WASM_PAGE_BYTES;
  if (kept.metered && (kept.exports.fuel!.value as bigint) < 0n) return { failed: 'fuel', message, pages };
  if (pages >= maxPages || (error instanceof AbortCalled && /memory/i.test(message))) return { failed: 'memory', message, pages };
  return { failed: 'trap', message, pages };
}

function instantiate(agent: string, maxPages: number, metered: boolean): Kept {
  const compiled = setup.modules[agent];
  if (compiled === undefined) throw new Error(`no module for agent '${agent}' in this worker`);
  const memory = new WebAssembly.Memory({ initial: compiled.minPages, maximum: maxPages });
  const abort = (msg: number, file: number, line: number, column: number): never => {
    const where = readString(memory, file);
    throw new AbortCalled(`abort: ${readString(memory, msg) || '(no message)'}${where === '' ? '' : ` at ${where}:${line}:${column}`}`);
  };
  const instance = new WebAssembly.Instance(metered ? compiled.metered : compiled.plain, { env: { memory, abort } });
  const exports = instance.exports as unknown as MicroAgentExports;
  if (metered && !(exports.fuel instanceof WebAssembly.Global)) throw new Error('the metered build exports no fuel global');
  return { exports, memory, inputPtr: exports.inputPtr(), outputPtr: exports.outputPtr(), metered };
}

/** An AssemblyScript string (UTF-16, its byte length in the 4 bytes before it); '' if unreadable. */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  const buffer = memory.buffer;
  if (ptr < 4 || ptr > buffer.byteLength) return '';
  const bytes = new DataView(buffer).getUint32(ptr - 4, true);
  if (bytes % 2 !== 0 || ptr + bytes > buffer.byteLength || bytes > 4096) return '';
  return String.fromCharCode(...new Uint16Array(buffer.slice(ptr, ptr + bytes)));
}

async function decideJs(task: DecideTask): Promise<DecideReply> {
  twins ??= loadTwins(setup.twins);
  const descriptor = (await twins).get(task.agent);
  if (descriptor === undefined) return { failed: 'trap', message: `no JS twin for '${task.agent}' in ${setup.twins.join(', ')}`, pages: 0 };
  const output = new Float64Array(task.count * task.outWidth);
  try {
    descriptor.js(task.input, output, task.count);
  } catch (error) {
    return { failed: 'trap', message: messageOf(error), pages: 0 };
  }
  return move(output) as Float64Array;
}

async function loadTwins(urls: readonly string[]): Promise<Map<string, MicroAgentDescriptor>> {
  const found = new Map<string, MicroAgentDescriptor>();
  for (const url of urls) collectDescriptors(await loadModule(url), found);
  return found;
}

/**
 * `import(url)`, or `require` when the ESM loader refuses a .ts file: under `--import tsx`
 * on Node 20, tsx's ESM hooks are not active in worker threads (tsx issue #354) but its
 * require hook is, which is also how this file itself was loaded (piscina requires a
 * worker file before it tries to import it). From the build (.js) `import` just works.
 */
async function loadModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    return createRequire(import.meta.url)(fileURLToPath(url)) as Record<string, unknown>;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
