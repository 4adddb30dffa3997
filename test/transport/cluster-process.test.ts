import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pack } from 'msgpackr';
import { ActorSystem, ActorTerminatedError, AskFailedError, Terminated } from '../../src/index.js';
import type { ActorRef, RuntimeEvent } from '../../src/index.js';
import { BatchWriter } from '../../src/transport/codec.js';
import { ClusterNode } from '../../src/transport/cluster-node.js';
import { NodeDownError } from '../../src/transport/errors.js';
import { encodeFrame } from '../../src/transport/frame.js';
import { NatsTransport } from '../../src/transport/nats-transport.js';
import { FrameSigner, generateNodeKeys, loadSigningConfig } from '../../src/transport/signing.js';
import type { SigningSetup } from '../../src/transport/signing.js';
import type { CounterMessage, EchoMessage, RefusedMessage, RefusedReport, StopperMessage } from '../fixtures/cluster-node.js';
import { eventually, recordEvents, sleep } from '../support/helpers.js';
import { natsServerForFile } from '../support/nats-server-for-file.js';

/**
 * Issue 5 across real processes: this process is node n1 (an in-process ClusterNode over NATS),
 * the child (test/fixtures/cluster-node.ts) is n2, both on a nats-server started for the file.
 */
const server = natsServerForFile();
const FIXTURE = fileURLToPath(new URL('../fixtures/cluster-node.ts', import.meta.url));
/** The SIGKILL test's heartbeats (small: detection within 300 ms + a tick). */
const HEARTBEAT_MS = 100;
const MISSED = 3;
/** The other tests' heartbeats: roomier, so a CPU-starved child on a loaded machine is not declared dead. */
const CALM = { heartbeatMs: 250, missed: 4 };
type Beats = { heartbeatMs: number; missed: number };

interface Child {
  readonly process: ChildProcess;
  /** Everything it wrote on stderr (for failure messages). */
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: Child[] = [];

/** Starts the fixture node `node` and resolves once it prints `ready`. */
async function startChild(node: string, beats: Beats, extra: string[] = []): Promise<Child> {
  const args = ['--import', 'tsx', FIXTURE, '--nats', server().url, '--node', node, '--heartbeat-ms', String(beats.heartbeatMs), '--missed-heartbeats', String(beats.missed), ...extra];
  // stdin is a pipe: the fixture exits when it closes, so a crashed test run leaves no node behind.
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const child: Child = { process: proc, stderr: '', exited };
  children.push(child);
  proc.stderr!.on('data', (d: Buffer) => (child.stderr = (child.stderr + d.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`child ${node} not ready after 15 s; stderr:\n${child.stderr}`)), 15_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`child ${node} exited (code ${code}, signal ${signal}) before ready; stderr:\n${child.stderr}`));
    });
  });
  return child;
}

/** Kills every child still running (SIGKILL) and waits for the exits. */
async function killChildren(): Promise<void> {
  const all = children.splice(0);
  for (const child of all) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await Promise.all(all.map((child) => child.exited));
}

interface Here {
  readonly system: ActorSystem;
  readonly node: ClusterNode;
  readonly events: RuntimeEvent[];
}

/** Node n1 in this process, over NATS. */
async function startHere(beats: Beats, signing?: SigningSetup): Promise<Here> {
  // Not quietSystem: other files' root afterEach(terminateAll) would end a system shared by several tests here.
  const system = ActorSystem.create({ name: 'mesh', node: 'n1', logLevel: 'silent' });
  const events = recordEvents(system);
  const node = await ClusterNode.start(system, { transport: new NatsTransport({ servers: server().url }), heartbeatMs: beats.heartbeatMs, missedHeartbeats: beats.missed, ...(signing ? { signing } : {}) });
  return { system, node, events };
}

const seesN2 = (here: Here): boolean => here.node.upNodes().includes('n2');
const deadLetters = (events: RuntimeEvent[], reason: string): RuntimeEvent[] => events.filter((e) => e.type === 'dead-letter' && (e as { reason?: string }).reason === reason);

/** Starts n1 here and n2 in a child, and waits until each sees the other (n2's view: its heartbeat reached us after ours reached it). */
async function startPair(options: { beats?: Beats; signing?: [SigningSetup, string[]] } = {}): Promise<{ here: Here; child: Child }> {
  const beats = options.beats ?? CALM;
  const here = await startHere(beats, options.signing?.[0]);
  const child = await startChild('n2', beats, options.signing?.[1] ?? []);
  await eventually(() => seesN2(here), 'n1 sees n2 up', 10_000);
  return { here, child };
}

after(async () => {
  await killChildren();
});

describe('cluster over NATS across processes: tell, ask, watch', () => {
  let here: Here;
  let child: Child;
  before(async function () {
    this.timeout(30_000);
    ({ here, child } = await startPair());
  });
  after(async () => {
    await here?.system.terminate();
    await killChildren();
  });

  it('asks the child node: a reply; a missing actor fails at once; a failing actor fails the ask', async () => {
    const echo = here.system.resolve<EchoMessage>('am://mesh@n2/user/echo');
    assert.deepEqual(await echo.ask<{ echo: string }>((replyTo) => ({ type: 'echo', text: 'hello', replyTo }), { timeoutMs: 5000 }), { echo: 'hello' });
    const missing = here.system.resolve<EchoMessage>('am://mesh@n2/user/nobody');
    // A 60 s timeout: the failure must come from n2 (recipient not found), not from the clock.
    await assert.rejects(missing.ask((replyTo) => ({ type: 'echo', text: 'x', replyTo }), { timeoutMs: 60_000 }), (e: unknown) => e instanceof ActorTerminatedError && e.target === '/user/nobody');
    await assert.rejects(echo.ask((replyTo) => ({ type: 'boom', replyTo }), { timeoutMs: 60_000 }), (e: unknown) => e instanceof AskFailedError && /boom on purpose/.test(e.message));
    // Restarted by its supervisor: it answers again.
    assert.deepEqual(await echo.ask<{ echo: string }>((replyTo) => ({ type: 'echo', text: 'again', replyTo }), { timeoutMs: 5000 }), { echo: 'again' });
  });

  it('5,000 tells all arrive before an ask sent after them (order kept per sender)', async () => {
    const counter = here.system.resolve<CounterMessage>('am://mesh@n2/user/counter');
    const before = await counter.ask<number>((replyTo) => ({ type: 'total', replyTo }), { timeoutMs: 5000 });
    let expected = 0;
    for (let i = 1; i <= 5000; i++) {
      counter.tell({ type: 'count', n: i });
      expected += i;
    }
    assert.equal(await counter.ask<number>((replyTo) => ({ type: 'total', replyTo }), { timeoutMs: 10_000 }), before + expected);
  });

  it('watch across processes: the watcher gets Terminated when the child actor stops itself', async () => {
    const stopper = here.system.resolve<StopperMessage>('am://mesh@n2/user/stopper');
    const seen: unknown[] = [];
    here.system.spawn((ctx) => {
      ctx.watch(stopper);
      return (m: unknown) => void seen.push(m);
    }, { name: 'stopper-watcher' });
    // The watch goes out before the stop (same sender, same subject: ordered).
    stopper.tell({ type: 'stop' });
    await eventually(() => seen.length === 1, 'Terminated from n2', 5000);
    assert.ok(seen[0] instanceof Terminated);
    assert.equal(String((seen[0] as Terminated).ref), 'am://mesh@n2/user/stopper');
  });

  it('the child exits 0 on SIGTERM after terminating its system, and n1 sees it leave', async () => {
    child.process.kill('SIGTERM');
    assert.deepEqual(await child.exited, { code: 0, signal: null });
    await eventually(() => here.node.members().some((m) => m.node === 'n2' && m.status === 'left'), 'n2 left', 5000);
  });
});

describe('cluster over NATS across processes: SIGKILL of the child', () => {
  it(`declares n2 down within heartbeats (${HEARTBEAT_MS} ms x ${MISSED}): watchers get Terminated, a pending ask fails with NodeDownError, a tell is a dead letter`, async function () {
    this.timeout(30_000);
    const { here, child } = await startPair({ beats: { heartbeatMs: HEARTBEAT_MS, missed: MISSED } });
    try {
      const seen: unknown[] = [];
      const echo = here.system.resolve('am://mesh@n2/user/echo');
      here.system.spawn((ctx) => {
        ctx.watch(echo);
        return (m: unknown) => void seen.push(m);
      });
      // The counter never answers a count: this ask stays pending until n2 is declared dead.
      const counter = here.system.resolve<CounterMessage | { type: 'count'; n: number; replyTo: ActorRef<never> }>('am://mesh@n2/user/counter');
      const pending = counter.ask((replyTo) => ({ type: 'count', n: 1, replyTo }), { timeoutMs: 60_000 });
      const failed = assert.rejects(pending, (e: unknown) => e instanceof NodeDownError && e.node === 'n2');
      await here.node.flush();
      // Still up and not answered (the watch is in place, the ask delivered).
      assert.equal(await here.system.resolve<CounterMessage>('am://mesh@n2/user/counter').ask<number>((replyTo) => ({ type: 'total', replyTo }), { timeoutMs: 5000 }), 1);
      assert.equal(seen.length, 0);

      child.process.kill('SIGKILL');
      await child.exited;
      // Bounded by the heartbeat timeout plus a generous margin for a loaded machine.
      await eventually(() => here.node.members().some((m) => m.node === 'n2' && m.status === 'down'), 'n2 declared down', HEARTBEAT_MS * MISSED + 3000);
      assert.ok(here.events.some((e) => e.type === 'node-down' && (e as { node?: string }).node === 'n2'));
      await failed;
      await eventually(() => seen.length === 1, 'the watcher got Terminated', 1000);
      assert.ok(seen[0] instanceof Terminated);
      assert.equal(String((seen[0] as Terminated).ref), 'am://mesh@n2/user/echo');

      here.system.resolve<CounterMessage>('am://mesh@n2/user/counter').tell({ type: 'count', n: 5 });
      const letters = deadLetters(here.events, 'node-down');
      assert.equal(letters.length, 1);
      assert.equal(letters[0]!.path, 'am://mesh@n2/user/counter');
      assert.deepEqual((letters[0] as { message?: unknown }).message, { type: 'count', n: 5 });
    } finally {
      await here.system.terminate();
      await killChildren();
    }
  });
});

describe('cluster over NATS across processes: a NATS server restart', () => {
  it('both processes ride it out: tells during the outage are dead letters on the sender, and asks work again after', async function () {
    this.timeout(30_000);
    const { here, child } = await startPair();
    try {
      const echo = here.system.resolve<EchoMessage>('am://mesh@n2/user/echo');
      assert.deepEqual(await echo.ask<{ echo: string }>((replyTo) => ({ type: 'echo', text: 'before', replyTo }), { timeoutMs: 5000 }), { echo: 'before' });

      await server().halt();
      await eventually(() => !here.node.transport.connected, 'n1 sees the disconnection', 5000);
      here.system.resolve<CounterMessage>('am://mesh@n2/user/counter').tell({ type: 'count', n: 7 });
      await eventually(() => deadLetters(here.events, 'transport-disconnected').length === 1, 'the tell is a dead letter', 2000);
      assert.deepEqual((deadLetters(here.events, 'transport-disconnected')[0] as { message?: unknown }).message, { type: 'count', n: 7 });
      // Longer than the heartbeat timeout: a deaf node judges nobody.
      await sleep(CALM.heartbeatMs * CALM.missed * 1.5);
      await server().resume();

      await eventually(() => here.node.transport.connected, 'n1 reconnected', 10_000);
      await eventually(() => seesN2(here), 'n1 sees n2 up', 10_000);
      // n2 may reconnect a little after us: its subscription is back once it answers.
      let answer: unknown;
      const deadline = Date.now() + 10_000;
      while (answer === undefined) {
        try {
          answer = await echo.ask<{ echo: string }>((replyTo) => ({ type: 'echo', text: 'after', replyTo }), { timeoutMs: 500 });
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
      }
      assert.deepEqual(answer, { echo: 'after' });
      assert.equal(child.process.exitCode, null, 'the child kept running');
      assert.equal(here.system.terminated, false);
      assert.ok(!here.events.some((e) => e.type === 'node-down'), 'nobody was declared dead during the outage');
      // The told count was dropped (a dead letter), not delivered late.
      assert.equal(await here.system.resolve<CounterMessage>('am://mesh@n2/user/counter').ask<number>((replyTo) => ({ type: 'total', replyTo }), { timeoutMs: 5000 }), 0);
    } finally {
      await here.system.terminate();
      await killChildren();
    }
  });
});

describe('cluster over NATS across processes: signed frames', () => {
  it('nodes signed with each other\'s keys talk; a badly signed or unsigned frame on n2\'s subject is refused by n2', async function () {
    this.timeout(30_000);
    const k1 = generateNodeKeys();
    const k2 = generateNodeKeys();
    const publicKeys = { n1: k1.publicKey, n2: k2.publicKey };
    const signing1 = loadSigningConfig({ privateKey: k1.privateKey, publicKeys }, 'test.signing', { selfId: 'n1' });
    const { here } = await startPair({ signing: [signing1, ['--signing-key', k2.privateKey, '--public-keys', JSON.stringify(publicKeys)]] });
    const rogue = new NatsTransport({ servers: server().url });
    try {
      const echo = here.system.resolve<EchoMessage>('am://mesh@n2/user/echo');
      assert.deepEqual(await echo.ask<{ echo: string }>((replyTo) => ({ type: 'echo', text: 'signed', replyTo }), { timeoutMs: 5000 }), { echo: 'signed' });
      const refusedRef = here.system.resolve<RefusedMessage>('am://mesh@n2/user/refused');
      const report = (): Promise<RefusedReport> => refusedRef.ask<RefusedReport>((replyTo) => ({ type: 'refused-count', replyTo }), { timeoutMs: 5000 });
      assert.deepEqual(await report(), { refused: 0, kinds: [] });

      // A frame claiming to be n1, with a tell that would add 1000, signed with another key; then the same unsigned.
      await rogue.start('mesh', 'rogue', { onFrame: () => {}, onBroadcast: () => {}, onStatus: () => {} });
      const batch = new BatchWriter();
      batch.append(pack([0, '/user/counter', { type: 'count', n: 1000 }]));
      const payload = batch.take();
      assert.ok(rogue.send('n2', encodeFrame('n1', payload, new FrameSigner(generateNodeKeys().privateKey))));
      assert.ok(rogue.send('n2', encodeFrame('n1', payload)));
      await rogue.flush();

      let seen = await report();
      for (const deadline = Date.now() + 5000; seen.refused < 2 && Date.now() < deadline; seen = await report()) await sleep(20);
      assert.deepEqual(seen, { refused: 2, kinds: ['bad-signature', 'unsigned'] });
      const counter = here.system.resolve<CounterMessage>('am://mesh@n2/user/counter');
      assert.equal(await counter.ask<number>((replyTo) => ({ type: 'total', replyTo }), { timeoutMs: 5000 }), 0, 'the forged tell was not delivered');
      // Signed traffic still flows.
      counter.tell({ type: 'count', n: 3 });
      assert.equal(await counter.ask<number>((replyTo) => ({ type: 'total', replyTo }), { timeoutMs: 5000 }), 3);
    } finally {
      await rogue.close();
      await here.system.terminate();
      await killChildren();
    }
  });
});
