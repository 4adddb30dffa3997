import assert from 'node:assert/strict';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { Actor } from '../../src/index.js';
import type { ActorContext, ActorRef, ActorSystem, FunctionBehavior, RuntimeEvent } from '../../src/index.js';
import { BreakerHierarchy } from '../../supervisors/breaker-hierarchy.js';
import { CircuitBreaker } from '../../supervisors/circuit-breaker.js';
import { AckLedger, ChaosKill, ChaosMonkey, ChaosProbe, chaosEnabled, chaosTargets, compileSelector, percentile } from '../../supervisors/chaos.js';
import type { ChaosReport } from '../../supervisors/chaos.js';
import { oneForOne } from '../../supervisors/strategies.js';
import { quietSystem, recordEvents, settle, sleep, terminateAll } from '../support/helpers.js';

afterEach(terminateAll);

// ------------------------------------------------------------------ a small tree

type WorkMsg = { type: 'job'; id: number; replyTo: ActorRef<number> } | { type: 'ping'; replyTo: ActorRef<true> };

/** An agent: records each job in the ledger outside the actor, then replies with its id. */
const agentBehaviour: FunctionBehavior<WorkMsg, AckLedger<number> | undefined> = (_ctx, ledger) => (msg) => {
  if (msg.type === 'job') {
    ledger?.processed(msg.id);
    msg.replyTo.tell(msg.id);
  } else msg.replyTo.tell(true);
};
const agent = chaosEnabled(agentBehaviour, { type: 'agent' });
const lead = chaosEnabled<WorkMsg>(() => (msg) => (msg.type === 'job' ? msg.replyTo.tell(msg.id) : msg.replyTo.tell(true)), { type: 'lead' });

/** /user/top/group-G/{lead, agent-0 .. agent-N-1}: leads and agents are siblings under a group. */
function smallTree(system: ActorSystem, groups: number, agentsPerGroup: number, ledger?: AckLedger<number>): void {
  system.spawn(
    (ctx) => {
      for (let g = 0; g < groups; g++) {
        ctx.spawn(
          (group: ActorContext<unknown>) => {
            group.spawn(lead, { name: 'lead' });
            for (let a = 0; a < agentsPerGroup; a++) group.spawn(agent, { name: `agent-${a}`, props: ledger });
            return () => undefined;
          },
          { name: `group-${g}` },
        );
      }
      return () => undefined;
    },
    { name: 'top' },
  );
}

const allPaths = (groups: number, agentsPerGroup: number): string[] => {
  const paths: string[] = [];
  for (let g = 0; g < groups; g++) {
    paths.push(`/user/top/group-${g}/lead`);
    for (let a = 0; a < agentsPerGroup; a++) paths.push(`/user/top/group-${g}/agent-${a}`);
  }
  return paths;
};

describe('chaos monkey', () => {
  describe('chaosEnabled', () => {
    it('throws on ChaosKill, answers ChaosProbe, passes everything else to the wrapped behaviour, keeps become', async () => {
      const system = quietSystem();
      const events = recordEvents(system);
      const seen: string[] = [];
      const counter = chaosEnabled<string>(() => {
        const first = (m: string): ((m: string) => void) => {
          seen.push(`first:${m}`);
          return second;
        };
        const second = (m: string): void => void seen.push(`second:${m}`);
        return first;
      });
      const ref = system.spawn(counter, { name: 'c' }) as ActorRef<unknown>;
      ref.tell('a');
      ref.tell('b');
      assert.equal(await ref.ask<true>((replyTo) => new ChaosProbe(replyTo)), true);
      await assert.rejects(
        ref.ask(() => new ChaosKill(1)),
        (error: Error) => error.name === 'AskFailedError' && (error.cause as Error).name === 'ChaosKillError',
      );
      ref.tell('c');
      await settle();
      // the restart made a new incarnation: back to `first`
      assert.deepEqual(seen, ['first:a', 'second:b', 'first:c']);
      assert.equal(events.filter((e) => e.type === 'actor-restarted').length, 1);
      assert.deepEqual(chaosTargets(system), [{ path: '/user/c', type: 'anonymous' }]);
    });

    it('keeps the check in front after ctx.become and for Actor classes, and leaves the registry on stop', async () => {
      const system = quietSystem();
      const seen: string[] = [];
      const viaContext = chaosEnabled<string>((ctx) => (m) => {
        seen.push(`one:${m}`);
        ctx.become((n) => void seen.push(`two:${n}`));
      }, { type: 'ctx' });
      class Worker extends Actor<string> {
        receive(m: string): void {
          seen.push(`class:${m}`);
        }
      }
      const a = system.spawn(viaContext, { name: 'a' }) as ActorRef<unknown>;
      const b = system.spawn(chaosEnabled(Worker, { type: 'worker' }), { name: 'b' }) as ActorRef<unknown>;
      a.tell('x');
      a.tell('y');
      b.tell('z');
      await settle();
      assert.deepEqual(seen, ['one:x', 'two:y', 'class:z']);
      for (const ref of [a, b]) {
        await assert.rejects(ref.ask(() => new ChaosKill(1)), { name: 'AskFailedError' });
        assert.equal(await ref.ask<true>((replyTo) => new ChaosProbe(replyTo)), true);
      }
      assert.deepEqual(
        chaosTargets(system).map((t) => `${t.path}:${t.type}`),
        ['/user/a:ctx', '/user/b:worker'],
      );
      await system.stop(b);
      assert.deepEqual(
        chaosTargets(system).map((t) => t.path),
        ['/user/a'],
      );
    });
  });

  describe('options', () => {
    it('are checked at the boundary with errors naming the option', () => {
      const system = quietSystem();
      const ok = { rate: 10, durationMs: 100, seed: 1 };
      const bad: Array<[object, RegExp]> = [
        [{ ...ok, rate: 0 }, /chaos\.rate .* positive .*got 0/],
        [{ ...ok, rate: -3 }, /chaos\.rate/],
        [{ ...ok, rate: Number.NaN }, /chaos\.rate/],
        [{ ...ok, durationMs: 0 }, /chaos\.durationMs must be a positive/],
        [{ ...ok, seed: 1.5 }, /chaos\.seed must be an integer \(got 1\.5\)/],
        [{ ...ok, seed: '7' }, /chaos\.seed must be an integer/],
        [{ ...ok, mode: 'explode' }, /chaos\.mode must be one of throw, stop, mixed/],
        [{ ...ok, stopShare: 0.5 }, /stopShare only applies to mode 'mixed'/],
        [{ ...ok, mode: 'mixed', stopShare: 2 }, /stopShare must be between 0 and 1/],
        [{ ...ok, select: {} }, /chaos\.select must name a path glob and\/or a type/],
        [{ ...ok, select: { path: '' } }, /chaos\.select\.path/],
        [{ ...ok, select: { path: 'user/agents/*' } }, /select\.path\[0\] must be an absolute path glob/],
        [{ ...ok, select: { type: [] } }, /chaos\.select\.type must be a non-empty/],
        [{ ...ok, select: { kind: 'agent' } }, /chaos\.select\.kind is not a chaos option/],
        [{ ...ok, probe: { timeoutMs: 0 } }, /chaos\.probe\.timeoutMs/],
        [{ ...ok, targets: 42 }, /chaos\.targets must be an iterable/],
        [{ ...ok, rates: 5 }, /chaos\.rates is not a chaos option/],
      ];
      for (const [options, message] of bad) {
        assert.throws(() => new ChaosMonkey(system, options as never), message, JSON.stringify(options));
      }
      assert.doesNotThrow(() => new ChaosMonkey(system, { ...ok, mode: 'mixed', stopShare: 0.25, select: { path: ['/user/**', '**/agent-*'], type: 'agent' } }));
    });

    it('a selector that matches nothing fails the run, saying so', async () => {
      const system = quietSystem();
      smallTree(system, 1, 3);
      await assert.rejects(new ChaosMonkey(system, { rate: 10, durationMs: 100, seed: 1, select: { type: 'nobody' } }).run(), /selector matched no actor \(4 chaosEnabled actors\)/);
    });

    it('compileSelector: globs (any), types (any), both must match', () => {
      const match = compileSelector({ path: ['/user/top/group-1/*', '**/lead'], type: 'agent' });
      assert.equal(match({ path: '/user/top/group-1/agent-3', type: 'agent' }), true);
      assert.equal(match({ path: '/user/top/group-2/agent-3', type: 'agent' }), false);
      assert.equal(match({ path: '/user/top/group-2/lead', type: 'agent' }), true);
      assert.equal(match({ path: '/user/top/group-1/agent-3', type: 'lead' }), false);
      assert.equal(match({ path: '/user/top/group-1/agent-3' }), false);
      assert.equal(percentile([1, 2, 3, 4], 50), 2);
      assert.equal(percentile([1, 2, 3, 4], 99), 4);
      assert.ok(Number.isNaN(percentile([], 50)));
    });
  });

  describe('victims', () => {
    it('the same seed kills the same victims in the same order; another seed does not', async () => {
      const run = async (seed: number): Promise<{ report: ChaosReport; plan: string[]; events: string[] }> => {
        const system = quietSystem();
        smallTree(system, 3, 5);
        const events = recordEvents(system);
        const monkey = new ChaosMonkey(system, { rate: 200, durationMs: 150, seed, probe: { availabilityRate: 0 } });
        const plan = monkey.plan(30).map((v) => v.path);
        const report = await monkey.run();
        return { report, plan, events: events.filter((e) => e.type === 'chaos-kill').map((e) => e.path) };
      };
      const a = await run(42);
      const b = await run(42);
      const c = await run(43);
      assert.equal(a.report.planned, 30);
      assert.deepEqual(a.report.victims, b.report.victims);
      assert.deepEqual(a.report.victims, a.plan);
      assert.deepEqual(a.events, a.report.victims, 'every kill decision is a chaos-kill event, in order');
      assert.notDeepEqual(a.report.victims, c.report.victims);
      // the draw is pure-rand's xoroshiro128+ over the population sorted by path
      const sorted = allPaths(3, 5).sort();
      const rng = xoroshiro128plus(42);
      assert.deepEqual(
        a.report.victims,
        Array.from({ length: 30 }, () => sorted[uniformInt(rng, 0, sorted.length - 1)]),
      );
    });

    it('selects by path glob', async () => {
      const system = quietSystem();
      smallTree(system, 3, 4);
      const report = await new ChaosMonkey(system, { rate: 300, durationMs: 100, seed: 5, select: { path: '/user/top/group-1/*' } }).run();
      assert.equal(report.population, 5);
      assert.ok(report.victims.length === 30 && report.victims.every((p) => p.startsWith('/user/top/group-1/')), report.victims.join());
      assert.ok(report.victims.some((p) => p.endsWith('/lead')));
    });

    it('selects by actor type', async () => {
      const system = quietSystem();
      smallTree(system, 3, 4);
      const leads = await new ChaosMonkey(system, { rate: 300, durationMs: 100, seed: 5, select: { type: 'lead' } }).run();
      assert.equal(leads.population, 3);
      assert.ok(leads.victims.every((p) => p.endsWith('/lead')));
      const both = await new ChaosMonkey(system, { rate: 300, durationMs: 100, seed: 5, select: { type: 'agent', path: '**/group-2/*' } }).run();
      assert.equal(both.population, 4);
      assert.ok(both.victims.every((p) => /^\/user\/top\/group-2\/agent-\d$/.test(p)));
    });

    it('takes explicit targets (path and type) for actors that are not wrapped', async () => {
      const system = quietSystem();
      const plain = [0, 1, 2].map((i) => system.spawn(() => () => undefined, { name: `plain-${i}` }));
      const report = await new ChaosMonkey(system, {
        rate: 100,
        durationMs: 30,
        seed: 9,
        mode: 'stop',
        targets: plain.map((ref, i) => ({ path: ref.path, type: i === 0 ? 'other' : 'plain' })),
        select: { type: 'plain' },
        probe: { recoveryTimeoutMs: 20, availabilityRate: 0 },
      }).run();
      assert.equal(report.population, 2);
      assert.ok(system.lookup('/user/plain-0') !== undefined, 'not selected: alive');
      assert.ok(report.victims.every((p) => p === '/user/plain-1' || p === '/user/plain-2'));
      assert.equal(report.kills.stop, new Set(report.victims).size, JSON.stringify(report));
    });
  });

  describe('modes and report', () => {
    it('throw mode: victims fail and are restarted by their supervisor; the report adds up', async () => {
      const system = quietSystem();
      const ledger = new AckLedger<number>();
      smallTree(system, 2, 5, ledger);
      const events = recordEvents(system);
      // a little workload alongside, acknowledged in the ledger
      let nextId = 0;
      const work = (async () => {
        const agents = allPaths(2, 5).filter((p) => p.includes('agent'));
        for (let i = 0; i < 40; i++) {
          const path = agents[i % agents.length]!;
          const id = nextId++;
          try {
            await system.lookup(path)!.ask<number>((replyTo) => ({ type: 'job', id, replyTo }) as never);
            ledger.acknowledged(id);
          } catch {
            // the ChaosKill ahead of it does not touch it: a job is never the failed message
          }
          await sleep(5);
        }
      })();
      const report = await new ChaosMonkey(system, { rate: 100, durationMs: 300, seed: 3, ledger, cooldownMs: 100, probe: { bucketMs: 100, availabilityRate: 200 } }).run();
      await work;
      assert.equal(report.mode, 'throw');
      assert.equal(report.planned, 30);
      assert.equal(report.kills.throw, 30);
      assert.equal(report.kills.stop, 0);
      assert.equal(report.kills.total, 30);
      assert.deepEqual(report.missed, {});
      assert.equal(report.restarts, 30, 'one actor-restarted event per kill');
      assert.equal(report.restartedActors, new Set(report.victims).size);
      assert.equal(report.escalations, 0);
      assert.equal(report.deadLetters.byReason['actor-failed'], 30, 'each ChaosKill is the dead letter of its failure');
      assert.equal(report.recovery.method, 'probe-ask');
      assert.equal(report.recovery.samples, 30);
      assert.equal(report.recovery.unrecovered, 0);
      assert.ok(report.recovery.p50Ms >= 0 && report.recovery.p50Ms <= report.recovery.p99Ms && report.recovery.p99Ms <= report.recovery.maxMs);
      assert.equal(report.availability.length, 4, '400 ms in buckets of 100 ms');
      assert.deepEqual(
        report.availability.map((b) => b.startMs),
        [0, 100, 200, 300],
      );
      for (const bucket of report.availability) {
        assert.ok(bucket.sent > 0 && bucket.answered <= bucket.sent && bucket.ratio === bucket.answered / bucket.sent);
      }
      assert.equal(report.ledger?.acknowledged, 40);
      assert.deepEqual(report.ledger?.lost, []);
      assert.equal(report.lostAcknowledged, false);
      for (const path of allPaths(2, 5)) assert.ok(system.lookup(path), `${path} alive`);
      const restarted = events.filter((e) => e.type === 'actor-restarted');
      assert.equal(restarted.length, 30);
      assert.ok(events.some((e) => e.type === 'chaos-finished'));
    });

    it('stop mode: victims are stopped (no restart), later draws of them are not-found, no recovery', async () => {
      const system = quietSystem();
      smallTree(system, 1, 4);
      const report = await new ChaosMonkey(system, { rate: 200, durationMs: 100, seed: 11, mode: 'stop', probe: { recoveryTimeoutMs: 30, availabilityRate: 0 } }).run();
      const distinct = new Set(report.victims);
      assert.equal(report.planned, 20);
      assert.equal(report.kills.stop, distinct.size);
      assert.equal(report.kills.throw, 0);
      // a victim drawn again is either still stopping (lookup finds it until its stop is done) or gone
      assert.deepEqual(Object.keys(report.missed).filter((k) => k !== 'not-found' && k !== 'already-stopping'), []);
      assert.equal(report.kills.stop + (report.missed['not-found'] ?? 0) + (report.missed['already-stopping'] ?? 0), report.planned);
      assert.equal(report.restarts, 0);
      assert.equal(report.stopped, distinct.size);
      assert.equal(report.recovery.samples, 0);
      assert.equal(report.recovery.unrecovered, distinct.size);
      for (const path of distinct) assert.equal(system.lookup(path), undefined, `${path} stopped`);
    });

    it('mixed mode draws throw or stop per kill from the seed', async () => {
      const system = quietSystem();
      smallTree(system, 2, 10);
      const monkey = new ChaosMonkey(system, { rate: 400, durationMs: 100, seed: 2, mode: 'mixed', stopShare: 0.5, probe: { recoveryTimeoutMs: 30, availabilityRate: 0 } });
      const plan = monkey.plan(40);
      const report = await monkey.run();
      const stops = plan.filter((v) => v.mode === 'stop').length;
      assert.ok(stops > 5 && stops < 35, `about half are stops (${stops}/40)`);
      assert.deepEqual(report.victims, plan.map((v) => v.path));
      assert.equal(report.kills.total + Object.values(report.missed).reduce((a, b) => a + b, 0), 40);
    });

    it('a kill refused by an open circuit breaker is counted as missed, not as a kill', async () => {
      const system = quietSystem();
      const breaker = new CircuitBreaker('/user/fenced', { maxFailures: 0, windowMs: 1000, resetTimeoutMs: 60_000 }, { system });
      system.spawn(
        (ctx) => {
          for (let i = 0; i < 3; i++) ctx.spawn(agent, { name: `agent-${i}` });
          return () => undefined;
        },
        { name: 'fenced', gate: breaker },
      );
      breaker.trip();
      const report = await new ChaosMonkey(system, { rate: 100, durationMs: 50, seed: 1, probe: { availabilityRate: 100 } }).run();
      breaker.dispose();
      assert.equal(report.kills.total, 0);
      assert.equal(report.missed['CircuitOpenError'], report.planned);
      assert.equal(report.deadLetters.byReason['circuit-open'], report.planned + report.availability.reduce((n, b) => n + b.sent, 0));
      assert.ok(report.availability.every((b) => b.answered === 0));
    });
  });

  describe('MESH-30K under chaos', function () {
    this.timeout(90_000);

    it('31,101 actors, 5% of agents killed per second for 10 s: all alive after, breakers closed, acknowledged jobs processed exactly once', async () => {
      const SECTORS = 100;
      const CLUSTERS = 10;
      const AGENTS = 30;
      const KILL_SHARE = 0.05; // of the agents, per second
      const CHAOS_MS = 10_000;
      const JOB_RATE = 1000; // jobs per second from the client, during the chaos
      const system = quietSystem();
      const ledger = new AckLedger<number>();
      const hierarchy = new BreakerHierarchy(system, {
        cluster: { maxFailures: 5, windowMs: 10_000, resetTimeoutMs: 200, successThreshold: 2 },
        // MESH-30K 6.2 defaults for the thresholds (cluster > 5, sector > 50, global > 10
        // sectors open), short timeouts so that the mesh heals within the test.
        sector: { maxFailures: 50, windowMs: 10_000, resetTimeoutMs: 200, successThreshold: 2 },
      });
      const circuitEvents: RuntimeEvent[] = [];
      const escalations: RuntimeEvent[] = [];
      system.events$.subscribe((e) => {
        if (e.type === 'circuit-changed') circuitEvents.push(e);
        if (e.type === 'supervisor-decision' && (e as { directive?: string }).directive === 'escalate') escalations.push(e);
      });

      // ---- the tree, built programmatically: every supervisor one-for-one, children permanent
      const strategy = oneForOne({ maxRestarts: 100_000, withinMs: 1000 });
      const permanent = { restart: 'permanent' } as const;
      const answer = (msg: WorkMsg): void => (msg.type === 'job' ? msg.replyTo.tell(msg.id) : msg.replyTo.tell(true));
      const clusterLead: FunctionBehavior<WorkMsg> = (ctx) => {
        for (let a = 0; a < AGENTS; a++) ctx.spawn(agent, { name: `agent-${a}`, props: ledger, tags: { type: 'agent', ...permanent } });
        return answer;
      };
      const sectorCoordinator: FunctionBehavior<WorkMsg> = (ctx) => {
        for (let c = 0; c < CLUSTERS; c++) {
          const path = `${ctx.path}/cluster-${c}`;
          ctx.spawn(clusterLead, { name: `cluster-${c}`, gate: hierarchy.cluster(path, ctx.path), supervision: strategy, tags: { type: 'cluster-lead', ...permanent } });
        }
        return answer;
      };
      const orchestrator: FunctionBehavior<WorkMsg> = (ctx) => {
        for (let s = 0; s < SECTORS; s++) {
          const path = `${ctx.path}/sector-${s}`;
          ctx.spawn(sectorCoordinator, { name: `sector-${s}`, gate: hierarchy.sector(path), supervision: strategy, tags: { type: 'sector-coordinator', ...permanent } });
        }
        return answer;
      };
      const built = performance.now();
      system.spawn(orchestrator, { name: 'orchestrator', supervision: strategy, tags: { type: 'orchestrator', ...permanent } });
      const paths: string[] = ['/user/orchestrator'];
      const agentPaths: string[] = [];
      for (let s = 0; s < SECTORS; s++) {
        paths.push(`/user/orchestrator/sector-${s}`);
        for (let c = 0; c < CLUSTERS; c++) {
          paths.push(`/user/orchestrator/sector-${s}/cluster-${c}`);
          for (let a = 0; a < AGENTS; a++) agentPaths.push(`/user/orchestrator/sector-${s}/cluster-${c}/agent-${a}`);
        }
      }
      paths.push(...agentPaths);
      assert.equal(paths.length, 31_101);
      await settle();
      assert.equal(system.actorTotal, 31_101 + 3, 'the tree plus /, /user and /system');
      const buildMs = performance.now() - built;

      // ---- the client: jobs to random agents by ask; refused or failed jobs are retried (same id)
      const rng = xoroshiro128plus(2024);
      const outcomes: Record<string, number> = {};
      let nextId = 0;
      let clientRunning = true;
      const pending = new Set<Promise<void>>();
      const send = (id: number, path: string, attempt: number): void => {
        const ref = system.lookup(path);
        if (ref === undefined) {
          outcomes['not-found'] = (outcomes['not-found'] ?? 0) + 1;
          return;
        }
        const job = (ref as ActorRef<WorkMsg>)
          .ask<number>((replyTo) => ({ type: 'job', id, replyTo }), { timeoutMs: 20_000 })
          .then(
            (reply) => {
              assert.equal(reply, id);
              ledger.acknowledged(id);
              outcomes['acknowledged'] = (outcomes['acknowledged'] ?? 0) + 1;
            },
            async (error: Error) => {
              outcomes[error.name] = (outcomes[error.name] ?? 0) + 1;
              // An ask that timed out may still be handled later: retrying it could process it twice.
              if (error.name === 'AskTimeoutError' || attempt >= 5) return;
              await sleep(100);
              send(id, path, attempt + 1);
            },
          );
        pending.add(job);
        void job.finally(() => pending.delete(job));
      };
      const client = (async () => {
        const started = performance.now();
        let sent = 0;
        while (clientRunning) {
          const due = Math.floor(((performance.now() - started) * JOB_RATE) / 1000);
          for (; sent < due; sent++) send(nextId++, agentPaths[uniformInt(rng, 0, agentPaths.length - 1)]!, 1);
          await sleep(10);
        }
      })();

      // ---- probes that let half-open breakers close: a ping to each breaker's own actor
      let pinging = true;
      const pinger = (async () => {
        while (pinging) {
          for (const breaker of hierarchy.breakers.values()) {
            if (breaker.state === 'closed') continue;
            const ref = system.lookup(breaker.name);
            if (ref !== undefined) (ref as ActorRef<WorkMsg>).ask<true>((replyTo) => ({ type: 'ping', replyTo }), { timeoutMs: 2000 }).catch(() => undefined);
          }
          await sleep(50);
        }
      })();

      // ---- the chaos: 5% of the agents per second, by throwing, for 10 s
      const report = await new ChaosMonkey(system, {
        rate: KILL_SHARE * agentPaths.length,
        durationMs: CHAOS_MS,
        seed: 30_000,
        select: { type: 'agent', path: '/user/orchestrator/*/*/agent-*' },
        cooldownMs: 2000,
        probe: { availabilityRate: 200, timeoutMs: 5000, recoveryTimeoutMs: 15_000 },
        recordVictims: false,
        ledger,
      }).run();
      clientRunning = false;
      await client;
      while (pending.size > 0) await Promise.allSettled([...pending]);

      // ---- every breaker closes again once the chaos has stopped
      const closing = performance.now();
      const deadline = closing + 15_000;
      const notClosed = (): string[] => [...hierarchy.breakers.values(), hierarchy.global].filter((b) => b.state !== 'closed').map((b) => `${b.name}=${b.state}`);
      while (notClosed().length > 0 && performance.now() < deadline) await sleep(50);
      const closeMs = performance.now() - closing;
      pinging = false;
      await pinger;
      const openedClusters = [...hierarchy.breakers.values()].filter((b) => b.level === 'cluster' && b.opened > 0).length;
      const openedSectors = [...hierarchy.breakers.values()].filter((b) => b.level === 'sector' && b.opened > 0).length;
      hierarchy.dispose();

      const ledgerCheck = ledger.check();
      const summary = {
        buildMs: Math.round(buildMs),
        planned: report.planned,
        kills: report.kills,
        missed: report.missed,
        restarts: report.restarts,
        escalations: report.escalations,
        recovery: { p50Ms: +report.recovery.p50Ms.toFixed(2), p99Ms: +report.recovery.p99Ms.toFixed(1), samples: report.recovery.samples, unrecovered: report.recovery.unrecovered },
        availability: report.availability.map((b) => +b.ratio.toFixed(2)),
        deadLetters: report.deadLetters.byReason,
        client: outcomes,
        openedClusters,
        openedSectors,
        circuitChanges: circuitEvents.length,
        closeMs: Math.round(closeMs),
        ledger: { acknowledged: ledgerCheck.acknowledged, processed: ledgerCheck.processed, lost: ledgerCheck.lost.length, duplicated: ledgerCheck.duplicated.length },
      };
      console.log(`      MESH-30K chaos: ${JSON.stringify(summary)}`);

      // the chaos happened as asked
      assert.equal(report.population, 30_000);
      assert.equal(report.planned, 15_000, '5% of 30,000 agents per second for 10 s');
      assert.equal(report.kills.throw + Object.values(report.missed).reduce((a, b) => a + b, 0), report.planned);
      assert.ok(report.kills.throw > 2000, `kills landed (${report.kills.throw}); the others were refused by open breakers: ${JSON.stringify(report.missed)}`);
      assert.deepEqual(Object.keys(report.missed).filter((k) => k !== 'CircuitOpenError'), [], 'a kill is only ever refused by a breaker');
      assert.equal(report.restarts, report.kills.throw, 'one restart per landed kill');
      assert.equal(escalations.length, 0);
      assert.ok(openedClusters > 0, 'cluster breakers opened under 1.5 failures per cluster per second');
      // every permanent actor is alive
      const dead = paths.filter((path) => system.lookup(path) === undefined);
      assert.deepEqual(dead, [], `${dead.length} permanent actors are not alive`);
      assert.equal(system.actorTotal, 31_101 + 3);
      // every breaker is closed again
      assert.deepEqual(notClosed(), []);
      // every acknowledged job was processed exactly once
      assert.ok(ledgerCheck.acknowledged > 5000, `jobs acknowledged: ${ledgerCheck.acknowledged}`);
      assert.deepEqual(ledgerCheck.lost, [], 'no acknowledged job is missing');
      assert.deepEqual(ledgerCheck.duplicated, [], 'no acknowledged job was processed twice');
      for (let id = 0; id < nextId; id++) assert.ok(ledger.count(id) <= 1, `job ${id} processed ${ledger.count(id)} times`);
      assert.equal(report.lostAcknowledged, false, 'the ledger as the monkey saw it when the chaos ended');
      assert.equal(outcomes['AskTimeoutError'] ?? 0, 0, 'no job timed out');
    });
  });
});
