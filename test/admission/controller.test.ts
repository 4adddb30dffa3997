import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ActorRef, ActorSystem, RuntimeEvent } from '../../src/index.js';
import { plan } from '../../src/admission/planner.js';
import type { AdmissionJob, LaneBudget, ResourceClass } from '../../src/admission/types.js';
import { admissionController } from '../../actors/admission/controller.js';
import type { AdmissionMsg, AdmissionOutcome, AdmissionSettings, AdmissionStatus } from '../../actors/admission/messages.js';
import { deferred, eventually, quietSystem, recordEvents, settle, sleep, terminateAll } from '../support/helpers.js';

const TOOL: LaneBudget = { capacity: 2, order: 'oldest-first', estimatedDurationMs: 10 };

function job(id: string, fields: Partial<AdmissionJob> = {}): AdmissionJob {
  return { id, resourceClass: 'tool', priority: 0, createdAtMs: 1000, artifactKey: `art-${id}`, ...fields };
}

/** A controller with `settings`, and a submit that resolves with the job's outcome. */
function controller(system: ActorSystem, settings: AdmissionSettings): { ref: ActorRef<AdmissionMsg>; submit: (j: AdmissionJob, run: () => Promise<unknown> | unknown) => Promise<AdmissionOutcome> } {
  const ref = system.spawn(admissionController, { name: 'admission', props: settings });
  return {
    ref,
    submit: (j, run) =>
      new Promise<AdmissionOutcome>((resolve) => {
        ref.tell({ type: 'submit', job: j, run, settled: resolve });
      }),
  };
}

function statusOf(_system: ActorSystem, ref: ActorRef<AdmissionMsg>): Promise<AdmissionStatus> {
  return ref.ask<AdmissionStatus>((replyTo) => ({ type: 'status', replyTo }), { timeoutMs: 1000 });
}

const ofType = (events: RuntimeEvent[], type: string): Record<string, any>[] => events.filter((e) => e.type === type) as unknown as Record<string, any>[];

/** A job body the test finishes by hand; records starts in `started`. */
function manual(started: string[]) {
  const finishers = new Map<string, () => void>();
  const run = (id: string) => () => {
    started.push(id);
    const d = deferred();
    finishers.set(id, () => d.resolve());
    return d.promise;
  };
  const finish = (id: string) => {
    const f = finishers.get(id);
    assert.ok(f, `job ${id} has not started`);
    f();
  };
  return { run, finish };
}

describe('admission controller', () => {
  afterEach(terminateAll);

  it('admits up to the lane capacity and the rest as the lane frees up, in plan order', async () => {
    const system = quietSystem();
    const { ref, submit } = controller(system, { lanes: { tool: TOOL } });
    const jobs = [job('a', { priority: 1, createdAtMs: 5 }), job('b', { createdAtMs: 1 }), job('c', { priority: 3, createdAtMs: 9 }), job('d', { createdAtMs: 2 }), job('e', { priority: 1, createdAtMs: 3 }), job('f', { createdAtMs: 0 })];
    const expected = plan({ nowMs: 0, jobs, lanes: { tool: TOOL } }).admitted.map((p) => p.id);
    const started: string[] = [];
    const { run, finish } = manual(started);
    const outcomes = jobs.map((j) => submit(j, run(j.id)));
    await eventually(() => started.length === 2, 'two jobs started');
    await settle();
    assert.equal(started.length, 2, 'never more than the capacity at once');
    const status = await statusOf(system, ref);
    assert.deepEqual(status.lanes['tool'], { lane: { resourceClass: 'tool' }, capacity: 2, running: 2, queued: 4, peak: 2 });
    assert.equal(status.queued, 4);
    assert.deepEqual(status.deferred, []);
    for (let finished = 0; finished < jobs.length; finished++) {
      finish(started[finished]!);
      const want = Math.min(jobs.length, finished + 3);
      await eventually(() => started.length >= want, `job ${want} started`);
      await settle();
      assert.ok(started.length - (finished + 1) <= 2, `at most 2 running (started ${started.length}, finished ${finished + 1})`);
    }
    assert.deepEqual(started, expected);
    assert.ok((await Promise.all(outcomes)).every((o) => o.outcome === 'completed'));
  });

  it('enforces per-provider caps', async () => {
    const system = quietSystem();
    const budget = (capacity: number): LaneBudget => ({ capacity, estimatedDurationMs: 5 });
    const { submit } = controller(system, { lanes: {}, providerLanes: { 'cloud-generation': { openai: budget(1), anthropic: budget(2) } } });
    const running: Record<string, number> = { openai: 0, anthropic: 0 };
    const peak: Record<string, number> = { openai: 0, anthropic: 0 };
    const outcomes: Promise<AdmissionOutcome>[] = [];
    for (let i = 0; i < 12; i++) {
      const provider = i % 2 === 0 ? 'openai' : 'anthropic';
      outcomes.push(
        submit(job(`j${i}`, { resourceClass: 'cloud-generation', provider }), async () => {
          peak[provider] = Math.max(peak[provider]!, ++running[provider]!);
          await sleep(2);
          running[provider]!--;
        }),
      );
    }
    const results = await Promise.all(outcomes);
    assert.ok(results.every((o) => o.outcome === 'completed'));
    assert.deepEqual(peak, { openai: 1, anthropic: 2 });
  });

  it('wakes a deferred job when its dependency becomes ready', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const { ref, submit } = controller(system, { lanes: { tool: TOOL } });
    let ran = false;
    const outcome = submit(job('needs-a', { dependencyKeys: ['a'] }), () => {
      ran = true;
    });
    await eventually(() => ofType(events, 'admission-deferred').length === 1, 'the job deferred');
    const status = await statusOf(system, ref);
    assert.deepEqual(status.deferred, [{ id: 'needs-a', missingDependencies: ['a'] }]);
    assert.equal(ran, false);
    ref.tell({ type: 'artifact-ready', artifact: { key: 'a', holderId: 'test' } });
    assert.equal((await outcome).outcome, 'completed');
    assert.equal(ran, true);
    assert.deepEqual(ofType(events, 'admission-divergence'), [], 'a deferral the plan made is no divergence');
  });

  it('puts a queued job whose dependency is revoked back to deferred (a divergence), and runs it once ready again', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const { ref, submit } = controller(system, { lanes: { tool: { capacity: 1, estimatedDurationMs: 5 } } });
    ref.tell({ type: 'artifact-ready', artifact: { key: 'x' } });
    const started: string[] = [];
    const { run, finish } = manual(started);
    const first = submit(job('blocker'), run('blocker'));
    const second = submit(job('needs-x', { dependencyKeys: ['x'] }), run('needs-x'));
    await eventually(() => started.length === 1, 'the blocker started');
    ref.tell({ type: 'artifact-revoked', key: 'x' });
    await eventually(() => ofType(events, 'admission-deferred').length === 1, 'needs-x deferred');
    const divergence = ofType(events, 'admission-divergence');
    assert.equal(divergence.length, 1);
    assert.equal(divergence[0]!.kind, 'deferred-outside-plan');
    assert.equal(divergence[0]!.jobId, 'needs-x');
    finish('blocker');
    await first;
    await settle(10);
    assert.deepEqual(started, ['blocker'], 'needs-x does not start without x');
    ref.tell({ type: 'artifact-ready', artifact: { key: 'x' } });
    await eventually(() => started.length === 2, 'needs-x started');
    finish('needs-x');
    assert.equal((await second).outcome, 'completed');
  });

  it('puts a queued job back to deferred when its dependency lease expires before it started', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const { ref, submit } = controller(system, { lanes: { tool: { capacity: 1, estimatedDurationMs: 5 } } });
    ref.tell({ type: 'artifact-ready', artifact: { key: 'lease', validUntilMs: Date.now() + 40, holderId: 'gpu-0' } });
    const started: string[] = [];
    const { run, finish } = manual(started);
    void submit(job('blocker'), run('blocker'));
    void submit(job('needs-lease', { dependencyKeys: ['lease'] }), run('needs-lease'));
    await eventually(() => started.length === 1, 'the blocker started');
    await eventually(() => ofType(events, 'admission-deferred').length === 1, 'needs-lease deferred at expiry', 1000);
    assert.deepEqual(ofType(events, 'admission-deferred')[0]!.missingDependencies, ['lease']);
    assert.equal(ofType(events, 'admission-divergence')[0]!.kind, 'deferred-outside-plan');
    finish('blocker');
    await settle(10);
    assert.deepEqual(started, ['blocker']);
    assert.deepEqual((await statusOf(system, ref)).deferred, [{ id: 'needs-lease', missingDependencies: ['lease'] }]);
  });

  it('refuses a job whose lane has no budget at once, naming the lane, with an event', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const { submit } = controller(system, { lanes: { tool: TOOL }, providerLanes: { 'cloud-generation': { openai: TOOL } } });
    const gpu = await submit(job('render', { resourceClass: 'gpu-render' }), () => assert.fail('must not run'));
    assert.equal(gpu.outcome, 'refused');
    assert.match(gpu.error!, /gpu-render/);
    const cloud = await submit(job('ask', { resourceClass: 'cloud-generation', provider: 'google' }), () => assert.fail('must not run'));
    assert.equal(cloud.outcome, 'refused');
    assert.match(cloud.error!, /cloud-generation:google/);
    const refused = ofType(events, 'admission-refused');
    assert.deepEqual(
      refused.map((e) => [e.jobId, e.lane]),
      [
        ['render', { resourceClass: 'gpu-render' }],
        ['ask', { resourceClass: 'cloud-generation', provider: 'google' }],
      ],
    );
  });

  it('coalesces a queued job with a later job for the same artifact (the later plan keeps the higher priority)', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const { submit } = controller(system, { lanes: { tool: { capacity: 1, estimatedDurationMs: 1 } } });
    const started: string[] = [];
    const { run, finish } = manual(started);
    void submit(job('blocker'), run('blocker'));
    const early = submit(job('early', { artifactKey: 'doc' }), run('early'));
    await eventually(() => started.length === 1, 'blocker started');
    await settle(5);
    const late = submit(job('late', { artifactKey: 'doc', priority: 1, createdAtMs: 2000 }), run('late'));
    const coalesced = await early;
    assert.equal(coalesced.outcome, 'coalesced');
    assert.equal(coalesced.keptId, 'late');
    assert.deepEqual(ofType(events, 'admission-coalesced').map((e) => [e.jobId, e.keptId]), [['early', 'late']]);
    finish('blocker');
    await eventually(() => started.length === 2, 'late started');
    finish('late');
    assert.equal((await late).outcome, 'completed');
    assert.deepEqual(started, ['blocker', 'late']);
  });

  it('reports budget-missed when a job finishes after its plan budget', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const { submit } = controller(system, { lanes: { tool: { capacity: 1, estimatedDurationMs: 1 } }, allResponsesBudgetMs: 20 });
    await submit(job('slow'), () => sleep(60));
    const divergence = ofType(events, 'admission-divergence');
    assert.equal(divergence.length, 1);
    assert.equal(divergence[0]!.kind, 'budget-missed');
    assert.ok(divergence[0]!.lateMs > 0);
  });

  it('reports wave-skipped when a job starts in a later wave than its plan said', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const { submit } = controller(system, { lanes: { tool: { capacity: 1, estimatedDurationMs: 1 } } });
    const started: string[] = [];
    const { run, finish } = manual(started);
    void submit(job('first'), run('first'));
    await eventually(() => started.length === 1, 'first started');
    // Planned alone (wave 0), but the lane is busy with `first`: it starts in wave 1.
    const second = submit(job('second'), run('second'));
    await settle(5);
    finish('first');
    await eventually(() => started.length === 2, 'second started');
    finish('second');
    await second;
    const divergence = ofType(events, 'admission-divergence');
    assert.deepEqual(
      divergence.map((e) => [e.kind, e.jobId, e.plannedWave, e.actualWave]),
      [['wave-skipped', 'second', 0, 1]],
    );
  });

  it('property: no lane ever exceeds its capacity, dependencies are ready at start, oldest-first completes every job (or coalesces it into one that completes)', async () => {
    const KEYS = ['k0', 'k1', 'k2'];
    const jobArb = fc.record({
      cls: fc.constantFrom<ResourceClass>('tool', 'cloud-generation', 'local-generation'),
      provider: fc.constantFrom('openai', 'anthropic'),
      priority: fc.integer({ min: 0, max: 2 }),
      createdAtMs: fc.integer({ min: 0, max: 50 }),
      deps: fc.subarray(KEYS, { maxLength: 2 }),
      // Mostly unique artifacts; a shared one now and then exercises coalescing across plans.
      artifact: fc.option(fc.constantFrom('shared-x', 'shared-y'), { freq: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(jobArb, { minLength: 1, maxLength: 25 }),
        fc.record({ tool: fc.integer({ min: 1, max: 3 }), local: fc.integer({ min: 1, max: 2 }), openai: fc.integer({ min: 1, max: 2 }), anthropic: fc.integer({ min: 1, max: 3 }) }),
        fc.subarray(KEYS),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        async (specs, caps, readyAtStart, picks) => {
          const system = quietSystem();
          try {
            const b = (capacity: number): LaneBudget => ({ capacity, order: 'oldest-first', estimatedDurationMs: 3 });
            const capacity: Record<string, number> = { tool: caps.tool, 'local-generation': caps.local, 'cloud-generation:openai': caps.openai, 'cloud-generation:anthropic': caps.anthropic };
            const { ref, submit } = controller(system, { lanes: { tool: b(caps.tool), 'local-generation': b(caps.local) }, providerLanes: { 'cloud-generation': { openai: b(caps.openai), anthropic: b(caps.anthropic) } } });
            const ready = new Set<string>();
            for (const key of readyAtStart) {
              ready.add(key);
              ref.tell({ type: 'artifact-ready', artifact: { key } });
            }
            const running: Record<string, number> = {};
            const live: { id: string; done: () => void }[] = [];
            const violations: string[] = [];
            const outcomes = specs.map((s, i) => {
              const lane = s.cls === 'cloud-generation' ? `${s.cls}:${s.provider}` : s.cls;
              const j = job(`j${i}`, { resourceClass: s.cls, priority: s.priority, createdAtMs: s.createdAtMs, dependencyKeys: s.deps, ...(s.artifact !== null ? { artifactKey: s.artifact } : {}), ...(s.cls === 'cloud-generation' ? { provider: s.provider } : {}) });
              return submit(j, () => {
                running[lane] = (running[lane] ?? 0) + 1;
                if (running[lane]! > capacity[lane]!) violations.push(`${lane} ran ${running[lane]} > ${capacity[lane]}`);
                for (const dep of s.deps) if (!ready.has(dep)) violations.push(`j${i} started without ${dep}`);
                const d = deferred();
                live.push({ id: j.id, done: () => d.resolve() });
                return d.promise.then(() => {
                  running[lane]!--;
                });
              });
            });
            let finished = 0;
            void Promise.all(outcomes).then(() => (finished = specs.length));
            // Finish running jobs in a random order; when nothing runs, make the next key ready.
            for (let step = 0; finished < specs.length; step++) {
              assert.ok(step < 10 * specs.length + 20, 'jobs still waiting after every key is ready: starvation');
              await settle(3);
              if (live.length > 0) {
                const [one] = live.splice(picks[step % picks.length]! % live.length, 1);
                one!.done();
              } else {
                const next = KEYS.find((key) => !ready.has(key));
                if (next !== undefined) {
                  ready.add(next);
                  ref.tell({ type: 'artifact-ready', artifact: { key: next } });
                }
              }
            }
            assert.deepEqual(violations, []);
            const results = await Promise.all(outcomes);
            const completed = new Set(results.filter((o) => o.outcome === 'completed').map((o) => o.jobId));
            for (const o of results) {
              assert.ok(o.outcome === 'completed' || o.outcome === 'coalesced', `${o.jobId}: ${o.outcome} ${o.error ?? ''}`);
              // A coalesced job's work is done by the job that absorbed it (perhaps through a chain).
              if (o.outcome === 'coalesced') assert.ok(o.keptId !== undefined && (completed.has(o.keptId) || results.some((r) => r.jobId === o.keptId && r.outcome === 'coalesced')));
            }
            assert.ok(completed.size > 0);
          } finally {
            await system.terminate();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
