#!/usr/bin/env node
// Builds the WebAssembly micro-agents (issue 8; contract: src/wasm/abi.ts).
//
//   node asm/build.mjs           build what changed
//   node asm/build.mjs --force   rebuild everything
//
// Every asm/*.ts (a micro-agent) and asm/fixtures/*.ts (test fixtures) becomes
//   dist/asm/NAME.wasm        asc --runtime stub --importMemory --zeroFilledMemory -O3 --noAssert
//   dist/asm/NAME.fuel.wasm   the same, metered: binaryen's log-execution pass puts a call to an
//                             imported env.log_execution(i32) at every function entry, return
//                             and loop header; that import is replaced by an in-module function
//                             that decrements an exported mutable i64 global `fuel` and hits
//                             `unreachable` below zero, and the optimiser inlines it (a counter
//                             called through a JS import cost ~15x, inlined ~1.9x).
// and dist/asm/manifest.json lists them with the memory pages each needs (the initial pages
// of its imported memory: the host must create a Memory at least that large).
//
// Why these flags:
//   - no --bindings: the host instantiates with WebAssembly.instantiate(module, { env: { memory,
//     abort } }) and talks through raw pointers into linear memory, so asc's JS glue
//     (--bindings raw|esm) is never generated nor used.
//   - --zeroFilledMemory: the static areas come from memory.data(size), which asc would emit
//     as data segments full of zeros (1 MiB for routing); a Memory fresh from the host is
//     zeroed, so binaryen may drop them. The host must therefore give every instance a NEW
//     Memory (it does: one per instance).
//   - the build fails when a module imports anything but env.memory and env.abort, since the
//     host provides nothing else.
//
// Incremental: a module is rebuilt when its outputs are missing or older than its source, any
// shared asm/**/*.ts that is not itself a module, or this script, or when the toolchain
// versions recorded in the manifest differ. Outputs are written to a temporary file and renamed,
// so a concurrent reader never sees half a module.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The compilers load lazily: an up-to-date check must stay fast (ensureAsmBuilt in tests).
let asc;
let binaryen;
async function loadToolchain() {
  asc ??= (await import('assemblyscript/asc')).default;
  binaryen ??= (await import('binaryen')).default;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const OUT_DIR = join(ROOT, 'dist', 'asm');
const MANIFEST = join(OUT_DIR, 'manifest.json');
const SELF = fileURLToPath(import.meta.url);

const ASC_FLAGS = ['--runtime', 'stub', '--importMemory', '--zeroFilledMemory', '-O3', '--noAssert'];
/** Wasm features of asc 0.28's default output (and all supported by Node 20). */
const features = () => binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.SignExt | binaryen.Features.NontrappingFPToInt | binaryen.Features.BulkMemory;
/** The only imports the host provides (src/wasm/abi.ts). */
const ALLOWED_IMPORTS = new Set(['env.memory', 'env.abort']);
const FUEL_GLOBAL = 'actormesh~fuel';
const FUEL_EXPORT = 'fuel';

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function packageVersion(name) {
  return readJson(join(ROOT, 'node_modules', name, 'package.json'))?.version ?? 'unknown';
}

const TOOLCHAIN = `assemblyscript@${packageVersion('assemblyscript')} binaryen@${packageVersion('binaryen')} flags=${ASC_FLAGS.join(' ')}`;

/** Every .ts under dir, recursively. */
function tsFilesUnder(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFilesUnder(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Top-level .ts files of dir (each one a module). */
function modulesIn(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
}

function mtime(file) {
  return existsSync(file) ? statSync(file).mtimeMs : -Infinity;
}

function writeAtomic(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/** Compiles one source with asc; returns the binary or throws with asc's diagnostics. */
async function compile(source) {
  let binary = null;
  const diagnostics = [];
  const stream = { write: (chunk) => void diagnostics.push(String(chunk)), toString: () => diagnostics.join('') };
  const result = await asc.main([relative(ROOT, source), ...ASC_FLAGS, '--outFile', 'out.wasm'], {
    stdout: stream,
    stderr: stream,
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) binary = contents;
    },
  });
  if (result.error || binary === null) throw new Error(`asc failed on ${relative(ROOT, source)}: ${result.error?.message ?? 'no binary written'}\n${diagnostics.join('')}`);
  return binary;
}

/** Throws unless the module imports only what the host provides. */
function checkImports(name, binary) {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(binary)).map((i) => `${i.module}.${i.name}`);
  const extra = imports.filter((i) => !ALLOWED_IMPORTS.has(i));
  if (extra.length > 0) throw new Error(`${name}: imports ${extra.join(', ')}; the host provides only ${[...ALLOWED_IMPORTS].join(', ')}`);
  if (!imports.includes('env.memory')) throw new Error(`${name}: does not import env.memory (compile with --importMemory)`);
}

/** The initial pages of the module's imported memory. */
function minPagesOf(name, binary) {
  const module = binaryen.readBinaryWithFeatures(binary, features());
  try {
    if (!module.hasMemory()) throw new Error(`${name}: has no memory`);
    const info = module.getMemoryInfo();
    if (info.module !== 'env' || info.base !== 'memory') throw new Error(`${name}: memory is not imported from env.memory`);
    return info.initial;
  } finally {
    module.dispose();
  }
}

/** The metered variant of `binary` (see the file comment). */
function meter(name, binary) {
  const module = binaryen.readBinaryWithFeatures(binary, features());
  try {
    module.runPasses(['log-execution']);
    let logger = null;
    for (let i = 0; i < module.getNumFunctions(); i++) {
      const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
      if (info.module === 'env' && info.base === 'log_execution') logger = info.name;
    }
    if (logger === null) throw new Error(`${name}: the log-execution pass added no env.log_execution import`);
    // Starts full so that instantiation (a start function, if any) never traps: the host
    // sets the budget before every call.
    module.addGlobal(FUEL_GLOBAL, binaryen.i64, true, module.i64.const(0x7fffffffffffffffn));
    module.addGlobalExport(FUEL_GLOBAL, FUEL_EXPORT);
    module.removeFunction(logger);
    const fuel = () => module.global.get(FUEL_GLOBAL, binaryen.i64);
    module.addFunction(
      logger,
      binaryen.createType([binaryen.i32]),
      binaryen.none,
      [],
      module.block(null, [
        module.global.set(FUEL_GLOBAL, module.i64.sub(fuel(), module.i64.const(1n))),
        module.if(module.i64.lt_s(fuel(), module.i64.const(0n)), module.unreachable()),
      ]),
    );
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(0);
    binaryen.setZeroFilledMemory(true);
    module.optimize();
    if (!module.validate()) throw new Error(`${name}: the metered module does not validate`);
    if (module.getFunction(logger) !== 0) throw new Error(`${name}: the fuel counter was not inlined (a call per step costs far more)`);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

async function main() {
  // asc resolves sources against the working directory.
  process.chdir(ROOT);
  const force = process.argv.includes('--force');
  const sources = [...modulesIn(HERE), ...modulesIn(join(HERE, 'fixtures'))];
  const moduleSet = new Set(sources);
  const shared = tsFilesUnder(HERE).filter((f) => !moduleSet.has(f));
  const sharedTime = Math.max(mtime(SELF), ...shared.map(mtime));

  const names = new Map();
  for (const source of sources) {
    const name = basename(source, '.ts');
    if (names.has(name)) throw new Error(`two modules named ${name}: ${relative(ROOT, names.get(name))} and ${relative(ROOT, source)}`);
    names.set(name, source);
  }

  mkdirSync(OUT_DIR, { recursive: true });
  const previous = readJson(MANIFEST);
  const sameToolchain = previous?.toolchain === TOOLCHAIN;
  const modules = {};
  const started = Date.now();
  // asc runs are independent: start every stale one at once (about 2x faster than one by one),
  // then meter and write in a fixed order so the log reads the same every time.
  const jobs = [...names].map(([name, source]) => {
    const file = `${name}.wasm`;
    const fuelFile = `${name}.fuel.wasm`;
    const plainPath = join(OUT_DIR, file);
    const fuelPath = join(OUT_DIR, fuelFile);
    const newest = Math.max(mtime(source), sharedTime);
    const upToDate = !force && sameToolchain && previous.modules?.[name] !== undefined && Math.min(mtime(plainPath), mtime(fuelPath)) >= newest;
    return { name, source, file, fuelFile, plainPath, fuelPath, upToDate };
  });
  if (jobs.some((j) => !j.upToDate)) await loadToolchain();
  const compiled = jobs.map((j) => (j.upToDate ? null : compile(j.source)));
  // Keep a failure from surfacing as an unhandled rejection while an earlier job is awaited.
  for (const c of compiled) c?.catch(() => {});
  for (const [i, job] of jobs.entries()) {
    const { name, file, fuelFile, plainPath, fuelPath, upToDate } = job;
    let plain;
    let minPages;
    if (upToDate) {
      plain = readFileSync(plainPath);
      minPages = previous.modules[name].minPages;
    } else {
      plain = await compiled[i];
      checkImports(name, plain);
      const metered = meter(name, plain);
      checkImports(`${name} (metered)`, metered);
      minPages = minPagesOf(name, plain);
      writeAtomic(plainPath, plain);
      writeAtomic(fuelPath, metered);
    }
    modules[name] = { file, fuelFile, minPages };
    console.log(`asm ${name.padEnd(10)} ${upToDate ? 'up to date' : 'built     '}  ${plain.length} B, metered ${statSync(fuelPath).size} B, minPages ${minPages}`);
  }
  writeAtomic(MANIFEST, `${JSON.stringify({ toolchain: TOOLCHAIN, modules }, null, 2)}\n`);
  console.log(`asm ${names.size} modules in ${Date.now() - started} ms -> ${relative(ROOT, OUT_DIR)}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
