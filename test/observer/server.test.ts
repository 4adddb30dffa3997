import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ObserverModel, TreeIndex, attachObserver, summariseEvent } from '../../src/index.js';
import { defaultAssetsDir } from '../../src/observer/index.js';
import type {
  ActionRequest,
  ActorContext,
  ActorSystem,
  LogEntry,
  Observer,
  ObserverActionEvent,
  ObserverMesh,
  ObserverOptions,
  ObserverSnapshot,
  TreeLevel,
  TreeSearch,
} from '../../src/index.js';
import { deferred, eventually, quietSystem, recordEvents, terminateAll } from '../support/helpers.js';

const observers: Observer[] = [];
let tempDirs: string[] = [];

afterEach(async () => {
  await Promise.all(observers.splice(0).map((observer) => observer.close()));
  await terminateAll();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs = [];
});

async function observe(system: ActorSystem, options: ObserverOptions = {}): Promise<Observer> {
  const observer = await attachObserver(system, { processMetrics: true, ...options });
  observers.push(observer);
  return observer;
}

async function getJson<T>(observer: Observer, route: string): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(route, observer.url));
  return { status: response.status, body: (await response.json()) as T };
}

/** A raw request (fetch would normalise the path, hiding what a hostile client can send). */
function rawGet(observer: Observer, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: observer.host, port: observer.port, path: rawPath, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

type Msg = { type: 'fail' } | { type: 'block'; until: Promise<void> } | { type: 'noop' } | { type: 'echo'; replyTo: { tell(v: string): void } };

/** An actor whose type name is 'agent'. */
function agent(): (message: Msg) => void | Promise<void> {
  return (message) => {
    if (message.type === 'fail') throw new Error('planned agent failure');
    if (message.type === 'block') return message.until; // the mailbox fills behind it
    if (message.type === 'echo') message.replyTo.tell('pong');
  };
}

function clusterLead(ctx: ActorContext<Msg>, size: number): () => void {
  for (let i = 0; i < size; i++) ctx.spawn(agent, { name: `a${i}` });
  return () => {};
}

function region(ctx: ActorContext<Msg>, props: { clusters: number; size: number }): () => void {
  for (let c = 0; c < props.clusters; c++) ctx.spawn(clusterLead, { name: `c${c}`, props: props.size });
  return () => {};
}

describe('observer server (issue 10)', () => {
  it('closes with its system: after terminate() the port refuses connections', async () => {
    const system = quietSystem({ name: 'ends' });
    const observer = await observe(system);
    assert.equal((await getJson<ObserverSnapshot>(observer, '/api/snapshot')).body.system, 'ends');
    await system.terminate();
    // Closing follows the termination (a promise reaction): give it a few turns, never a fixed sleep as the check.
    let refused = false;
    for (let i = 0; i < 40 && !refused; i++) {
      refused = await fetch(new URL('/api/snapshot', observer.url)).then(
        () => false,
        () => true,
      );
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(refused, 'the observer still answers after its system terminated');
  });

  it('binds to 127.0.0.1 by default; the snapshot has the contract shape and its counters follow restarts', async () => {
    const system = quietSystem({ name: 'snap' });
    const observer = await observe(system);
    assert.equal(observer.host, '127.0.0.1');
    assert.match(observer.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(observer.port > 0);

    const first = (await getJson<ObserverSnapshot>(observer, '/api/snapshot')).body;
    assert.deepEqual(Object.keys(first).sort(), ['actionsEnabled', 'actors', 'breakers', 'deadLetters', 'heatmap', 'kpis', 'messagesPerSecond', 'mode', 'restarts', 'series', 'system', 'timestamp'].sort());
    assert.equal(first.system, 'snap');
    assert.equal(first.actors, 3, 'root, /user, /system');
    assert.equal(first.restarts, 0);
    assert.equal(first.mode, null);
    assert.deepEqual(first.heatmap, []);
    assert.deepEqual(first.kpis, []);
    assert.equal(first.actionsEnabled, false);
    assert.deepEqual(Object.keys(first.series).sort(), ['deadLetters', 'messages', 'restarts', 't']);

    const ref = system.spawn(agent, { name: 'flaky' });
    for (let i = 0; i < 3; i++) ref.tell({ type: 'fail' });
    let snapshot = first;
    async function refresh(): Promise<void> {
      snapshot = (await getJson<ObserverSnapshot>(observer, '/api/snapshot')).body;
    }
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      await refresh();
      const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
      if (snapshot.restarts === 3 && sum(snapshot.series.restarts) === 3 && sum(snapshot.series.deadLetters) === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(snapshot.restarts, 3);
    assert.equal(snapshot.actors, 4);
    assert.equal(snapshot.deadLetters, 3, 'each failing message is a dead letter');
    assert.ok(snapshot.series.t.length >= 1, 'a per-second point after a second');
    assert.equal(snapshot.series.restarts.reduce((a, b) => a + b, 0), 3, 'restarts in the per-second series');
    assert.equal(snapshot.series.deadLetters.reduce((a, b) => a + b, 0), 3, 'dead letters in the per-second series');
    assert.equal(snapshot.series.t.length, snapshot.series.messages.length);
  });

  it('serves the tree level by level with correct subtree counts, and searches it', async () => {
    const system = quietSystem();
    const observer = await observe(system, { treeCacheMs: 0 });
    system.spawn(region, { name: 'r0', props: { clusters: 4, size: 50 } });
    system.spawn(region, { name: 'r1', props: { clusters: 3, size: 30 } });
    await eventually(() => system.actorTotal === 3 + 1 + 4 + 200 + 1 + 3 + 90, 'the tree spawned');

    // Three restarts in r0/c0, five messages queued behind a blocked agent in r0/c1.
    const c0a1 = system.lookup('/user/r0/c0/a1')!;
    for (let i = 0; i < 3; i++) c0a1.tell({ type: 'fail' });
    const gate = deferred();
    const c1a7 = system.lookup('/user/r0/c1/a7')!;
    c1a7.tell({ type: 'block', until: gate.promise });
    for (let i = 0; i < 5; i++) c1a7.tell({ type: 'noop' });
    let r0: TreeLevel | undefined;
    try {
      await eventually(() => system.inspect('/user/r0/c0/a1')?.restarts === 3 && system.inspect('/user/r0/c1/a7')?.mailbox === 5, 'restarts and a queue');

      const root = (await getJson<TreeLevel>(observer, '/api/tree')).body;
      assert.equal(root.node.path, '/');
      assert.equal(root.node.descendants, system.actorTotal - 1);
      assert.deepEqual(root.children.map((c) => c.path), ['/user', '/system']);
      assert.equal(root.node.subtreeRestarts, 3);
      assert.equal(root.node.subtreeMailbox, 5);

      r0 = (await getJson<TreeLevel>(observer, '/api/tree?path=/user/r0')).body;
      assert.equal(r0.node.type, 'region');
      assert.equal(r0.node.children, 4);
      assert.equal(r0.node.descendants, 204);
      assert.equal(r0.node.subtreeRestarts, 3);
      assert.equal(r0.node.subtreeMailbox, 5);
      assert.deepEqual(r0.children.map((c) => c.name), ['c0', 'c1', 'c2', 'c3']);
      for (const child of r0.children) {
        assert.equal(child.type, 'clusterLead');
        assert.equal(child.children, 50);
        assert.equal(child.descendants, 50);
      }
      assert.deepEqual(r0.children.map((c) => c.subtreeRestarts), [3, 0, 0, 0]);
      assert.deepEqual(r0.children.map((c) => c.subtreeMailbox), [0, 5, 0, 0]);

      const c1 = (await getJson<TreeLevel>(observer, '/api/tree?path=/user/r0/c1')).body;
      const a7 = c1.children.find((c) => c.name === 'a7')!;
      assert.deepEqual({ ...a7 }, { path: '/user/r0/c1/a7', name: 'a7', type: 'agent', mailbox: 5, restarts: 0, children: 0, descendants: 0, subtreeRestarts: 0, subtreeMailbox: 5 });

      const cut = (await getJson<TreeLevel>(observer, '/api/tree?path=/user/r0/c0&limit=10')).body;
      assert.equal(cut.children.length, 10, 'limit cuts the level');
      assert.equal(cut.node.children, 50, 'node.children still counts all');

      const missing = await getJson<{ error: string }>(observer, '/api/tree?path=/user/nobody');
      assert.equal(missing.status, 404);
      assert.match(missing.body.error, /no live actor at '\/user\/nobody'/);

      const few = (await getJson<TreeSearch>(observer, '/api/search?q=r1/c2/a2')).body;
      assert.deepEqual(few.paths, ['/user/r1/c2/a2', ...Array.from({ length: 10 }, (_, i) => `/user/r1/c2/a2${i}`)], 'a2, a20..a29 in spawn order');
      assert.equal(few.truncated, false);
      const many = (await getJson<TreeSearch>(observer, '/api/search?q=/A')).body;
      assert.equal(many.paths.length, 100);
      assert.equal(many.truncated, true, 'case-insensitive, 290 agents match');
      const none = (await getJson<TreeSearch>(observer, '/api/search?q=nothing-here')).body;
      assert.deepEqual(none, { query: 'nothing-here', paths: [], truncated: false });
      assert.equal((await getJson(observer, '/api/search')).status, 400);
    } finally {
      gate.resolve();
    }
  });

  it('reuses one tree walk for the cache time', () => {
    const system = quietSystem();
    let now = 1000;
    const index = new TreeIndex(system, { cacheMs: 500, now: () => now });
    const first = index.walk();
    now += 499;
    assert.equal(index.walk(), first, 'within the cache time');
    now += 1;
    assert.notEqual(index.walk(), first, 'a new walk after it');
    assert.equal(first.size, 3);
    assert.deepEqual(first.paths(), ['/', '/user', '/system']);
  });

  it('streams snapshots and log batches over server-sent events', async () => {
    const system = quietSystem({ name: 'sse' });
    const observer = await observe(system, { sampleMs: 100 });
    const events: Array<{ event: string; data: string }> = [];
    let comments = 0;
    const req = http.get({ host: observer.host, port: observer.port, path: '/events' });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    let buffer = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(':')) comments++;
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data });
      }
    });
    try {
      await eventually(() => events.some((e) => e.event === 'snapshot'), 'a first snapshot');
      const ref = system.spawn(agent, { name: 'watched' });
      ref.tell({ type: 'fail' });
      const logged = (): LogEntry[] => events.filter((e) => e.event === 'log').flatMap((e) => JSON.parse(e.data) as LogEntry[]);
      await eventually(() => logged().some((entry) => entry.type === 'actor-restarted' && entry.path === '/user/watched'), 'the restart in a log batch', 3000);
      const entry = logged().find((e) => e.type === 'actor-restarted')!;
      assert.match(entry.text, /planned agent failure/);
      assert.ok(entry.seq > 0 && entry.timestamp > 0);
      const seqs = logged().map((e) => e.seq);
      assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'each line once, in order');
      const snapshots = events.filter((e) => e.event === 'snapshot').map((e) => JSON.parse(e.data) as ObserverSnapshot);
      await eventually(() => events.filter((e) => e.event === 'snapshot').length >= 3, 'a snapshot every sampleMs', 2000);
      assert.equal(snapshots[0]!.system, 'sse');
      assert.ok(comments >= 0);
    } finally {
      req.destroy();
    }
  });

  it('sends heartbeat comments and drops a client that disconnects', async () => {
    const system = quietSystem();
    const observer = await observe(system, { sampleMs: 5000, heartbeatMs: 100 });
    const req = http.get({ host: observer.host, port: observer.port, path: '/events' });
    const response = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    await eventually(() => /^: heartbeat \d+$/m.test(text), 'a heartbeat comment', 2000);
    req.destroy();
    // The observer closes promptly: nothing of the dropped stream holds it.
    const started = Date.now();
    await observer.close();
    assert.ok(Date.now() - started < 1000);
  });

  it('serves /metrics in Prometheus text format with the named series', async () => {
    const system = quietSystem({ name: 'prom' });
    const observer = await observe(system);
    const echo = system.spawn(agent, { name: 'echo' });
    for (let i = 0; i < 5; i++) assert.equal(await echo.ask<string>((replyTo) => ({ type: 'echo', replyTo })), 'pong');
    const flaky = system.spawn(agent, { name: 'flaky' });
    flaky.tell({ type: 'fail' });
    flaky.tell({ type: 'fail' });
    system.publish({ type: 'circuit-changed', timestamp: Date.now(), path: '/user/echo', level: 'cluster', from: 'closed', to: 'open' });
    await eventually(() => system.inspect('/user/flaky')?.restarts === 2, 'two restarts');

    const response = await fetch(new URL('/metrics', observer.url));
    assert.equal(response.status, 200);
    assert.match(String(response.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(await response.text());
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

    assert.equal(value('actormesh_actors_alive', { system: 'prom' }), system.actorTotal);
    assert.ok(value('actormesh_messages_processed_total')! >= 7, 'asks and failures handled');
    assert.ok(value('actormesh_messages_per_second') !== undefined);
    assert.equal(value('actormesh_mailbox_depth_count'), system.actorTotal, 'one observation per live actor');
    assert.equal(value('actormesh_mailbox_depth_bucket', { le: '0' }), system.actorTotal, 'all mailboxes empty');
    assert.equal(value('actormesh_restarts_total'), 2);
    assert.equal(value('actormesh_dead_letters_total'), 2);
    assert.equal(value('actormesh_circuit_breaker_state', { path: '/user/echo', level: 'cluster', state: 'open' }), 1);
    assert.equal(value('actormesh_circuit_breaker_state', { path: '/user/echo', state: 'closed' }), 0);
    assert.equal(value('actormesh_ask_latency_seconds_count', { outcome: 'replied' }), 5);
    assert.equal(value('actormesh_ask_latency_seconds_count', { outcome: 'failed' }), 0);
    const silent = system.spawn(() => () => {}, { name: 'silent' });
    await assert.rejects(silent.ask((replyTo) => ({ type: 'echo', replyTo }), { timeoutMs: 50 }), /timed out|timeout/i);
    const again = parsePrometheus(await (await fetch(new URL('/metrics', observer.url))).text());
    assert.equal(again.find((s) => s.name === 'actormesh_ask_latency_seconds_count' && s.labels['outcome'] === 'failed')?.value, 1, 'a timed-out ask counts as failed');
    const latencySum = value('actormesh_ask_latency_seconds_sum', { outcome: 'replied' })!;
    assert.ok(latencySum > 0 && latencySum < 5, `plausible ask latency sum (${latencySum} s)`);
    assert.ok(value('process_cpu_user_seconds_total')! > 0, 'default process metrics');
  });

  it('refuses actions without the token (401), with a wrong one (403), when read-only (403); performs them with it', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const calls: ActionRequest[] = [];
    const mesh: ObserverMesh = {
      heatmap: () => [{ sector: 's0', cluster: 'c0', path: '/user/s0/c0', impedance: 420, mailbox: 3, agents: 10, breaker: 'closed', frozen: false }],
      kpis: () => [{ kpi: 'uptime', value: 0.99, target: '>= 0.95', met: true }],
      mode: () => 'FULL',
      act: async (request) => {
        calls.push(request);
        return { ok: true, action: request.action, path: request.path ?? '/', text: `${request.action} done` };
      },
    };
    const observer = await observe(system, { token: 'sekret', mesh });
    const post = (body: unknown, authorization?: string) =>
      fetch(new URL('/api/action', observer.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(authorization === undefined ? {} : { Authorization: authorization }) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    assert.equal((await post({ action: 'heal' })).status, 401);
    assert.equal((await post({ action: 'heal' }, 'Bearer wrong')).status, 403);
    assert.equal((await post({ action: 'heal' }, 'Basic c2VrcmV0')).status, 401);
    assert.equal((await post({ action: 'explode' }, 'Bearer sekret')).status, 400);
    assert.equal((await post('{not json', 'Bearer sekret')).status, 400);
    assert.equal((await post({ action: 'freeze', path: 'relative' }, 'Bearer sekret')).status, 400);
    assert.deepEqual(calls, [], 'nothing reached the mesh');

    const ok = await post({ action: 'freeze', path: '/user/s0' }, 'Bearer sekret');
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ok: true, action: 'freeze', path: '/user/s0', text: 'freeze done' });
    assert.deepEqual(calls, [{ action: 'freeze', path: '/user/s0' }]);
    assert.equal((await fetch(new URL('/api/action', observer.url))).status, 405);

    await eventually(() => events.filter((e) => e.type === 'observer-action').length === 7, 'an event per decision');
    const actionEvents = events.filter((e) => e.type === 'observer-action') as unknown as ObserverActionEvent[];
    const outcomes = actionEvents.map((e) => `${e.status} ${e.outcome}`);
    assert.deepEqual(outcomes, ['401 refused', '403 refused', '401 refused', '400 refused', '400 refused', '400 refused', '200 performed']);
    const performed = actionEvents.find((e) => e.outcome === 'performed')!;
    assert.equal(performed.path, '/user/s0');

    const snapshot = (await getJson<ObserverSnapshot>(observer, '/api/snapshot')).body;
    assert.equal(snapshot.actionsEnabled, true);
    assert.equal(snapshot.mode, 'FULL');
    assert.equal(snapshot.heatmap[0]!.impedance, 420);
    assert.equal(snapshot.kpis[0]!.kpi, 'uptime');
    assert.ok(!JSON.stringify(snapshot).includes('sekret'), 'the token is never sent');

    // Read-only: no token given, so even a plausible one is refused.
    const readOnly = await observe(quietSystem(), { mesh });
    const refused = await fetch(new URL('/api/action', readOnly.url), { method: 'POST', headers: { Authorization: 'Bearer sekret' }, body: '{"action":"heal"}' });
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: string }).error, /read-only/);
    assert.equal(calls.length, 1);

    // A token but no mesh.
    const meshless = await observe(quietSystem(), { token: 't' });
    const noMesh = await fetch(new URL('/api/action', meshless.url), { method: 'POST', headers: { Authorization: 'Bearer t' }, body: '{"action":"heal"}' });
    assert.equal(noMesh.status, 400);
    assert.deepEqual(await noMesh.json(), { error: 'no mesh attached' });
  });

  it('serves static assets with their content types and refuses path traversal and foreign Host headers', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'observer-assets-'));
    tempDirs.push(base);
    const assets = path.join(base, 'assets');
    mkdirSync(assets);
    writeFileSync(path.join(assets, 'index.html'), '<!doctype html><title>observer</title>');
    writeFileSync(path.join(assets, 'app.js'), 'console.log(1);');
    writeFileSync(path.join(assets, 'style.css'), 'body{}');
    writeFileSync(path.join(base, 'secret.txt'), 'TOP SECRET');
    const observer = await observe(quietSystem(), { assetsDir: assets });

    const page = await rawGet(observer, '/');
    assert.equal(page.status, 200);
    assert.equal(page.type, 'text/html; charset=utf-8');
    assert.match(page.body, /<title>observer<\/title>/);
    assert.equal((await rawGet(observer, '/assets/app.js')).type, 'text/javascript; charset=utf-8');
    assert.equal((await rawGet(observer, '/assets/style.css')).type, 'text/css; charset=utf-8');
    assert.equal((await rawGet(observer, '/assets/nope.js')).status, 404);

    for (const attack of ['/assets/../secret.txt', '/assets/..%2fsecret.txt', '/assets/..%2Fsecret.txt', '/assets/%2e%2e%2fsecret.txt', '/assets/..%5csecret.txt', '/assets/%2e%2e/secret.txt', '/assets//etc/passwd', '/assets/%2fetc%2fpasswd', '/assets/app.js%00.css']) {
      const result = await rawGet(observer, attack);
      assert.ok(result.status === 403 || result.status === 404, `${attack} refused (got ${result.status})`);
      assert.ok(!result.body.includes('TOP SECRET'), `${attack} leaked nothing`);
    }
    assert.equal((await rawGet(observer, '/assets/..%2fsecret.txt')).status, 403);

    const rebound = await rawGet(observer, '/api/snapshot', { Host: 'evil.example:80' });
    assert.equal(rebound.status, 403, 'a loopback observer answers only to loopback host names');
    assert.equal((await rawGet(observer, '/api/snapshot', { Host: `localhost:${observer.port}` })).status, 200);
    assert.equal((await rawGet(observer, '/no/such/route')).status, 404);
  });

  it('keeps the last 1,000 log lines, hands out batches of at most the newest N, and never logs payloads', () => {
    const system = quietSystem();
    const model = new ObserverModel(system);
    try {
      for (let i = 0; i < 1500; i++) system.publish({ type: 'x:test', timestamp: Date.now(), path: `/user/p${i}`, n: i, payload: { big: 'x'.repeat(10_000) } });
      assert.equal(model.lastSeq, 1500);
      const batch = model.logSince(0, 200);
      assert.equal(batch.length, 200);
      assert.deepEqual([batch[0]!.seq, batch[199]!.seq], [1301, 1500], 'the newest 200');
      assert.equal(model.logSince(0, 5000).length, 1000, 'the ring holds 1,000');
      assert.deepEqual(model.logSince(1498, 200).map((e) => e.seq), [1499, 1500]);
      assert.equal(batch[199]!.text, 'n=1499', 'extension events: primitive fields only');
    } finally {
      model.close();
    }
    const text = summariseEvent({ type: 'dead-letter', timestamp: 1, path: '/user/a', message: { type: 'order', card: '4111-1111' }, messageType: 'order', reason: 'mailbox-full', wasAsk: true });
    assert.equal(text, 'dead letter order (mailbox-full), ask rejected');
    const long = summariseEvent({ type: 'actor-failed', timestamp: 1, path: '/user/a', error: new Error('e'.repeat(5000)), messageType: 'm' });
    assert.ok(long.length <= 240);
  });

  it('the kernel inspection API: types, counts, unknown paths, ask listeners', async () => {
    const system = quietSystem();
    system.spawn(region, { name: 'r', props: { clusters: 2, size: 3 } });
    await eventually(() => system.actorTotal === 3 + 1 + 2 + 6, 'spawned');
    const r = system.inspect('/user/r')!;
    assert.deepEqual([r.path, r.name, r.type, r.mailbox, r.restarts, r.childCount], ['/user/r', 'r', 'region', 0, 0, 2]);
    assert.deepEqual(r.children().map((c) => `${c.name}:${c.type}:${c.childCount}`), ['c0:clusterLead:3', 'c1:clusterLead:3']);
    assert.equal(system.inspect()!.path, '/');
    assert.equal(system.inspect('/user/nobody'), undefined);
    assert.throws(() => system.inspect('user/r'), /inspect needs an absolute path/);
    const seen: boolean[] = [];
    const remove = system.onAskSettled((_ms, replied) => seen.push(replied));
    const echo = system.spawn(agent, { name: 'echo' });
    await echo.ask((replyTo) => ({ type: 'echo', replyTo }));
    remove();
    await echo.ask((replyTo) => ({ type: 'echo', replyTo }));
    assert.deepEqual(seen, [true], 'told once, and not after removal');
  });

  it('finds its assets beside its source', () => {
    assert.equal(path.basename(defaultAssetsDir()), 'assets');
    assert.equal(path.basename(path.dirname(defaultAssetsDir())), 'observer');
  });

  it('rejects bad options naming them', async () => {
    const system = quietSystem();
    await assert.rejects(attachObserver(system, { port: 70000 }), /options\.port/);
    await assert.rejects(attachObserver(system, { sampleMs: 1 }), /options\.sampleMs/);
    await assert.rejects(attachObserver(system, { token: '' }), /options\.token/);
  });
});

/** A small parser of the Prometheus text format (samples only; comments skipped). */
function parsePrometheus(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    assert.ok(match !== null, `a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}
