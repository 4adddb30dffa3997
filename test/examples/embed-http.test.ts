import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { ActorSystem } from '../../src/index.js';
import type { RuntimeEvent } from '../../src/index.js';
import { createService } from '../../examples/embed-http/service.js';
import type { Service, ServiceOptions } from '../../examples/embed-http/service.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Root, /user, /system, /user/counters, /user/worker. */
const BASE_ACTORS = 5;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

/** One HTTP request; a string body is sent as is, anything else as JSON. */
async function call(base: Service | string, method: string, path: string, body?: unknown): Promise<Answer> {
  const url = (typeof base === 'string' ? base : base.url) + path;
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(url, init);
  const text = await res.text();
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${method} ${path} answered ${res.status} without JSON: ${text}`);
  return { status: res.status, headers: res.headers, body: JSON.parse(text) };
}

/** Waits until `condition` holds (polled every 5 ms), failing after `timeoutMs`. */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 1500): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Opens (and drops) a fresh TCP connection: 'connected', or the error code. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('examples/embed-http', () => {
  const started: Service[] = [];

  async function start(options: ServiceOptions = {}): Promise<Service> {
    const service = await createService({ port: 0, logLevel: 'silent', ...options });
    started.push(service);
    return service;
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((service) => service.close()));
  });

  it('GET /health answers 200 with the number of live actors', async () => {
    const service = await start();
    const res = await call(service, 'GET', '/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok', system: 'embed-http', actors: BASE_ACTORS, inFlight: 0 });
  });

  it('POST /counters/:name/increment spawns a class-actor counter on first use; GET /counters/:name asks it', async () => {
    const service = await start();
    assert.equal(service.system.lookup('/user/counters/apples'), undefined);

    const first = await call(service, 'POST', '/counters/apples/increment');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { name: 'apples', value: 1 });
    assert.ok(service.system.lookup('/user/counters/apples'), 'the counter actor exists after the first increment');

    const second = await call(service, 'POST', '/counters/apples/increment', { by: 5 });
    assert.deepEqual([second.status, second.body], [200, { name: 'apples', value: 6 }]);

    const read = await call(service, 'GET', '/counters/apples');
    assert.deepEqual([read.status, read.body], [200, { name: 'apples', value: 6 }]);

    // Counters are independent, and reading does not spawn.
    await call(service, 'POST', '/counters/pears/increment', { by: -2 });
    assert.deepEqual((await call(service, 'GET', '/counters/pears')).body, { name: 'pears', value: -2 });
    assert.deepEqual((await call(service, 'GET', '/counters/apples')).body, { name: 'apples', value: 6 });
    assert.equal(service.system.actorTotal, BASE_ACTORS + 2);
    assert.equal(service.lifecycle.incarnations('/user/counters/apples'), 1);
  });

  it('counts every one of 100 concurrent increments of a new counter (exactly one counter is spawned)', async () => {
    const service = await start();
    const answers = await Promise.all(Array.from({ length: 100 }, () => call(service, 'POST', '/counters/busy/increment')));
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 200),
    );
    // Each increment saw a distinct value: none was lost or applied twice.
    const values = answers.map((a) => a.body.value as number).sort((a, b) => a - b);
    assert.deepEqual(values, Array.from({ length: 100 }, (_, i) => i + 1));
    assert.deepEqual((await call(service, 'GET', '/counters/busy')).body, { name: 'busy', value: 100 });
    assert.equal(service.lifecycle.incarnations('/user/counters/busy'), 1);
    assert.equal(service.system.actorTotal, BASE_ACTORS + 1);
  });

  it('answers 404 for an unknown route or counter and 405 (with Allow) for a wrong method, as JSON', async () => {
    const service = await start();
    const unknown = await call(service, 'GET', '/nope');
    assert.deepEqual([unknown.status, unknown.body], [404, { error: 'NotFound', message: 'no route for GET /nope' }]);

    const trailing = await call(service, 'POST', '/counters/a/increment/');
    assert.equal(trailing.status, 404);

    const counter = await call(service, 'GET', '/counters/ghost');
    assert.deepEqual([counter.status, counter.body], [404, { error: 'NoSuchCounter', message: "no counter named 'ghost' (increment it first)" }]);

    const method = await call(service, 'DELETE', '/counters/a');
    assert.equal(method.status, 405);
    assert.equal(method.headers.get('allow'), 'GET');
    assert.equal(method.body.error, 'MethodNotAllowed');
  });

  it('answers 400 with the InvalidActorNameError message for an invalid counter name, and spawns nothing', async () => {
    const service = await start();
    const space = await call(service, 'POST', '/counters/bad%20name/increment');
    assert.equal(space.status, 400);
    assert.deepEqual(space.body, {
      error: 'InvalidActorNameError',
      message: "invalid actor name 'bad name' under '/user/counters': character ' ' is not allowed (use letters, digits and -_.~:@+=)",
    });

    const reserved = await call(service, 'POST', '/counters/$x/increment');
    assert.equal(reserved.status, 400);
    assert.equal(reserved.body.error, 'InvalidActorNameError');
    assert.match(reserved.body.message, /^invalid actor name '\$x' under '\/user\/counters': names starting with '\$' are reserved/);

    const slash = await call(service, 'POST', '/counters/a%2Fb/increment');
    assert.equal(slash.status, 400);
    assert.match(slash.body.message, /character '\/' is not allowed/);

    const malformed = await call(service, 'GET', '/counters/%E0%A4%A');
    assert.deepEqual([malformed.status, malformed.body.error], [400, 'InvalidPath']);

    assert.equal(service.system.actorTotal, BASE_ACTORS);
    assert.equal((await call(service, 'GET', '/health')).status, 200, 'the registry kept working (it was not restarted)');
    assert.equal(service.lifecycle.incarnations('/user/counters'), 1);
  });

  it('answers 400 for a body that is not JSON or not the expected shape, and 413 for one too large', async () => {
    const service = await start({ maxBodyBytes: 64 });
    const badJson = await call(service, 'POST', '/counters/a/increment', '{oops');
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body.error, 'InvalidJson');
    assert.match(badJson.body.message, /^request body is not valid JSON: /);

    const array = await call(service, 'POST', '/counters/a/increment', '[1]');
    assert.deepEqual([array.status, array.body.error], [400, 'InvalidBody']);

    const fraction = await call(service, 'POST', '/counters/a/increment', { by: 1.5 });
    assert.deepEqual([fraction.status, fraction.body], [400, { error: 'InvalidBody', message: "'by' must be an integer (got 1.5)" }]);

    const delay = await call(service, 'POST', '/jobs', { delayMs: -1 });
    assert.deepEqual([delay.status, delay.body.error], [400, 'InvalidBody']);

    const fail = await call(service, 'POST', '/jobs', { fail: 'yes' });
    assert.deepEqual([fail.status, fail.body.error], [400, 'InvalidBody']);

    const large = await call(service, 'POST', '/counters/a/increment', { by: 1, padding: 'x'.repeat(100) });
    assert.deepEqual([large.status, large.body.error], [413, 'PayloadTooLarge']);

    // None of the rejected requests reached a counter.
    assert.equal((await call(service, 'GET', '/counters/a')).status, 404);
  });

  it('maps an ask that times out to 504 AskTimeoutError', async () => {
    const service = await start({ askTimeoutMs: 150 });
    const t0 = performance.now();
    const res = await call(service, 'POST', '/jobs', { delayMs: 1000 });
    const elapsed = performance.now() - t0;
    assert.equal(res.status, 504);
    assert.deepEqual(res.body, { error: 'AskTimeoutError', message: "ask to '/user/worker' with message 'job' timed out after 150 ms" });
    assert.ok(elapsed >= 140 && elapsed < 800, `answered after ${elapsed.toFixed(0)} ms, not at the 150 ms ask timeout`);
  });

  it('maps a failing actor to 500 AskFailedError; its supervisor restarts it and the next request works', async () => {
    const service = await start();
    const failed = await call(service, 'POST', '/jobs', { fail: true });
    assert.equal(failed.status, 500);
    assert.equal(failed.body.error, 'AskFailedError');
    assert.equal(failed.body.message, "actor '/user/worker' failed while handling 'job': job failed on purpose (worker incarnation 1)");

    const next = await call(service, 'POST', '/jobs', { delayMs: 1 });
    assert.equal(next.status, 200);
    assert.equal(next.body.incarnation, 2, 'a new incarnation of the worker did the job');
    assert.equal(service.lifecycle.incarnations('/user/worker'), 2);
    assert.deepEqual(service.lifecycle.alive, ['/user/counters', '/user/worker']);
  });

  it('close() drains the in-flight request, refuses new connections, then terminates the system (every postStop runs)', async () => {
    const service = await start();
    const { system } = service;
    const stopped: string[] = [];
    system.events$.subscribe((event: RuntimeEvent) => {
      if (event.type === 'actor-stopped') stopped.push(event.path);
    });
    assert.equal((await call(service, 'POST', '/counters/apples/increment')).status, 200);
    assert.equal(await connectOutcome(service.port), 'connected');

    const slow = call(service, 'POST', '/jobs', { delayMs: 300 });
    await until(() => service.inFlight === 1, 'the slow request reached the server');
    const closing = service.close();
    assert.equal(service.close(), closing, 'close() called twice returns the same promise');

    assert.equal(await connectOutcome(service.port), 'ECONNREFUSED');
    assert.equal(system.terminated, false, 'the system is not terminated while a request is in flight');

    const res = await slow;
    assert.equal(res.status, 200, `the in-flight request completed: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.incarnation, 1);
    assert.equal(res.headers.get('connection'), 'close');

    await closing;
    assert.equal(system.terminated, true);
    assert.equal(system.actorTotal, 0);
    assert.deepEqual(service.lifecycle.seen, ['/user/counters', '/user/counters/apples', '/user/worker']);
    assert.deepEqual(service.lifecycle.alive, [], 'every incarnation that started ran its postStop');
    // Children stop before their parent; the root guardian stops last.
    assert.deepEqual(stopped.slice().sort(), ['/', '/system', '/user', '/user/counters', '/user/counters/apples', '/user/worker']);
    assert.ok(stopped.indexOf('/user/counters/apples') < stopped.indexOf('/user/counters'));
    assert.equal(stopped.at(-1), '/');
    await assert.rejects(fetch(service.url + '/health'), TypeError);
  });

  it('close() cuts off a request that outlasts drainTimeoutMs and still terminates the system', async () => {
    const service = await start({ drainTimeoutMs: 100, askTimeoutMs: 5000 });
    const stuck = call(service, 'POST', '/jobs', { delayMs: 3000 }).then(
      (res) => `answered ${res.status}`,
      () => 'cut off',
    );
    await until(() => service.inFlight === 1, 'the stuck request reached the server');
    const t0 = performance.now();
    await service.close();
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 90 && elapsed < 1000, `close() took ${elapsed.toFixed(0)} ms with drainTimeoutMs 100`);
    assert.equal(await stuck, 'cut off');
    assert.equal(service.system.terminated, true);
    assert.equal(service.system.actorTotal, 0);
    assert.deepEqual(service.lifecycle.alive, []);
  });

  it('createService rejects when the port is taken, and terminates the system it was given', async () => {
    const first = await start();
    const system = ActorSystem.create({ logLevel: 'silent' });
    await assert.rejects(createService({ port: first.port, system }), { code: 'EADDRINUSE' });
    assert.equal(system.terminated, true);
    assert.equal(system.actorTotal, 0);
    assert.equal((await call(first, 'GET', '/health')).status, 200, 'the service holding the port is unaffected');
  });

  it('server.ts prints its URL, serves, drains a request in flight on SIGTERM and exits with code 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/embed-http/server.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      let url = '';
      await until(
        () => {
          if (child.exitCode !== null) assert.fail(`server.ts exited early with ${child.exitCode}: ${stderr}`);
          url = /embed-http listening on (http:\/\/\S+)/.exec(stdout)?.[1] ?? '';
          return url !== '';
        },
        'server.ts printed its URL',
        10_000,
      );

      const health = await call(url, 'GET', '/health');
      assert.deepEqual([health.status, health.body.status], [200, 'ok']);

      const slow = call(url, 'POST', '/jobs', { delayMs: 200 });
      await until(async () => (await call(url, 'GET', '/health')).body.inFlight === 1, 'the slow request reached the server');
      assert.ok(child.kill('SIGTERM'));

      const res = await slow;
      assert.deepEqual([res.status, res.body.incarnation], [200, 1]);
      assert.deepEqual(await exited, { code: 0, signal: null }, `stderr: ${stderr}`);
      assert.match(stdout, /SIGTERM: draining 1 in-flight request\(s\)/);
      assert.match(stdout, /embed-http stopped\n$/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
