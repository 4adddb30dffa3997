import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MicroAgentDescriptor } from '../../src/wasm/abi.js';

/**
 * The wasm test fixtures of issue 8 (asm/fixtures/*.ts, built by asm/build.mjs) as the host
 * sees them, and `ensureAsmBuilt()`, which builds dist/asm/ when it is missing or stale so
 * that `npx mocha FILE` works on a fresh checkout.
 *
 * Every fixture has inWidth 1, outWidth 1, capacity 16. Their JavaScript twins behave like the
 * wasm build whenever the wasm build neither traps nor loops; where it would, the twin throws
 * (a JS twin cannot be interrupted, so looping forever is not an option):
 *   spin   x -> x * 2;  x = 1 loops forever in wasm, the twin throws RangeError('spin: ...').
 *   hog    n -> memory.grow(n), the page count after; the twin simulates a memory of 1 page
 *          (the build's minPages) growing up to `maxPages` (default FIXTURE_HOG_MAX_PAGES) and
 *          throws RangeError('hog: memory limit reached ...') beyond, as wasm aborts. Each twin
 *          keeps its own page count, like one wasm instance: make one per instance.
 *   trap   x -> x + 1;  x = 1 is `unreachable` in wasm, the twin throws Error('trap: ...').
 */

/** The package root, from the sources (test/support) or from their compiled copy (dist/test/support, the benchmarks). */
const HERE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOT = basename(HERE_ROOT) === 'dist' ? dirname(HERE_ROOT) : HERE_ROOT;
/** Where asm/build.mjs writes the modules. */
export const ASM_DIST_DIR = join(ROOT, 'dist', 'asm');
const MANIFEST = join(ASM_DIST_DIR, 'manifest.json');
const BUILD_SCRIPT = join(ROOT, 'asm', 'build.mjs');

/** One entry of dist/asm/manifest.json. */
export interface AsmManifestEntry {
  readonly file: string;
  readonly fuelFile: string;
  /** Initial pages of the module's imported memory: the smallest Memory it accepts. */
  readonly minPages: number;
}

/** dist/asm/manifest.json. */
export interface AsmManifest {
  readonly modules: Readonly<Record<string, AsmManifestEntry>>;
}

function newestSourceMs(dir: string): number {
  let newest = -Infinity;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.mjs')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let built = false;

/**
 * Runs `node asm/build.mjs` once per process when dist/asm/manifest.json is missing or older
 * than anything under asm/; throws with the command and its output when the build fails.
 */
export function ensureAsmBuilt(): void {
  if (built) return;
  const stale = !existsSync(MANIFEST) || statSync(MANIFEST).mtimeMs < newestSourceMs(join(ROOT, 'asm'));
  if (stale) {
    try {
      execFileSync(process.execPath, [BUILD_SCRIPT], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`ensureAsmBuilt: \`node asm/build.mjs\` (in ${ROOT}) failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
  built = true;
}

/** The build manifest (call ensureAsmBuilt() first). */
export function readAsmManifest(): AsmManifest {
  return JSON.parse(readFileSync(MANIFEST, 'utf8')) as AsmManifest;
}

/** The bytes of module `name`, plain or metered (call ensureAsmBuilt() first). */
export function readAsmModule(name: string, metered = false): Uint8Array {
  const entry = readAsmManifest().modules[name];
  if (entry === undefined) throw new Error(`readAsmModule: no module "${name}" in ${MANIFEST}`);
  return readFileSync(join(ASM_DIST_DIR, metered ? entry.fuelFile : entry.file));
}

const ANY_NUMBER = { min: -1e9, max: 1e9 } as const;

/** spin: x -> x * 2; 1 loops forever (wasm) / throws RangeError (twin). */
export const SPIN_FIXTURE: MicroAgentDescriptor = Object.freeze({
  name: 'spin',
  description: 'test fixture: doubles its input; input 1 loops forever',
  inWidth: 1,
  outWidth: 1,
  capacity: 16,
  columns: Object.freeze([{ name: 'x', ...ANY_NUMBER }]),
  outputs: Object.freeze(['doubled']),
  js(input: Float64Array, output: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const x = input[i]!;
      if (x === 1) throw new RangeError(`spin: row ${i} asks to loop forever`);
      output[i] = x * 2;
    }
  },
});

/** trap: x -> x + 1; 1 traps (wasm) / throws Error (twin). */
export const TRAP_FIXTURE: MicroAgentDescriptor = Object.freeze({
  name: 'trap',
  description: 'test fixture: adds one to its input; input 1 traps',
  inWidth: 1,
  outWidth: 1,
  capacity: 16,
  columns: Object.freeze([{ name: 'x', ...ANY_NUMBER }]),
  outputs: Object.freeze(['incremented']),
  js(input: Float64Array, output: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const x = input[i]!;
      if (x === 1) throw new Error(`trap: row ${i} reached unreachable`);
      output[i] = x + 1;
    }
  },
});

/** Pages the hog twin may grow to by default (a Memory with this `maximum` behaves alike). */
export const FIXTURE_HOG_MAX_PAGES = 16;

/** A hog descriptor whose twin simulates one instance's memory of at most `maxPages` pages. */
export function hogFixture(maxPages: number = FIXTURE_HOG_MAX_PAGES): MicroAgentDescriptor {
  if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > 65_536) throw new RangeError(`hogFixture: maxPages must be an integer 1-65536, got ${maxPages}`);
  let pages = 1;
  return Object.freeze({
    name: 'hog',
    description: 'test fixture: grows its memory by the input in pages; output is the page count',
    inWidth: 1,
    outWidth: 1,
    capacity: 16,
    columns: Object.freeze([{ name: 'pages', min: 0, max: 65_536, integer: true }]),
    outputs: Object.freeze(['pageCount']),
    js(input: Float64Array, output: Float64Array, count: number): void {
      for (let i = 0; i < count; i++) {
        const grow = input[i]!;
        if (pages + grow > maxPages) throw new RangeError(`hog: memory limit reached, cannot grow (row ${i}: ${pages} + ${grow} pages > ${maxPages})`);
        pages += grow;
        output[i] = pages;
      }
    },
  });
}

/** One fresh descriptor per fixture (hog is stateful, hence a function). */
export function wasmFixtures(hogMaxPages: number = FIXTURE_HOG_MAX_PAGES): Readonly<Record<'spin' | 'hog' | 'trap', MicroAgentDescriptor>> {
  return Object.freeze({ spin: SPIN_FIXTURE, hog: hogFixture(hogMaxPages), trap: TRAP_FIXTURE });
}
