import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in the repository root as a real child process. */
function run(command: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, [...args], { cwd: REPO_ROOT, timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `actormesh ARGS` from the sources (what `npm run actormesh -- ARGS` runs). */
const actormesh = (...args: string[]): Promise<Run> => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);

describe('cli: actormesh validate', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'actormesh-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints "ok: N actors in tree" and exits 0 for the 30k mesh', async () => {
    const result = await actormesh('validate', 'examples/mesh-30k.yaml');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'ok: 31101 actors in tree');
  });

  it('lists every problem as file:line:column path: message and exits 1', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'root:\n  type: orchestrator\n  name: o\n  children:\n    - type: agnet\n      name: a\n    - type: agent\n      name: b\n      replicas: -2\n');
    const result = await actormesh('validate', file);
    assert.equal(result.code, 1);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(lines, [
      `${file}:5:13 root.children[0].type: unknown actor type 'agnet'; did you mean 'agent'? (known types: agent, cluster-lead, orchestrator, sector-coordinator, wasm-agent)`,
      `${file}:9:17 root.children[1].replicas: expected an integer >= 0 (got -2)`,
      `2 problems in ${file}`,
    ]);
  });

  it('reports malformed YAML with its line and exits 1', async () => {
    const file = join(dir, 'syntax.yaml');
    writeFileSync(file, 'root:\n  type: agent\n  name: [a\n');
    const result = await actormesh('validate', file);
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ \\(text\\): not well-formed YAML`));
  });

  it('exits 1 and says why when the file cannot be read', async () => {
    const result = await actormesh('validate', join(dir, 'missing.yaml'));
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /error: cannot read '.*missing\.yaml': no such file/);
  });

  it('works through `npm run actormesh -- validate`', async () => {
    const result = await run('npm', ['run', '--silent', 'actormesh', '--', 'validate', 'examples/mesh-30k.yaml']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'ok: 31101 actors in tree');
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    assert.equal(pkg.bin.actormesh, './dist/src/cli/main.js');
  });

  it('prints a JSON report with --json, and exits 1 on a usage error', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const output = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) };
    assert.equal(await main(['node', 'actormesh', 'validate', '--json', 'examples/mesh-30k.yaml'], output), 0);
    const report = JSON.parse(out.join('\n')) as { ok: boolean; actors: number; problems: unknown[] };
    assert.deepEqual([report.ok, report.actors, report.problems], [true, 31_101, []]);
    assert.equal(await main(['node', 'actormesh', 'validate'], output), 1);
    assert.match(err.join('\n'), /missing required argument 'file'/);
  });
});
