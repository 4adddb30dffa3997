import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatStatusBox, parseDuration } from '../src/cli/main.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `actormesh ARGS` from the sources, as a real child process in the repository root. */
function actormesh(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT, timeout: 15_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('cli: actormesh run', function () {
  this.timeout(20_000);

  it('runs the 30k mesh with --json: one JSON object on stdout, a wave that reached 30,000 agents', async () => {
    const result = await actormesh('run', 'examples/mesh-30k.yaml', '--json', '--duration', '300', '--seed', '1');
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as any; // throws unless stdout is exactly one JSON value
    assert.equal(summary.actors, 31101);
    assert.equal(summary.agents, 30000);
    assert.equal(summary.sectors, 100);
    assert.equal(summary.clusters, 1000);
    assert.equal(summary.wave.reached, 30000);
    assert.equal(summary.wave.counts.ready + summary.wave.counts.conflict, 30000);
    assert.equal(summary.wave.levels.agent.count, 30000);
    assert.equal(summary.wave.levels['cluster-lead'].count, 1000);
    assert.equal(summary.scatterGather.sent, 1000);
    assert.equal(summary.heal.healed, true);
    assert.equal(summary.status.mode, 'FULL');
    assert.equal(summary.kpis.length, 8);
    assert.ok(summary.kpis.some((row: any) => row.kpi === 'cascade_latency_p95' && typeof row.value === 'number'));
    // Progress went to stderr as plain lines (not a TTY), at most one per 10%.
    const progress = result.stderr.split('\n').filter((line) => line.startsWith('spawning: '));
    assert.ok(progress.length >= 1 && progress.length <= 10, result.stderr);
    assert.ok(!result.stderr.includes('\u2588'), 'no progress bar when stderr is not a TTY');
  });

  it('exits non-zero with a clear message on a bad option or a missing file', async () => {
    const bad = await actormesh('run', 'examples/mesh-30k.yaml', '--chaos-rate', '2');
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /--chaos-rate.*invalid.*\[0, 1\]/);
    const missing = await actormesh('run', 'examples/nope.yaml', '--json');
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /cannot read 'examples\/nope\.yaml': no such file/);
  });

  it('parses durations and renders the status box', () => {
    assert.equal(parseDuration('1500'), 1500);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.throws(() => parseDuration('soon'), /expected a duration/);
    const box = formatStatusBox({
      wave: { waveId: 1, reached: 29847, counts: { ready: 29847, transit: 0, conflict: 0 }, missing: 153, quorum: 'PROCEED', totalMs: 10, levels: { orchestrator: { count: 1, p50Ms: 10, p95Ms: 10, maxMs: 10 } } },
      status: { agentsActive: 29847, agentsTotal: 30000, activeRate: 0.9949, sectorsHealthy: 100, sectorsTotal: 100, medianImpedanceMs: 127, conflicts: 23, mode: 'FULL', breakersOpen: { cluster: 1, sector: 0, global: false } },
    } as any);
    assert.match(box, /Agents: 29,847 \/ 30,000 active \(99\.5%\)/);
    assert.match(box, /Sectors: 100\/100 healthy/);
    assert.match(box, /Mode: FULL/);
    assert.match(box, /Breakers open: 1 cluster, 0 sector/);
    const widths = new Set(box.split('\n').map((line) => line.length));
    assert.equal(widths.size, 1, 'every line of the box has the same width');
  });
});
