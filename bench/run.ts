/**
 * The benchmark suite: actormesh against nact 7.6.2, comedy 2.1.7 and a plain-JS floor, all
 * in the same run. Prints one table per scenario (each implementation's figures and the
 * ratio of actormesh to it), the verdict against each target, and a summary at the end.
 *
 *   npm run bench                      all scenarios (about 3 minutes on 2 cores)
 *   npm run bench -- tell pingpong     only those
 *   npm run bench -- --json out.json   also write the results as JSON
 *
 * (npm run bench = node asm/build.mjs (the wasm modules, if stale), tsc -p tsconfig.bench.json, then node --expose-gc dist/bench/run.js: compiled,
 * as production runs; `node --expose-gc --import tsx bench/run.ts` runs the sources.) Tables go to stdout,
 * progress to stderr. Scenarios: see the header of each bench/<name>.bench.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { gc, hasGc, log, now, renderScenario, settle, tables } from './harness.js';
import type { Scenario, ScenarioResult } from './harness.js';

const scenarios: Record<string, () => Promise<Scenario>> = {
  tell: async () => (await import('./tell.bench.js')).runTell,
  pingpong: async () => (await import('./pingpong.bench.js')).runPingPong,
  spawn: async () => (await import('./spawn.bench.js')).runSpawn,
  fanout: async () => (await import('./fanout.bench.js')).runFanout,
  skynet: async () => (await import('./skynet.bench.js')).runSkynet,
  flood: async () => (await import('./flood.bench.js')).runFlood,
  restart: async () => (await import('./restart.bench.js')).runRestart,
  tree: async () => (await import('./tree.bench.js')).runTree,
  mesh: async () => (await import('./mesh.bench.js')).runMesh,
  admission: async () => (await import('./admission.bench.js')).runAdmission,
  'admission-controller': async () => (await import('./admission-controller.bench.js')).runAdmissionController,
  journal: async () => (await import('./journal.bench.js')).runJournal,
  'journal-actors': async () => (await import('./journal-actors.bench.js')).runJournalActors,
  'journal-jetstream': async () => (await import('./journal-jetstream.bench.js')).runJournalJetStream,
  wasm: async () => (await import('./wasm.bench.js')).runWasm,
  'wasm-runaway': async () => (await import('./wasm.bench.js')).runWasmRunaway,
  world: async () => (await import('./world.bench.js')).runWorld,
  'cluster-mesh': async () => (await import('./cluster-mesh.bench.js')).runClusterMesh,
  cluster: async () => (await import('./cluster.bench.js')).runCluster,
  realizer: async () => (await import('./realizer.bench.js')).runRealizer,
  observer: async () => (await import('./observer.bench.js')).runObserver,
};

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1]!.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

/** The commit measured, and whether src/ differs from it (the kernel is what is measured). */
function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty === '' ? head : `${head} + uncommitted changes in src/`;
  } catch {
    return 'unknown (no git)';
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let jsonPath: string | undefined;
  let child = false;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--json') jsonPath = args[++i];
    else if (args[i] === '--child') child = true;
    else names.push(args[i]!);
  }
  const unknown = names.filter((name) => !(name in scenarios));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}\n`);
    process.exit(2);
  }
  const selected = names.length > 0 ? names : Object.keys(scenarios);
  const machine = {
    cpus: cpus().length,
    cpu: cpuModel(),
    node: process.version,
    date: new Date().toISOString(),
    revision: revision(),
    command: `node ${process.execArgv.join(' ')} bench/run.ts${args.length > 0 ? ' ' + args.join(' ') : ''}`,
  };
  if (!child) {
    process.stdout.write(`actormesh benchmarks: ${machine.cpus} CPUs (${machine.cpu}), node ${machine.node}, ${machine.date}\n`);
    process.stdout.write(`command: ${machine.command}\nrevision: ${machine.revision}\n`);
    if (!hasGc()) process.stdout.write('warning: node was started without --expose-gc: no gc between rounds, no heap figures\n');
  }

  const start = now();
  const results: ScenarioResult[] = [];
  // Several scenarios: each in a fresh process, so that none inherits another's heap (peers
  // that cannot be torn down, a million stopped actors awaiting collection): a flood run
  // after the others saw twice the gc pauses it sees alone.
  const isolate = !child && selected.length > 1;
  for (const name of isolate ? selected : []) {
    const file = join(tmpdir(), `actormesh-bench-${process.pid}-${name}.json`);
    spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, name, '--child', '--json', file], { stdio: ['ignore', 'inherit', 'inherit'] });
    try {
      results.push(...(JSON.parse(readFileSync(file, 'utf8')) as { results: ScenarioResult[] }).results);
    } catch {
      process.stdout.write(`\n== ${name}: FAILED (no results from its process)\n`);
    }
  }
  for (const name of isolate ? [] : selected) {
    const run = await scenarios[name]!();
    gc();
    await settle(10);
    try {
      for (const result of tables(await run())) {
        results.push(result);
        process.stdout.write('\n' + renderScenario(result) + '\n');
      }
    } catch (error) {
      log(`[${name}] failed: ${(error as Error)?.stack ?? String(error)}`);
      process.stdout.write(`\n== ${name}: FAILED (${(error as Error)?.message ?? String(error)})\n`);
    }
  }
  const seconds = (now() - start) / 1000;

  if (!child) process.stdout.write(`\n== summary (${seconds.toFixed(0)} s)\n`);
  for (const result of child ? [] : results) {
    for (const verdict of result.verdicts) {
      const mark = verdict.met === null ? 'UNDECIDED' : verdict.met ? 'MET   ' : 'MISSED';
      process.stdout.write(`${mark}  ${result.id.padEnd(8)} ${verdict.target}: ${verdict.detail}\n`);
    }
  }
  if (jsonPath !== undefined) {
    writeFileSync(jsonPath, JSON.stringify({ machine, seconds, results }, null, 2) + '\n');
    log(`results written to ${jsonPath}`);
  }
  process.exit(0);
}

await main();
