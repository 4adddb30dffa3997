/**
 * cluster: the NATS cluster transport (issue 5) between two processes, on a nats-server
 * started for the run by the test fixture (test/support/nats-server.ts, loopback). This
 * process is node n1; node n2 is the child process test/fixtures/cluster-node.ts (its
 * /user/counter and /user/echo actors).
 *
 * Table 1, tell throughput between two processes: N tells `{type:'count', n:1}` to n2's
 * counter, sent in chunks of CHUNK per turn (as actors send: a turn, then the event loop),
 * then one ask for the total; the time runs until the total (which must have grown by N)
 * is back. Each envelope is `[0, '/user/counter', {type:'count', n:1}]` in msgpack.
 *   actormesh  RemoteRef.tell: envelopes batched per node, one frame per batch (64 KiB or the end of the turn)
 *   floor      the raw NATS client (@nats-io/transport-node): one publish per message of the same
 *              envelope bytes (encoded before the clock starts), to a subscriber in a child
 *              process that msgpack-decodes each and sums n; then a request for the sum. What
 *              batching buys is the ratio.
 *   comedy     comedy 2.1.7's multi-process mode: the counter is a `{ mode: 'forked' }` actor (a
 *              child process comedy forks, messages over the Node IPC channel, no broker);
 *              COMEDY_N `send('count', 1)` then `getTotal` until it has them all (fewer messages:
 *              it runs at tens of thousands per second; the rate is per message).
 * Table 2, remote ask latency: ASKS sequential asks `{type:'echo', text, replyTo}` to n2's echo.
 *   actormesh  RemoteRef.ask: reply through a temp ref, one frame each way
 *   floor      nc.request on the same connection setup, the child answers with msgpack `{echo}`
 *   comedy     sendAndReceive('echo') to the forked actor (one hop over IPC, no broker in between)
 *
 * Targets: tells between two processes >= 1,000,000/s; remote ask p50 < 300 us.
 * Run alone: npm run bench -- cluster
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { pack, unpack } from 'msgpackr';
import { ActorSystem } from '../src/index.js';
import { ClusterNode } from '../src/transport/cluster-node.js';
import { NatsTransport } from '../src/transport/nats-transport.js';
import { clusterNodeFixture } from '../test/fixtures/cluster-node.js';
import type { CounterMessage, EchoMessage } from '../test/fixtures/cluster-node.js';
import { startNatsServer } from '../test/support/nats-server.js';
import { block, findRow, fmt, log, now, pushRow, runIfMain, scenario } from './harness.js';
import type { Figures, Metric, Row, ScenarioResult } from './harness.js';
import { abandonComedy, comedySystem } from './peers.js';
import type { ComedyActor, ComedySystem } from './peers.js';

const N = 1_000_000;
const CHUNK = 10_000;
const ASKS = 5_000;
const ROUNDS = 3;
const TIMEOUT_MS = 60_000;
/** The envelope of one tell, as actormesh encodes it (the floor publishes these bytes). */
const ENVELOPE = [0, '/user/counter', { type: 'count', n: 1 }];

const rateMetrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms },
  { key: 'rate', label: 'rate msg/s', format: fmt.rate, ratio: true, normalized: true },
];
const latencyMetrics: Metric[] = [
  { key: 'p50', label: 'p50 us', format: fmt.us, ratio: true, normalized: true },
  { key: 'p99', label: 'p99 us', format: fmt.us, ratio: true, normalized: true },
  { key: 'rate', label: 'rate asks/s', format: fmt.rate },
];

/** A child process that printed `ready`; killed by `stop`. */
interface Child {
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns node with `args` (stdin a pipe: children exit when it closes) and waits for its `ready` line. */
async function spawnReady(args: string[], label: string, env?: NodeJS.ProcessEnv): Promise<Child> {
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${label}: not ready after 20 s; stderr:\n${stderr}`)), 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${label}: exited before ready (code ${proc.exitCode}); stderr:\n${stderr}`));
    });
  });
  return {
    process: proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The fixture node: compiled (dist/) runs as is, the TypeScript source through tsx. */
function startFixture(url: string, node: string): Promise<Child> {
  const file = clusterNodeFixture;
  const args = [...(file.endsWith('.ts') ? ['--import', 'tsx'] : []), file, '--nats', url, '--node', node];
  return spawnReady(args, `cluster node ${node}`);
}

/** The floor's receiver: the raw client in a child process, decoding each message as a node would. */
const RAW_CHILD = `
import { connect } from '@nats-io/transport-node';
import { pack, unpack } from 'msgpackr';
const nc = await connect({ servers: process.env.BENCH_NATS_URL });
let sum = 0;
nc.subscribe('raw.count', { callback: (err, m) => { if (err === null) sum += unpack(m.data)[2].n; } });
nc.subscribe('raw.total', { callback: (err, m) => { if (err === null) m.respond(pack(sum)); } });
nc.subscribe('raw.echo', { callback: (err, m) => { if (err === null) m.respond(pack({ echo: unpack(m.data)[2].text })); } });
await nc.flush();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => void nc.drain().then(() => process.exit(0)));
process.stdout.write('ready\\n');
`;

function startRawChild(url: string): Promise<Child> {
  return spawnReady(['--input-type=module', '-e', RAW_CHILD], 'raw NATS subscriber', { BENCH_NATS_URL: url });
}

const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function latencies(samples: number[], ms: number): Figures {
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5) * 1000, p99: percentile(samples, 0.99) * 1000, rate: (samples.length / ms) * 1000 };
}

// ------------------------------------------------------------------ actormesh

interface Mesh {
  readonly system: ActorSystem;
  readonly node: ClusterNode;
  readonly child: Child;
}

async function startMesh(url: string): Promise<Mesh> {
  const system = ActorSystem.create({ name: 'mesh', node: 'n1', logLevel: 'silent' });
  const node = await ClusterNode.start(system, { transport: new NatsTransport({ servers: url }) });
  const child = await startFixture(url, 'n2');
  const deadline = Date.now() + 10_000;
  while (!node.upNodes().includes('n2')) {
    if (Date.now() > deadline) throw new Error('n1 does not see n2 after 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { system, node, child };
}

async function meshTellRound(mesh: Mesh, n: number): Promise<Figures> {
  const counter = mesh.system.resolve<CounterMessage>('am://mesh@n2/user/counter');
  const before = await counter.ask<number>((replyTo) => ({ type: 'total', replyTo }), { timeoutMs: TIMEOUT_MS });
  const start = now();
  for (let sent = 0; sent < n; ) {
    const end = Math.min(n, sent + CHUNK);
    for (; sent < end; sent++) counter.tell({ type: 'count', n: 1 });
    await yieldTurn();
  }
  const total = await counter.ask<number>((replyTo) => ({ type: 'total', replyTo }), { timeoutMs: TIMEOUT_MS });
  const ms = now() - start;
  if (total !== before + n) throw new Error(`actormesh: total ${total}, expected ${before + n}`);
  return { ms, rate: (n / ms) * 1000 };
}

async function meshAskRound(mesh: Mesh, asks: number): Promise<Figures> {
  const echo = mesh.system.resolve<EchoMessage>('am://mesh@n2/user/echo');
  const samples: number[] = [];
  const start = now();
  for (let i = 0; i < asks; i++) {
    const t = now();
    const reply = await echo.ask<{ echo: string }>((replyTo) => ({ type: 'echo', text: 'ping', replyTo }), { timeoutMs: TIMEOUT_MS });
    samples.push(now() - t);
    if (reply.echo !== 'ping') throw new Error(`actormesh: echo answered ${JSON.stringify(reply)}`);
  }
  return latencies(samples, now() - start);
}

// ------------------------------------------------------------------ floor (raw client)

async function floorTellRound(nc: NatsConnection, n: number): Promise<Figures> {
  const payload = pack(ENVELOPE);
  const before = unpack(await nc.request('raw.total', new Uint8Array(0), { timeout: TIMEOUT_MS }).then((m) => m.data)) as number;
  const start = now();
  for (let sent = 0; sent < n; ) {
    const end = Math.min(n, sent + CHUNK);
    for (; sent < end; sent++) nc.publish('raw.count', payload);
    await yieldTurn();
  }
  const total = unpack((await nc.request('raw.total', new Uint8Array(0), { timeout: TIMEOUT_MS })).data) as number;
  const ms = now() - start;
  if (total !== before + n) throw new Error(`floor: total ${total}, expected ${before + n} (slow consumer?)`);
  return { ms, rate: (n / ms) * 1000 };
}

async function floorAskRound(nc: NatsConnection, asks: number): Promise<Figures> {
  const samples: number[] = [];
  const start = now();
  for (let i = 0; i < asks; i++) {
    const t = now();
    const reply = unpack((await nc.request('raw.echo', pack([0, '/user/echo', { type: 'echo', text: 'ping' }]), { timeout: TIMEOUT_MS })).data) as { echo: string };
    samples.push(now() - t);
    if (reply.echo !== 'ping') throw new Error(`floor: echo answered ${JSON.stringify(reply)}`);
  }
  return latencies(samples, now() - start);
}

// ------------------------------------------------------------------ comedy

const COMEDY_N = 20_000;
const COMEDY_ASKS = 2_000;

/**
 * The forked actor's definition: comedy sends its source to the child process (so no
 * closures, no imports), and proxies `send(topic, ...)` to the method of that name.
 */
class ComedyCounter {
  declare total: number;
  initialize(): void {
    this.total = 0;
  }
  count(n: number): void {
    this.total += n;
  }
  getTotal(): number {
    return this.total;
  }
  echo(text: string): { echo: string } {
    return { echo: text };
  }
}

/** A comedy system with one ComedyCounter in forked mode (its own process, messages over the IPC channel). */
async function startComedy(): Promise<{ system: ComedySystem; actor: ComedyActor }> {
  const system = comedySystem();
  const root = await system.rootActor();
  const actor = await (root.createChild as (d: object, c: object) => Promise<ComedyActor>)(ComedyCounter, { mode: 'forked' });
  return { system, actor };
}

async function comedyTellRound(actor: ComedyActor, n: number): Promise<Figures> {
  const before = await actor.sendAndReceive<number>('getTotal');
  const start = now();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) sends.push(actor.send('count', 1));
  await Promise.all(sends);
  // send() resolves once the message is handed over, and an ask may overtake the last counts: poll.
  let total = await actor.sendAndReceive<number>('getTotal');
  while (total < before + n) total = await actor.sendAndReceive<number>('getTotal');
  const ms = now() - start;
  if (total !== before + n) throw new Error(`comedy: total ${total}, expected ${before + n}`);
  return { ms, rate: (n / ms) * 1000 };
}

async function comedyAskRound(actor: ComedyActor, asks: number): Promise<Figures> {
  const samples: number[] = [];
  const start = now();
  for (let i = 0; i < asks; i++) {
    const t = now();
    const reply = await actor.sendAndReceive<{ echo: string }>('echo', 'ping');
    samples.push(now() - t);
    if (reply.echo !== 'ping') throw new Error(`comedy: echo answered ${JSON.stringify(reply)}`);
  }
  return latencies(samples, now() - start);
}

// ------------------------------------------------------------------ scenario

export async function runCluster(): Promise<ScenarioResult[]> {
  const server = await startNatsServer();
  let mesh: Mesh | undefined;
  let raw: Child | undefined;
  let nc: NatsConnection | undefined;
  let comedyRun: { system: ComedySystem; actor: ComedyActor } | undefined;
  try {
    mesh = await startMesh(server.url);
    raw = await startRawChild(server.url);
    nc = await connect({ servers: server.url });
    comedyRun = await startComedy();
    const comedy = comedyRun;
    const m = mesh;
    const client = nc;
    const envelopeBytes = pack(ENVELOPE).length;
    const tells = await scenario(
      {
        id: 'cluster',
        title: 'cluster: tells between two processes over NATS',
        description: `N=${fmt.size(N)} tells of a ${envelopeBytes}-byte envelope to a counter in another process, ${fmt.int(CHUNK)} per turn, then an ask for the total; nats-server on loopback; median of ${ROUNDS} rounds after 1 warm-up`,
        metrics: rateMetrics,
      },
      async (rows) => {
        const result = await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, (warmup) => meshTellRound(m, warmup ? N / 10 : N));
        pushRow(rows, 'actormesh', N, result, `RemoteRef.tell, batched (${m.node.remoting.counters.framesSent} frames for ${m.node.remoting.counters.envelopesSent} envelopes in all)`);
        const floor = await block({ label: 'floor', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, (warmup) => floorTellRound(client, warmup ? N / 10 : N));
        pushRow(rows, 'floor', N, floor, 'raw client: one publish per message, child subscriber decodes each');
        const comedyResult = await block({ label: 'comedy', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, (warmup) => comedyTellRound(comedy.actor, warmup ? COMEDY_N / 10 : COMEDY_N));
        pushRow(rows, 'comedy', COMEDY_N, comedyResult, 'forked mode: actor.send per message over the IPC channel (no broker), all sends then getTotal');
      },
      (rows) => tellVerdict(rows),
    );
    const asks = await scenario(
      {
        id: 'cluster-ask',
        title: 'cluster: remote ask latency between two processes over NATS',
        description: `${fmt.int(ASKS)} sequential asks to an echo actor in another process; nats-server on loopback; median of ${ROUNDS} rounds after 1 warm-up`,
        metrics: latencyMetrics,
      },
      async (rows) => {
        const result = await block({ label: 'actormesh ask', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, (warmup) => meshAskRound(m, warmup ? ASKS / 5 : ASKS));
        pushRow(rows, 'actormesh', ASKS, result, 'RemoteRef.ask');
        const floor = await block({ label: 'floor request', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, (warmup) => floorAskRound(client, warmup ? ASKS / 5 : ASKS));
        pushRow(rows, 'floor', ASKS, floor, 'raw client nc.request, child answers');
        const comedyResult = await block({ label: 'comedy ask', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, (warmup) => comedyAskRound(comedy.actor, warmup ? COMEDY_ASKS / 5 : COMEDY_ASKS));
        pushRow(rows, 'comedy', COMEDY_ASKS, comedyResult, 'forked mode: sendAndReceive over the IPC channel, one hop (no broker)');
      },
      (rows) => {
        const mesh = findRow(rows, 'actormesh')?.figures;
        const floor = findRow(rows, 'floor')?.figures;
        return [
          {
            target: 'remote ask p50 < 300 us',
            met: mesh?.p50 === undefined ? null : mesh.p50 < 300,
            detail: `p50 ${fmt.us(mesh?.p50 ?? NaN)} us, p99 ${fmt.us(mesh?.p99 ?? NaN)} us (raw request/reply p50 ${fmt.us(floor?.p50 ?? NaN)} us)`,
          },
        ];
      },
    );
    return [tells, asks];
  } finally {
    if (comedyRun !== undefined) {
      await comedyRun.system.destroy().catch((error: unknown) => log(`comedy: ${String(error)}`));
      abandonComedy(comedyRun.system);
    }
    await nc?.close().catch(() => undefined);
    await raw?.stop().catch((error: unknown) => log(`raw child: ${String(error)}`));
    if (mesh !== undefined) {
      await mesh.system.terminate();
      await mesh.child.stop();
    }
    await server.stop();
  }
}

function tellVerdict(rows: readonly Row[]): { target: string; met: boolean | null; detail: string }[] {
  const mesh = findRow(rows, 'actormesh')?.figures;
  const floor = findRow(rows, 'floor')?.figures;
  return [
    {
      target: 'tells between two processes >= 1,000,000/s',
      met: mesh?.rate === undefined ? null : mesh.rate >= 1_000_000,
      detail: `${fmt.rate(mesh?.rate ?? NaN)} (raw client, one publish per message: ${fmt.rate(floor?.rate ?? NaN)}, ratio ${fmt.x3(mesh?.rate !== undefined && floor?.rate !== undefined ? mesh.rate / floor.rate : undefined)})`,
    },
  ];
}

export default runCluster;
await runIfMain(import.meta.url, runCluster);
