import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AdmissionRequestError } from '../../src/admission/errors.js';
import { DEFAULT_ALL_RESPONSES_BUDGET_MS, DEFAULT_FIRST_RESPONSE_BUDGET_MS, plan } from '../../src/admission/planner.js';
import type { AdmissionJob, AdmissionPlan, LaneBudget, PlannedJob, PlanRequest, ReadyArtifact, ResourceClass } from '../../src/admission/types.js';

const NOW = 1_000_000;

function job(id: string, resourceClass: ResourceClass, fields: Partial<AdmissionJob> = {}): AdmissionJob {
  return { id, resourceClass, priority: 0, createdAtMs: NOW - 1000, artifactKey: `artifact:${id}`, ...fields };
}

const budget = (capacity: number, estimatedDurationMs = 1000, order?: LaneBudget['order']): LaneBudget => ({ capacity, estimatedDurationMs, ...(order ? { order } : {}) });

function request(jobs: AdmissionJob[], fields: Partial<PlanRequest> = {}): PlanRequest {
  return { nowMs: NOW, jobs, lanes: {}, ...fields };
}

function admittedById(result: AdmissionPlan): Map<string, PlannedJob> {
  return new Map(result.admitted.map((p) => [p.id, p]));
}

/** Waves of the admitted jobs, listed in their lane order. */
function wavesInOrder(result: AdmissionPlan, provider?: string, resourceClass?: ResourceClass): number[] {
  return result.admitted
    .filter((p) => (resourceClass === undefined || p.lane.resourceClass === resourceClass) && (provider === undefined || p.lane.provider === provider))
    .sort((a, b) => a.order - b.order)
    .map((p) => p.wave);
}

describe('admission planner: seed 004 cases', () => {
  it('local capacity 1 puts local jobs in waves 0, 1, 2 while cloud jobs under a generous provider cap are all wave 0', () => {
    const jobs = [
      job('local-a', 'local-generation', { createdAtMs: NOW - 30 }),
      job('local-b', 'local-generation', { createdAtMs: NOW - 20 }),
      job('local-c', 'local-generation', { createdAtMs: NOW - 10 }),
      job('cloud-a', 'cloud-generation', { provider: 'openai' }),
      job('cloud-b', 'cloud-generation', { provider: 'openai' }),
      job('cloud-c', 'cloud-generation', { provider: 'openai' }),
    ];
    const result = plan(request(jobs, { lanes: { 'local-generation': budget(1, 2000) }, providerLanes: { 'cloud-generation': { openai: budget(64, 3000) } } }));
    const byId = admittedById(result);
    assert.deepEqual(wavesInOrder(result, undefined, 'local-generation'), [0, 1, 2]);
    // newest-first by default: the job created last runs first.
    assert.deepEqual(['local-c', 'local-b', 'local-a'].map((id) => byId.get(id)!.wave), [0, 1, 2]);
    assert.deepEqual(['cloud-a', 'cloud-b', 'cloud-c'].map((id) => byId.get(id)!.wave), [0, 0, 0]);
    assert.deepEqual(['local-c', 'local-b', 'local-a'].map((id) => byId.get(id)!.estimatedStartMs - NOW), [0, 2000, 4000]);
    assert.deepEqual(byId.get('cloud-c')!.lane, { resourceClass: 'cloud-generation', provider: 'openai' });
    assert.deepEqual(byId.get('local-a')!.lane, { resourceClass: 'local-generation' });
  });

  it('per-provider caps: 5 openai jobs under cap 2 take waves 0,0,1,1,2 while anthropic jobs have their own lane', () => {
    const jobs = [
      ...[1, 2, 3, 4, 5].map((i) => job(`openai-${i}`, 'cloud-generation', { provider: 'openai', createdAtMs: NOW - i })),
      ...[1, 2, 3].map((i) => job(`anthropic-${i}`, 'cloud-generation', { provider: 'anthropic', createdAtMs: NOW - i })),
    ];
    const result = plan(request(jobs, { providerLanes: { 'cloud-generation': { openai: budget(2), anthropic: budget(4) } } }));
    assert.deepEqual(wavesInOrder(result, 'openai'), [0, 0, 1, 1, 2]);
    assert.deepEqual(wavesInOrder(result, 'anthropic'), [0, 0, 0]);
    assert.deepEqual(
      result.admitted.filter((p) => p.lane.provider === 'anthropic').map((p) => p.order).sort(),
      [0, 1, 2],
      'the anthropic lane counts its own order from 0',
    );
    // The busy openai lane does not delay anthropic: all of its jobs start now.
    assert.ok(result.admitted.filter((p) => p.lane.provider === 'anthropic').every((p) => p.estimatedStartMs === NOW));
  });

  it('coalesces jobs of one class for one artifact to the latest highest-priority job', () => {
    const jobs = [
      job('old-high', 'local-generation', { artifactKey: 'reply:room-1', priority: 5, createdAtMs: NOW - 50 }),
      job('new-high', 'local-generation', { artifactKey: 'reply:room-1', priority: 5, createdAtMs: NOW - 10 }),
      job('newest-low', 'local-generation', { artifactKey: 'reply:room-1', priority: 1, createdAtMs: NOW - 1 }),
      job('other', 'local-generation', { artifactKey: 'reply:room-2' }),
    ];
    const result = plan(request(jobs, { lanes: { 'local-generation': budget(4) } }));
    assert.deepEqual(
      result.admitted.map((p) => p.id).sort(),
      ['new-high', 'other'],
    );
    assert.deepEqual(result.coalesced, [
      { id: 'newest-low', keptId: 'new-high' },
      { id: 'old-high', keptId: 'new-high' },
    ]);
  });

  it('coalescing ties (same priority, same creation time) keep the smallest id, whatever the input order', () => {
    const a = job('b-job', 'tool', { artifactKey: 'x', createdAtMs: 5 });
    const b = job('a-job', 'tool', { artifactKey: 'x', createdAtMs: 5 });
    for (const jobs of [[a, b], [b, a]]) {
      const result = plan(request(jobs, { lanes: { tool: budget(1) } }));
      assert.deepEqual(result.coalesced, [{ id: 'b-job', keptId: 'a-job' }]);
    }
  });

  it('keeps jobs of different classes for one artifact (different work), and coalesces across providers of one class', () => {
    const jobs = [
      job('decode-on-gpu', 'gpu-render', { artifactKey: 'frame:42' }),
      job('upload-by-tool', 'tool', { artifactKey: 'frame:42' }),
      job('summary-openai', 'cloud-generation', { provider: 'openai', artifactKey: 'summary:7', createdAtMs: NOW - 5 }),
      job('summary-anthropic', 'cloud-generation', { provider: 'anthropic', artifactKey: 'summary:7', createdAtMs: NOW - 2 }),
    ];
    const result = plan(request(jobs, { lanes: { 'gpu-render': budget(1), tool: budget(1) }, providerLanes: { 'cloud-generation': { openai: budget(1), anthropic: budget(1) } } }));
    assert.deepEqual(result.admitted.map((p) => p.id).sort(), ['decode-on-gpu', 'summary-anthropic', 'upload-by-tool']);
    assert.deepEqual(result.coalesced, [{ id: 'summary-openai', keptId: 'summary-anthropic' }]);
  });

  describe('a dependency chain webrtc.frame_decoded -> bevy.texture (ORM, inference, WebRTC, Bevy)', () => {
    const jobs = [
      job('orm-load-room', 'tool', { artifactKey: 'room:general:canonical' }),
      job('persona-reply', 'local-generation', { artifactKey: 'reply:general', dependencyKeys: ['room:general:canonical'] }),
      job('webrtc-decode', 'gpu-render', { artifactKey: 'webrtc.frame_decoded', dependencyKeys: ['webrtc.track'] }),
      job('bevy-upload', 'gpu-render', { artifactKey: 'bevy.texture', dependencyKeys: ['webrtc.frame_decoded', 'bevy.scene', 'webrtc.frame_decoded'] }),
    ];
    const lanes = { tool: budget(4, 50), 'local-generation': budget(1, 2000), 'gpu-render': budget(2, 16) };

    it('admits the whole chain when every dependency is ready', () => {
      const ready: ReadyArtifact[] = [{ key: 'room:general:canonical' }, { key: 'webrtc.track' }, { key: 'webrtc.frame_decoded' }, { key: 'bevy.scene' }];
      const result = plan(request(jobs, { lanes, ready }));
      assert.deepEqual(result.admitted.map((p) => p.id).sort(), ['bevy-upload', 'orm-load-room', 'persona-reply', 'webrtc-decode']);
      assert.deepEqual(result.deferred, []);
    });

    it('breaks cleanly when a dependency is missing: only the dependent job is deferred, with its missing keys sorted and without repeats', () => {
      const ready: ReadyArtifact[] = [{ key: 'room:general:canonical' }, { key: 'webrtc.track' }];
      const result = plan(request(jobs, { lanes, ready }));
      assert.deepEqual(result.admitted.map((p) => p.id).sort(), ['orm-load-room', 'persona-reply', 'webrtc-decode']);
      assert.deepEqual(result.deferred, [{ id: 'bevy-upload', missingDependencies: ['bevy.scene', 'webrtc.frame_decoded'] }]);
      assert.deepEqual(result.unbudgeted, []);
    });

    it('counts an expired lease as missing (validUntilMs <= nowMs), a live one as ready', () => {
      const ready: ReadyArtifact[] = [
        { key: 'room:general:canonical', validUntilMs: NOW, holderId: 'orm' },
        { key: 'webrtc.track', validUntilMs: NOW + 1, holderId: 'webrtc' },
        { key: 'webrtc.frame_decoded', validUntilMs: NOW - 5 },
        { key: 'bevy.scene' },
      ];
      const result = plan(request(jobs, { lanes, ready }));
      assert.deepEqual(result.admitted.map((p) => p.id).sort(), ['orm-load-room', 'webrtc-decode']);
      assert.deepEqual(result.deferred, [
        { id: 'bevy-upload', missingDependencies: ['webrtc.frame_decoded'] },
        { id: 'persona-reply', missingDependencies: ['room:general:canonical'] },
      ]);
    });
  });
});

describe('admission planner: unbudgeted lanes are refused, never deferred silently', () => {
  it('puts a job of a class without budget, or of a provider without budget, in unbudgeted with its lane', () => {
    const jobs = [
      job('tool-1', 'tool'),
      job('memory-1', 'background-memory'),
      job('deepseek-1', 'cloud-generation', { provider: 'deepseek' }),
      job('openai-1', 'cloud-generation', { provider: 'openai' }),
      job('render-1', 'gpu-render', { dependencyKeys: ['missing'] }),
    ];
    const result = plan(request(jobs, { lanes: { tool: budget(1) }, providerLanes: { 'cloud-generation': { openai: budget(1) } } }));
    assert.deepEqual(result.unbudgeted, [
      { id: 'deepseek-1', lane: { resourceClass: 'cloud-generation', provider: 'deepseek' } },
      { id: 'memory-1', lane: { resourceClass: 'background-memory' } },
      { id: 'render-1', lane: { resourceClass: 'gpu-render' } },
    ]);
    assert.deepEqual(result.deferred, [], 'an unbudgeted job is refused even when its dependencies are missing');
    assert.deepEqual(result.admitted.map((p) => p.id).sort(), ['openai-1', 'tool-1']);
  });

  it('a lane budget given as undefined is no budget; a provider named on a plain class is ignored', () => {
    const jobs = [job('t', 'tool', { provider: 'openai' }), job('g', 'gpu-render')];
    const result = plan(request(jobs, { lanes: { tool: budget(1), 'gpu-render': undefined } }));
    assert.deepEqual(result.admitted.map((p) => [p.id, p.lane]), [['t', { resourceClass: 'tool' }]]);
    assert.deepEqual(result.unbudgeted, [{ id: 'g', lane: { resourceClass: 'gpu-render' } }]);
  });

  it('an unbudgeted job does not absorb a budgeted job for the same artifact', () => {
    const jobs = [job('no-budget', 'cloud-generation', { provider: 'nobody', artifactKey: 'x', priority: 9 }), job('budgeted', 'cloud-generation', { provider: 'openai', artifactKey: 'x' })];
    const result = plan(request(jobs, { providerLanes: { 'cloud-generation': { openai: budget(1) } } }));
    assert.deepEqual(result.admitted.map((p) => p.id), ['budgeted']);
    assert.deepEqual(result.coalesced, []);
    assert.equal(result.unbudgeted.length, 1);
  });

  it('jobs that are all refused or deferred do not meet the budgets; no jobs at all meet them trivially', () => {
    const refused = plan(request([job('t', 'tool')]));
    assert.equal(refused.estimatedFirstResponseMs, null);
    assert.equal(refused.meetsFirstResponseBudget, false);
    assert.equal(refused.meetsAllResponsesBudget, false);
    const empty = plan(request([]));
    assert.equal(empty.estimatedAllResponsesMs, null);
    assert.equal(empty.meetsFirstResponseBudget, true);
    assert.equal(empty.meetsAllResponsesBudget, true);
  });
});

describe('admission planner: order policies', () => {
  const jobs = [
    job('old', 'tool', { createdAtMs: 100 }),
    job('mid', 'tool', { createdAtMs: 200 }),
    job('new', 'tool', { createdAtMs: 300 }),
    job('urgent-old', 'tool', { createdAtMs: 50, priority: 2 }),
    job('tie-b', 'tool', { createdAtMs: 200, priority: -1 }),
    job('tie-a', 'tool', { createdAtMs: 200, priority: -1 }),
  ];
  const ordered = (result: AdmissionPlan): string[] => [...result.admitted].sort((a, b) => a.order - b.order).map((p) => p.id);

  it('newest-first (the default) runs the freshest job of a priority first; priority still comes first; ties go by id', () => {
    assert.deepEqual(ordered(plan(request(jobs, { lanes: { tool: budget(1) } }))), ['urgent-old', 'new', 'mid', 'old', 'tie-a', 'tie-b']);
  });

  it('oldest-first runs the oldest job of a priority first', () => {
    assert.deepEqual(ordered(plan(request(jobs, { lanes: { tool: budget(1, 1000, 'oldest-first') } }))), ['urgent-old', 'old', 'mid', 'new', 'tie-a', 'tie-b']);
  });
});

describe('admission planner: estimates and budgets', () => {
  it('simulates capacity slots: each job starts when the earliest slot frees (absolute times), first/all responses relative to now', () => {
    const jobs = [
      job('long', 'tool', { createdAtMs: 4, estimatedDurationMs: 5000 }),
      job('short-1', 'tool', { createdAtMs: 3, estimatedDurationMs: 1000 }),
      job('short-2', 'tool', { createdAtMs: 2 }),
      job('short-3', 'tool', { createdAtMs: 1, estimatedDurationMs: 1000 }),
    ];
    const result = plan(request(jobs, { lanes: { tool: budget(2, 1000) } }));
    const times = result.admitted.map((p) => [p.id, p.wave, p.estimatedStartMs - NOW, p.estimatedFinishMs - NOW]);
    // admitted is listed by estimated start, then lane order.
    assert.deepEqual(times, [
      ['long', 0, 0, 5000],
      ['short-1', 0, 0, 1000],
      ['short-2', 1, 1000, 2000],
      ['short-3', 1, 2000, 3000],
    ]);
    assert.equal(result.estimatedFirstResponseMs, 1000);
    assert.equal(result.estimatedAllResponsesMs, 5000);
    assert.equal(result.firstResponseBudgetMs, DEFAULT_FIRST_RESPONSE_BUDGET_MS);
    assert.equal(result.allResponsesBudgetMs, DEFAULT_ALL_RESPONSES_BUDGET_MS);
    assert.equal(DEFAULT_FIRST_RESPONSE_BUDGET_MS, 10_000);
    assert.equal(DEFAULT_ALL_RESPONSES_BUDGET_MS, 30_000);
    assert.equal(result.meetsFirstResponseBudget, true);
    assert.equal(result.meetsAllResponsesBudget, true);
  });

  it('sets the meets_* flags against the given budgets (a budget met exactly counts as met)', () => {
    const jobs = [1, 2, 3].map((i) => job(`local-${i}`, 'local-generation'));
    const lanes = { 'local-generation': budget(1, 4000) };
    const tight = plan(request(jobs, { lanes, firstResponseBudgetMs: 3999, allResponsesBudgetMs: 11_999 }));
    assert.equal(tight.estimatedFirstResponseMs, 4000);
    assert.equal(tight.estimatedAllResponsesMs, 12_000);
    assert.equal(tight.meetsFirstResponseBudget, false);
    assert.equal(tight.meetsAllResponsesBudget, false);
    const exact = plan(request(jobs, { lanes, firstResponseBudgetMs: 4000, allResponsesBudgetMs: 12_000 }));
    assert.equal(exact.meetsFirstResponseBudget, true);
    assert.equal(exact.meetsAllResponsesBudget, true);
    // The seed's alpha SLOs by default: 10 s first, 30 s all. Ten local jobs of 4 s miss "all".
    const many = plan(request([...Array(10).keys()].map((i) => job(`l${i}`, 'local-generation')), { lanes }));
    assert.equal(many.meetsFirstResponseBudget, true);
    assert.equal(many.meetsAllResponsesBudget, false);
  });

  it('lists admitted jobs of several lanes by start, then lane order, then lane', () => {
    const jobs = [job('t1', 'tool', { createdAtMs: 2 }), job('t2', 'tool', { createdAtMs: 1 }), job('g1', 'gpu-render', { createdAtMs: 2 }), job('g2', 'gpu-render', { createdAtMs: 1 })];
    const result = plan(request(jobs, { lanes: { tool: budget(1, 100), 'gpu-render': budget(1, 100) } }));
    // gpu-render comes before tool in RESOURCE_CLASSES.
    assert.deepEqual(result.admitted.map((p) => p.id), ['g1', 't1', 'g2', 't2']);
  });
});

describe('admission planner: bad requests are refused with the field named', () => {
  const good = (): PlanRequest => ({
    nowMs: NOW,
    jobs: [job('a', 'tool'), job('b', 'cloud-generation', { provider: 'openai' })],
    lanes: { tool: budget(1) },
    providerLanes: { 'cloud-generation': { openai: budget(2) } },
    ready: [{ key: 'k' }],
  });
  const cases: Array<[string, (r: any) => void, string, RegExp]> = [
    ['a priority that is not a number', (r) => (r.jobs[1] = { ...r.jobs[1], priority: '7' }), 'jobs[1].priority', /finite number.*got "7"/],
    ['a NaN creation time', (r) => (r.jobs[0] = { ...r.jobs[0], createdAtMs: NaN }), 'jobs[0].createdAtMs', /got NaN/],
    ['a duplicate job id', (r) => r.jobs.push(job('a', 'tool')), 'jobs[2].id', /duplicates jobs\[0\]\.id/],
    ['a provider-class job without provider', (r) => r.jobs.push(job('c', 'cloud-generation')), 'jobs[2].provider', /required for class cloud-generation/],
    ['an unknown resource class', (r) => r.jobs.push({ ...job('c', 'tool'), resourceClass: 'quantum' }), 'jobs[2].resourceClass', /must be one of/],
    ['an empty artifact key', (r) => r.jobs.push(job('c', 'tool', { artifactKey: '' })), 'jobs[2].artifactKey', /non-empty string/],
    ['a dependency key that is not a string', (r) => r.jobs.push(job('c', 'tool', { dependencyKeys: ['ok', 3 as any] })), 'jobs[2].dependencyKeys[1]', /got 3/],
    ['a negative job duration', (r) => r.jobs.push(job('c', 'tool', { estimatedDurationMs: -1 })), 'jobs[2].estimatedDurationMs', />= 0.*got -1/],
    ['a job that is not an object', (r) => r.jobs.push(null), 'jobs[2]', /must be an object/],
    ['a capacity of 0', (r) => (r.lanes.tool = budget(0)), 'lanes.tool.capacity', /integer >= 1.*got 0/],
    ['a fractional capacity', (r) => (r.providerLanes['cloud-generation'].openai = budget(1.5)), 'providerLanes["cloud-generation"].openai.capacity', /got 1.5/],
    ['a negative lane duration', (r) => (r.lanes['gpu-render'] = budget(1, -5)), 'lanes["gpu-render"].estimatedDurationMs', /got -5/],
    ['an unknown order policy', (r) => (r.lanes.tool = { ...budget(1), order: 'random' }), 'lanes.tool.order', /newest-first, oldest-first/],
    ['an unknown lane class', (r) => (r.lanes.quantum = budget(1)), 'lanes.quantum', /not a resource class/],
    ['a shared budget for a per-provider class', (r) => (r.lanes['cloud-generation'] = budget(8)), 'lanes["cloud-generation"]', /per-provider class/],
    ['a provider budget for a plain class', (r) => (r.providerLanes.tool = { x: budget(1) }), 'providerLanes.tool', /not a per-provider class/],
    ['a ready artifact without key', (r) => r.ready.push({ validUntilMs: 5 }), 'ready[1].key', /non-empty string/],
    ['a non-finite lease end', (r) => r.ready.push({ key: 'z', validUntilMs: Infinity }), 'ready[1].validUntilMs', /got Infinity/],
    ['a missing nowMs', (r) => delete r.nowMs, 'nowMs', /got undefined/],
    ['jobs that are not an array', (r) => (r.jobs = {}), 'jobs', /must be an array/],
    ['a negative first-response budget', (r) => (r.firstResponseBudgetMs = -1), 'firstResponseBudgetMs', /got -1/],
  ];
  for (const [what, mutate, path, message] of cases) {
    it(`refuses ${what}, naming ${path}`, () => {
      const bad = structuredClone(good()) as any;
      mutate(bad);
      assert.throws(
        () => plan(bad),
        (error: unknown) => {
          assert.ok(error instanceof AdmissionRequestError, `an AdmissionRequestError, got ${String(error)}`);
          assert.equal(error.path, path);
          assert.ok(error.message.includes(path), error.message);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('accepts the good request it mutates (the cases above fail for their own reason)', () => {
    assert.equal(plan(good()).admitted.length, 2);
  });
});

// ------------------------------------------------------------------ properties

const CLASSES: ResourceClass[] = ['local-generation', 'cloud-generation', 'tool'];
const PROVIDERS = ['openai', 'anthropic', 'nobody'];

const budgetArb = fc.record({
  capacity: fc.integer({ min: 1, max: 4 }),
  estimatedDurationMs: fc.integer({ min: 0, max: 50 }),
  order: fc.constantFrom<LaneBudget['order']>('newest-first', 'oldest-first'),
});

const jobFieldsArb = fc.record({
  resourceClass: fc.constantFrom(...CLASSES),
  provider: fc.constantFrom(...PROVIDERS),
  priority: fc.integer({ min: 0, max: 3 }),
  createdAtMs: fc.integer({ min: 0, max: 20 }),
  artifact: fc.integer({ min: 0, max: 8 }),
  dependencyKeys: fc.option(fc.array(fc.constantFrom('d0', 'd1', 'd2', 'd3'), { maxLength: 3 }), { nil: undefined }),
  estimatedDurationMs: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
});

type JobFields = typeof jobFieldsArb extends fc.Arbitrary<infer T> ? T : never;

function toJobs(fields: JobFields[]): AdmissionJob[] {
  return fields.map((f, i) => ({
    id: `j${i}`,
    resourceClass: f.resourceClass,
    ...(f.resourceClass === 'cloud-generation' ? { provider: f.provider } : {}),
    priority: f.priority,
    createdAtMs: f.createdAtMs,
    artifactKey: `a${f.artifact}`,
    ...(f.dependencyKeys !== undefined ? { dependencyKeys: f.dependencyKeys } : {}),
    ...(f.estimatedDurationMs !== undefined ? { estimatedDurationMs: f.estimatedDurationMs } : {}),
  }));
}

const requestArb: fc.Arbitrary<PlanRequest> = fc
  .record({
    jobs: fc.array(jobFieldsArb, { maxLength: 40 }),
    local: fc.option(budgetArb, { nil: undefined }),
    tool: fc.option(budgetArb, { nil: undefined }),
    openai: fc.option(budgetArb, { nil: undefined }),
    anthropic: budgetArb,
    ready: fc.array(
      fc.record({ key: fc.constantFrom('d0', 'd1', 'd2', 'd3'), validUntilMs: fc.option(fc.integer({ min: 95, max: 105 }), { nil: undefined }) }),
      { maxLength: 6 },
    ),
  })
  .map((r) => ({
    nowMs: 100,
    jobs: toJobs(r.jobs),
    lanes: { ...(r.local ? { 'local-generation': r.local } : {}), ...(r.tool ? { tool: r.tool } : {}) },
    providerLanes: { 'cloud-generation': { ...(r.openai ? { openai: r.openai } : {}), anthropic: r.anthropic } },
    ready: r.ready.map((a) => (a.validUntilMs === undefined ? { key: a.key } : { key: a.key, validUntilMs: a.validUntilMs })),
  }));

function capacityOf(req: PlanRequest, p: PlannedJob): number {
  return p.lane.provider !== undefined ? req.providerLanes![p.lane.resourceClass]![p.lane.provider]!.capacity : req.lanes[p.lane.resourceClass]!.capacity;
}

describe('admission planner: properties', () => {
  it('at no instant does a lane run more than its capacity in the estimated schedule', () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        const result = plan(req);
        const lanes = new Map<string, PlannedJob[]>();
        for (const p of result.admitted) {
          const key = `${p.lane.resourceClass}/${p.lane.provider ?? ''}`;
          lanes.set(key, [...(lanes.get(key) ?? []), p]);
        }
        for (const jobs of lanes.values()) {
          const capacity = capacityOf(req, jobs[0]!);
          // Concurrency only rises at a start: checking every start instant covers every instant.
          for (const at of jobs) {
            const t = at.estimatedStartMs;
            const running = jobs.filter((p) => p.estimatedStartMs <= t && t < p.estimatedFinishMs).length;
            assert.ok(running <= capacity, `${running} jobs running at ${t} in a lane of capacity ${capacity}`);
          }
          for (const p of jobs) assert.equal(p.wave, Math.floor(p.order / capacity));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("every admitted job's dependencies were ready at nowMs; every job lands in exactly one list", () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        const result = plan(req);
        const ready = new Set(req.ready!.filter((a) => a.validUntilMs === undefined || a.validUntilMs > req.nowMs).map((a) => a.key));
        const byId = new Map(req.jobs.map((j) => [j.id, j]));
        for (const p of result.admitted) for (const key of byId.get(p.id)!.dependencyKeys ?? []) assert.ok(ready.has(key), `${p.id} admitted without ${key}`);
        for (const d of result.deferred) {
          assert.ok(d.missingDependencies.length > 0);
          for (const key of d.missingDependencies) assert.ok(!ready.has(key));
        }
        const all = [...result.admitted, ...result.deferred, ...result.coalesced, ...result.unbudgeted].map((x) => x.id).sort();
        assert.deepEqual(all, req.jobs.map((j) => j.id).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('oldest-first never starves: adding newer jobs of equal (or lower) priority never delays an older one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ priority: fc.integer({ min: 1, max: 3 }), createdAtMs: fc.integer({ min: 0, max: 50 }), estimatedDurationMs: fc.integer({ min: 0, max: 30 }) }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.record({ priority: fc.integer({ min: 0, max: 3 }), after: fc.integer({ min: 1, max: 50 }), estimatedDurationMs: fc.integer({ min: 0, max: 30 }) }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        (base, extra, capacity) => {
          const lanes = { tool: budget(capacity, 10, 'oldest-first') };
          const baseJobs = base.map((b, i) => job(`base-${i}`, 'tool', b));
          const latest = Math.max(...base.map((b) => b.createdAtMs));
          const lowest = Math.min(...base.map((b) => b.priority));
          // Newer than every base job, and at most the lowest base priority.
          const extraJobs = extra.map((e, i) => job(`extra-${i}`, 'tool', { priority: Math.min(e.priority, lowest), createdAtMs: latest + e.after, estimatedDurationMs: e.estimatedDurationMs }));
          const before = admittedById(plan(request(baseJobs, { lanes })));
          const after = admittedById(plan(request([...extraJobs, ...baseJobs], { lanes })));
          for (const [id, p] of before) {
            assert.equal(after.get(id)!.estimatedStartMs, p.estimatedStartMs, `${id} moved`);
            assert.equal(after.get(id)!.order, p.order);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is deterministic and independent of the input order of jobs (and of ready artifacts)', () => {
    fc.assert(
      fc.property(requestArb, fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), (req, randoms) => {
        const shuffle = <T>(list: readonly T[]): T[] =>
          list
            .map((item) => [randoms.next().value as number, item] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, item]) => item);
        const first = plan(req);
        assert.deepEqual(plan(req), first);
        assert.deepEqual(plan({ ...req, jobs: shuffle(req.jobs), ready: shuffle(req.ready!) }), first);
      }),
      { numRuns: 300 },
    );
  });

  it('orders each lane as the plain rule says (priority, creation time by policy, id), for integer, fractional and huge values alike', () => {
    const valueArb = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -0.25, 1e15, -1e15, 2 ** 52, 1.7e12));
    fc.assert(
      fc.property(
        fc.array(fc.record({ priority: valueArb, createdAtMs: valueArb }), { maxLength: 40 }),
        fc.constantFrom<LaneBudget['order']>('newest-first', 'oldest-first'),
        (fields, order) => {
          const jobs = fields.map((f, i) => job(`j${(i * 7) % 41}-${i}`, 'tool', f));
          const result = plan(request(jobs, { lanes: { tool: budget(3, 10, order) } }));
          const sign = order === 'oldest-first' ? 1 : -1;
          const expected = [...jobs]
            .sort((a, b) => b.priority - a.priority || sign * (a.createdAtMs - b.createdAtMs) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            .map((j) => j.id);
          assert.deepEqual([...result.admitted].sort((a, b) => a.order - b.order).map((p) => p.id), expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('plans 100,000 jobs in well under a second even in a test run (the figure is bench/admission.bench.ts)', () => {
    const jobs: AdmissionJob[] = [];
    for (let i = 0; i < 100_000; i++) {
      jobs.push(i % 2 === 0 ? job(`c${i}`, 'cloud-generation', { provider: `p${i % 5}`, priority: i % 3, createdAtMs: i }) : job(`t${i}`, 'tool', { createdAtMs: i % 1000 }));
    }
    const providers = Object.fromEntries([0, 1, 2, 3, 4].map((p) => [`p${p}`, budget(4)]));
    const start = performance.now();
    const result = plan(request(jobs, { lanes: { tool: budget(16) }, providerLanes: { 'cloud-generation': providers } }));
    const ms = performance.now() - start;
    assert.equal(result.admitted.length, 100_000);
    assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
  });
});
