import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { ActorSystem } from '../../src/index.js';
import { attachObserver } from '../../src/observer/index.js';
import type { Observer } from '../../src/observer/index.js';
import { configureHeartbeats, meshQuarantine } from '../../actors/mesh-types.js';
import type { WaveReport } from '../../actors/mesh-types.js';
import { MeshConsole } from '../../actors/mesh/console.js';
import { lateMeshObserver, meshObserver } from '../../actors/mesh/observer-adapter.js';
import type { MeshObserver } from '../../actors/mesh/observer-adapter.js';
import { spawnTree } from '../../supervisors/config/index.js';
import type { TreeConfig, TreeHandle } from '../../supervisors/config/index.js';
import { main, runFile } from '../../src/cli/main.js';
import type { Output } from '../../src/cli/main.js';
import { deferred, eventually, terminateAll } from '../support/helpers.js';
import { meshSystem, smallMeshConfig } from '../support/mesh.js';

/**
 * The observer end to end (issue 10), in real headless Chromium (Debian's `chromium`, driven
 * by playwright-core): a mesh with the observer attached, the page opened, its sections
 * checked, a chaos burst seen on the page, console actions with and without the token, and
 * /metrics parsed. ACTORMESH_SCREENSHOT=docs/observer.png writes the README's screenshot.
 *
 * The mesh is smallMeshConfig's shape (sector and cluster breakers, transient agents), made
 * 10 x 10 x 10 so that the heatmap and the screenshot look like a mesh: 1,111 actors spawn
 * in well under a second.
 */

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'secret';
const SECTORS = 10;
const CLUSTERS = 10;
const AGENTS = 10;
const ROOT = '/user/orchestrator';
/** The cluster the burst opens the breaker of. */
const HOT = `${ROOT}/sector-3/cluster-4`;

function meshConfig(): TreeConfig {
  return smallMeshConfig({ breakers: true, clusterMaxFailures: 5, size: { sectors: SECTORS, clusters: CLUSTERS, agents: AGENTS } });
}

interface Mesh {
  readonly system: ActorSystem;
  readonly tree: TreeHandle;
  readonly adapter: MeshObserver;
}

async function startMesh(): Promise<Mesh> {
  const system = meshSystem({ speedup: 1000, maxReplyMs: 200, gatherTimeoutMs: 500, conflictRate: 0 });
  configureHeartbeats(system, { intervalMs: 250 }); // before the spawn: leads read it when they start
  const tree = spawnTree(system, meshConfig());
  // Registration, as `run` and `console` do: agents set up their impedance simulation.
  await tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: 0, replyTo, register: true }), { timeoutMs: 10_000 });
  // A few waves of work, so that the agents' profilers (and so the heatmap's impedance) have samples.
  for (let waveId = 1; waveId <= 3; waveId++) await tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId, replyTo }), { timeoutMs: 10_000 });
  const adapter = meshObserver(system, tree, new MeshConsole(system, tree, { quarantine: meshQuarantine(system), timeoutMs: 2000 }), { sampleMs: 200 });
  return { system, tree, adapter };
}

/** Prometheus text: every sample's metric name (with its _bucket/_sum/_count suffix) and value. */
function parseMetrics(text: string): Map<string, number[]> {
  const samples = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    assert.ok(m !== null, `/metrics: a line that is not a sample: ${line}`);
    const values = samples.get(m[1]!) ?? [];
    values.push(Number(m[3]));
    samples.set(m[1]!, values);
  }
  return samples;
}

/** Waits until `expression` (evaluated in the page) is truthy. A string: this project's TypeScript has no DOM types. */
const until = (page: Page, expression: string, timeout = 5000): Promise<unknown> => page.waitForFunction(expression, undefined, { timeout });

const text = async (page: Page, testid: string): Promise<string> => (await page.getByTestId(testid).textContent()) ?? '';

describe('observer page in headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let observers: Observer[] = [];
  let mesh: Mesh | undefined;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the observer's end-to-end test needs Debian's chromium. Install it with: sudo apt-get install -y chromium (.ci/run does)`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    mesh?.adapter.close();
    await Promise.all(observers.map((o) => o.close()));
    observers = [];
    mesh = undefined;
    await terminateAll();
  });

  it('shows the tree, heatmap and KPIs, follows a chaos burst, heals with the token and refuses without it', async () => {
    mesh = await startMesh();
    const { system, tree } = mesh;
    const observer = await attachObserver(system, { token: TOKEN, mesh: mesh.adapter, sampleMs: 200 });
    observers.push(observer);
    const base = observer.url.replace(/\/$/, '');
    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${base}/#token=${TOKEN}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });

    // The token came from the fragment, which the page then removed from the address bar.
    assert.equal(await page.getByTestId('token').inputValue(), TOKEN);
    assert.equal(new URL(page.url()).hash, '');

    // Heatmap: one cell per cluster, coloured by impedance once the heartbeats came in.
    await until(page, `document.querySelectorAll('[data-testid="heat-cell"]').length === ${SECTORS * CLUSTERS}`);
    await until(page, `[...document.querySelectorAll('[data-testid="heat-cell"]')].every((c) => c.dataset.impedance !== '')`);
    assert.equal(await page.locator(`[data-testid="heat-cell"][data-path="${HOT}"]`).getAttribute('data-breaker'), 'closed');
    await page.getByTestId('heat-mailbox').check();
    assert.match(await text(page, 'heat-scale'), /mailbox/);
    await page.getByTestId('heat-impedance').check();

    // KPI table: the 8 rows of part 11.1; the mode from the heartbeats' active rate.
    await until(page, `document.querySelectorAll('#kpis tbody tr[data-kpi]').length === 8`);
    assert.equal(await page.locator('#kpis tr[data-kpi="mesh_availability"] td').nth(2).textContent(), '>= 99.9%');
    await until(page, `document.getElementById('mode').textContent === 'FULL'`);
    assert.equal(await page.getByTestId('readonly').isHidden(), true);

    // Tree: the root level first; expanding fetches the next level with its subtree counts.
    const userNode = page.locator('#tree li.node[data-path="/user"]');
    await userNode.waitFor();
    await userNode.locator(':scope > .node-line > .toggle').click();
    const rootNode = page.locator(`#tree li.node[data-path="${ROOT}"]`);
    await rootNode.waitFor();
    assert.equal(await rootNode.getAttribute('data-descendants'), String(SECTORS + SECTORS * CLUSTERS + SECTORS * CLUSTERS * AGENTS));
    await rootNode.locator(':scope > .node-line > .toggle').click();
    await page.locator(`#tree li.node[data-path="${ROOT}/sector-3"]`).waitFor();
    assert.equal(await page.locator(`#tree li.node[data-path="${ROOT}"] > ul > li.node`).count(), SECTORS);
    assert.match((await rootNode.locator(':scope > .node-line > .node-counts').textContent()) ?? '', /1,110 below/);

    // Search: paths containing the query; a click reveals the node in the tree.
    await page.getByTestId('search').fill('sector-3/cluster-4/agent-');
    await page.getByTestId('search').press('Enter');
    await until(page, `document.querySelectorAll('[data-testid="search-result"]').length === ${AGENTS}`);
    await page.getByTestId('search-result').first().click();
    await page.locator(`#tree li.node.found[data-path="${HOT}/agent-0"]`).waitFor({ timeout: 5000 });
    assert.equal(await page.getByTestId('action-path').inputValue(), `${HOT}/agent-0`);

    // Chaos burst: every agent of the hot cluster fails twice (its breaker opens after 5),
    // and one agent in each other sector fails once.
    const restartsBefore = Number((await text(page, 'stat-restarts')).replace(/,/g, ''));
    assert.equal(await page.locator(`#tree li.node[data-path="${ROOT}/sector-3"]`).getAttribute('data-restarts'), '0');
    for (let round = 0; round < 2; round++) {
      for (let a = 0; a < AGENTS; a++) system.lookup(`${HOT}/agent-${a}`)?.tell({ type: 'fail', reason: 'chaos' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (let s = 0; s < SECTORS; s++) if (s !== 3) system.lookup(`${ROOT}/sector-${s}/cluster-0/agent-0`)?.tell({ type: 'fail', reason: 'chaos' });
    assert.equal(tree.breakerAt(HOT)?.state, 'open');

    await until(page, `Number(document.getElementById('stat-restarts').textContent.replace(/,/g, '')) >= ${restartsBefore + 9}`, 8000);
    await until(page, `Number(document.getElementById('plot-restarts').dataset.total) > 0`, 8000);
    await page.locator(`[data-testid="heat-cell"][data-path="${HOT}"][data-breaker="open"]`).waitFor({ timeout: 5000 });
    await page.locator(`#breakers tr[data-state="open"][data-path="${HOT}"]`).waitFor({ timeout: 5000 });
    await until(page, `document.querySelectorAll('#log tr[data-type="actor-restarted"]').length > 0`);
    // The log filters: by type, then by path substring.
    await page.getByTestId('log-type').selectOption('actor-restarted');
    const restartedRows = await page.locator('#log tbody tr').count();
    assert.ok(restartedRows > 0);
    assert.equal(await page.locator('#log tbody tr:not([data-type="actor-restarted"])').count(), 0);
    await page.getByTestId('log-path').fill('sector-3/cluster-4');
    const hotRows = await page.locator('#log tbody tr').allTextContents();
    assert.ok(hotRows.length > 0 && hotRows.every((row) => row.includes('sector-3/cluster-4')), `filtered log rows: ${hotRows.join(' | ')}`);
    await page.getByTestId('log-path').fill('');
    await page.getByTestId('log-type').selectOption('');

    // The tree's subtree counts follow (the levels opened above are fetched again): the hot
    // cluster's lead was restarted when its agents failed too often, and its sector counts it.
    await until(page, `Number(document.querySelector('#tree li.node[data-path="${HOT}"]').dataset.restarts) >= 1`);
    for (const sector of [0, 3, 9]) await until(page, `Number(document.querySelector('#tree li.node[data-path="${ROOT}/sector-${sector}"]').dataset.restarts) >= 1`);

    // The screenshot, with the burst on the page: into a temp dir, or, with
    // ACTORMESH_SCREENSHOT=docs/observer.png, the README's (so a test run leaves git clean).
    const shot = process.env['ACTORMESH_SCREENSHOT'] ?? join(tmpdir(), `actormesh-observer-${process.pid}.png`);
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, `a real screenshot at ${shot}`);

    // Heal with the token (from the fragment): the hot cluster's breaker is reset.
    await page.getByTestId('action-path').fill(ROOT);
    await page.getByTestId('action-heal').click();
    await page.locator('[data-testid="action-result"][data-kind="ok"]').waitFor({ timeout: 5000 });
    assert.match(await text(page, 'action-result'), new RegExp(`heal ${ROOT}: \\d+ breakers? reset \\(.*${HOT}`));
    assert.equal(tree.breakerAt(HOT)?.state, 'closed');
    await page.locator(`[data-testid="heat-cell"][data-path="${HOT}"][data-breaker="closed"]`).waitFor({ timeout: 5000 });

    // Freeze a cluster picked on the heatmap, see it frozen, thaw it.
    await page.locator(`[data-testid="heat-cell"][data-path="${ROOT}/sector-1/cluster-2"]`).click();
    assert.equal(await page.getByTestId('action-path').inputValue(), `${ROOT}/sector-1/cluster-2`);
    await page.getByTestId('action-freeze').click();
    await page.locator(`[data-testid="heat-cell"][data-path="${ROOT}/sector-1/cluster-2"][data-frozen="true"]`).waitFor({ timeout: 5000 });
    await page.getByTestId('action-thaw').click();
    await page.locator(`[data-testid="heat-cell"][data-path="${ROOT}/sector-1/cluster-2"][data-frozen="false"]`).waitFor({ timeout: 5000 });

    // A freeze of something that is not a sector or cluster: the console's refusal, shown.
    await page.getByTestId('action-path').fill(`${HOT}/agent-1`);
    await page.getByTestId('action-freeze').click();
    await page.locator('[data-testid="action-result"][data-kind="error"]').waitFor({ timeout: 5000 });
    assert.match(await text(page, 'action-result'), /sector or cluster/);

    // Without the token: refused (401), and the page says so; a wrong token: 403.
    const other = await context.newPage();
    await other.goto(`${base}/`);
    await other.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    assert.equal(await other.getByTestId('token').inputValue(), '');
    await other.getByTestId('action-heal').click();
    await other.locator('[data-testid="action-result"][data-kind="refused"]').waitFor({ timeout: 5000 });
    assert.match(await text(other, 'action-result'), /refused \(401\)/);
    await other.getByTestId('token').fill('wrong');
    await other.getByTestId('action-heal').click();
    await until(other, `/refused \\(403\\)/.test(document.getElementById('action-result').textContent)`);

    // /metrics: Prometheus text with the named series.
    const metrics = parseMetrics(await (await fetch(`${base}/metrics`)).text());
    for (const name of ['actormesh_actors_alive', 'actormesh_messages_processed_total', 'actormesh_messages_per_second', 'actormesh_mailbox_depth_bucket', 'actormesh_restarts_total', 'actormesh_dead_letters_total', 'actormesh_circuit_breaker_state', 'actormesh_ask_latency_seconds_bucket']) {
      assert.ok(metrics.has(name), `/metrics has no ${name} (names: ${[...metrics.keys()].join(', ')})`);
    }
    assert.ok(metrics.get('actormesh_actors_alive')![0]! >= 1111);
    assert.ok(metrics.get('actormesh_restarts_total')![0]! >= 9);

    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  it('is read-only without a token: the buttons are off and the page says so', async () => {
    mesh = await startMesh();
    const observer = await attachObserver(mesh.system, { mesh: mesh.adapter, sampleMs: 200 });
    observers.push(observer);
    const context = await browser!.newContext();
    const page = await context.newPage();
    await page.goto(observer.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    assert.equal(await page.getByTestId('readonly').isVisible(), true);
    for (const action of ['heal', 'freeze', 'thaw']) assert.equal(await page.getByTestId(`action-${action}`).isDisabled(), true, `${action} should be disabled`);
    // The server refuses an action too (the buttons being off is not the protection).
    const refused = await fetch(`${observer.url.replace(/\/$/, '')}/api/action`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'heal' }) });
    assert.equal(refused.status, 403);
    await context.close();
  });
});

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SMALL_FILE = 'test/fixtures/mesh-small.yaml';

/** An Output that keeps the lines. */
function captured(): Output & { readonly outLines: string[]; readonly errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (line) => outLines.push(line), err: (line) => errLines.push(line) };
}

describe('actormesh run --observe', function () {
  this.timeout(60_000);

  it('refuses a bad HOST:PORT, or a token without --observe, with a clear error', async () => {
    for (const bad of ['nope', '127.0.0.1', '127.0.0.1:99999', ':8080', '127.0.0.1:http']) {
      const output = captured();
      assert.equal(await main(['node', 'actormesh', 'run', SMALL_FILE, '--observe', bad], output), 1, bad);
      assert.match(output.errLines.join('\n'), /--observe <host:port>.*expected HOST:PORT such as 127\.0\.0\.1:8080/s, bad);
    }
    const output = captured();
    assert.equal(await main(['node', 'actormesh', 'run', SMALL_FILE, '--observe-token', 'secret'], output), 1);
    assert.match(output.errLines.join('\n'), /--observe-token <token>' needs '--observe <host:port>'/);
  });

  it('observes the run from its start, then keeps the mesh up and observed until told to stop', async () => {
    const output = captured();
    const stop = deferred();
    let url = '';
    const done = runFile(SMALL_FILE, { duration: 300, seed: 1, chaosRate: 0.5, speedup: 1000, quiet: true, observe: { host: '127.0.0.1', port: 0 }, observeToken: TOKEN }, output, {
      onObserving: (u) => {
        url = u.replace(/\/$/, '');
      },
      stopObserving: stop.promise,
    });
    await eventually(() => output.errLines.some((line) => line.includes('the run is over')), 'the run to finish', 30_000);
    assert.ok(url.startsWith('http://127.0.0.1:'), url);
    assert.ok(output.errLines[0]!.startsWith(`observer: ${url}`), output.errLines[0]);
    assert.match(output.outLines.join('\n'), /coordination_success_rate/); // the run printed its tables as usual

    // After the job: the mesh is still there, with the run's KPI table and its restarts.
    const snapshot = (await (await fetch(`${url}/api/snapshot`)).json()) as { heatmap: unknown[]; kpis: Array<{ kpi: string; value: number | null }>; restarts: number; actionsEnabled: boolean };
    assert.equal(snapshot.heatmap.length, 4);
    assert.equal(snapshot.actionsEnabled, true);
    assert.notEqual(snapshot.kpis.find((k) => k.kpi === 'cascade_latency_p95')?.value ?? null, null);
    assert.ok(snapshot.restarts > 0, 'the chaos phase restarted agents while observed');
    const freeze = await fetch(`${url}/api/action`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'freeze', path: '/user/orchestrator/sector-0' }) });
    assert.equal(freeze.status, 200);
    assert.match(((await freeze.json()) as { text: string }).text, /sector-0 is frozen/);

    stop.resolve();
    assert.equal(await done, 0);
    await assert.rejects(fetch(`${url}/api/snapshot`)); // closed
  });

  it('as a process: prints the URL on stderr and exits 0 on SIGTERM after the run', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', SMALL_FILE, '--quiet', '--duration', '200', '--observe', '127.0.0.1:0'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually(() => stderr.includes('the run is over'), 'the run to finish', 30_000);
      const url = /observer: (http:\/\/\S+)/.exec(stderr)![1]!.replace(/\/$/, '');
      assert.match(stderr, /read-only: no --observe-token/);
      const snapshot = (await (await fetch(`${url}/api/snapshot`)).json()) as { heatmap: unknown[]; actionsEnabled: boolean };
      assert.equal(snapshot.heatmap.length, 4);
      assert.equal(snapshot.actionsEnabled, false);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('actors/mesh/observer-adapter', () => {
  afterEach(terminateAll);

  it('checks its arguments, and names what was wrong', async () => {
    const { system, tree, adapter } = await startMesh();
    adapter.close();
    const meshConsole = new MeshConsole(system, tree);
    assert.throws(() => meshObserver({} as ActorSystem, tree, meshConsole), /meshObserver: system must be an ActorSystem/);
    assert.throws(() => meshObserver(system, {} as TreeHandle, meshConsole), /meshObserver: tree must be the handle spawnTree returned/);
    assert.throws(() => meshObserver(system, tree, {} as MeshConsole), /meshObserver: console must be a MeshConsole/);
    assert.throws(() => meshObserver(system, tree, meshConsole, { sampleMs: 0 }), /options\.sampleMs must be a finite number of ms > 0 \(got 0\)/);
    assert.throws(() => meshObserver(system, tree, meshConsole, { kpis: 'x' as never }), /options\.kpis must be a function/);
    const ok = meshObserver(system, tree, meshConsole, { mode: () => 'EMERGENCY', kpis: () => undefined });
    try {
      assert.equal(ok.mode(), 'EMERGENCY');
      assert.equal(ok.kpis().length, 8); // its own table when the source has none
      await assert.rejects(ok.act({ action: 'explode' as never }), /action must be 'heal', 'freeze' or 'thaw' \(got 'explode'\)/);
      const noPath = await ok.act({ action: 'freeze' });
      assert.equal(noPath.ok, false);
      assert.match(noPath.text, /freeze needs the path of a sector or cluster/);
    } finally {
      ok.close();
    }
  });

  it('lateMeshObserver: empty and refusing until bound, then the bound adapter', async () => {
    const late = lateMeshObserver();
    assert.deepEqual(late.mesh.heatmap(), []);
    assert.equal(late.mesh.mode(), null);
    assert.equal((await late.mesh.act({ action: 'heal' })).ok, false);
    const { adapter } = await startMesh();
    late.bind(adapter);
    assert.throws(() => late.bind(adapter), /already bound/);
    assert.equal(late.mesh.heatmap().length, SECTORS * CLUSTERS);
    assert.equal((await late.mesh.act({ action: 'heal' })).ok, true);
    late.close();
  });
});
