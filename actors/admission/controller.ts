import type { ActorContext, ActorRef, ActorSystem, ExtensionEvent, FunctionBehavior } from '../../src/index.js';
import { plan } from '../../src/admission/planner.js';
import { ArtifactLeases } from '../../src/admission/leases.js';
import { PROVIDER_CLASSES, RESOURCE_CLASSES } from '../../src/admission/types.js';
import type { AdmissionJob, AdmissionPlan, LaneBudget, LaneId, OrderPolicy, ReadyArtifact } from '../../src/admission/types.js';
import { LaneQueue } from './lane-queue.js';
import { laneKeyOf } from './messages.js';
import type { AdmissionMsg, AdmissionOutcome, AdmissionSettings, AdmissionStatus, DivergenceKind, LaneStatus, Submit } from './messages.js';

/**
 * The admission controller (issue 9): executes admission plans. "The plan is the
 * contract" (seed 004's review): the pure planner (src/admission/planner.ts) decides which
 * jobs are admitted, in what order and wave, and which are deferred, coalesced or refused;
 * this actor carries that out against real lane slots and says, as an `admission-divergence`
 * event, wherever execution departs from the plan.
 *
 *   submit ---------> batch ---(one `replan` per mailbox turn)---> plan(batch)
 *                                                                  | admitted: lane queues (plan order)
 *                                                                  | deferred: waiting on their keys
 *   lane slot frees -> next queued job of the lane starts (run()) -> its promise settles
 *                      (one `jobs-settled` message per burst of settled jobs) -> slot frees
 *   artifact-ready --> deferred jobs waiting on the key ----------> batch (re-planned)
 *   artifact-revoked / lease expiry -> queued jobs needing the key -> batch (re-planned: deferred)
 *
 * Cheap per job: a re-plan covers only the jobs that arrived or changed since the last one
 * (one plan per burst of arrivals, not one per event over everything queued), and the plans
 * merge into each lane's queue (lane-queue.ts) by the lanes' order policy, each plan's own
 * order kept. A finishing job re-plans nothing: the next job of its lane is the plan's next.
 * A job arriving for the artifact of a job still queued or deferred (same class) pulls that
 * job into its re-plan, so coalescing (the planner's, within one request) holds across plans.
 *
 * Divergence (event `admission-divergence`, field `kind`):
 *   wave-skipped           a job started in a later wave of its lane than its plan said:
 *                          the plan assumed free lanes, jobs already running or queued from
 *                          earlier plans went first (actual wave: jobs that ran or started in
 *                          the lane ahead of it since its plan, over the capacity)
 *   deferred-outside-plan  a job a plan admitted had to go back to deferred (a dependency
 *                          revoked or its lease expired before the job started)
 *   budget-missed          a job finished after its plan's time + allResponsesBudgetMs
 * Other events: admission-admitted (a job starts), admission-deferred, admission-completed,
 * admission-refused (no budget for its lane, a bad job, a duplicate id), admission-coalesced.
 * Events are built only while someone listens on events$.
 *
 * Times: Date.now() (lease validUntilMs are on that clock). A lease's expiry is checked by a
 * timer at the earliest validUntilMs, and again whenever a job is about to start.
 * A restart of the controller loses its queue (the jobs' `run`s are closures): give it a
 * supervisor that does not restart it for failures it cannot have (it does not throw on bad
 * input: it refuses).
 */

/** A job the controller knows about, from submit to its outcome. */
interface Entry {
  readonly job: AdmissionJob;
  readonly submit: Submit;
  readonly lane: Lane;
  /** pending: in the next re-plan's batch; queued: admitted, waiting for a slot. */
  state: 'pending' | 'queued' | 'deferred' | 'running' | 'done';
  /** Changes whenever the entry leaves a lane queue (LaneQueue's lazy removal). */
  token: number;
  /** Rank in the lane queue (lane-queue.ts): -priority, creation by the order policy, plan sequence. */
  rankA: number;
  rankB: number;
  rankC: number;
  /** A plan admitted it at least once (going back to deferred is then a divergence). */
  wasAdmitted: boolean;
  plannedWave: number;
  /** running - startedTotal of its lane when planned: actual order = this + startedTotal at start. */
  ahead0: number;
  /** Finish deadline: the plan's now + allResponsesBudgetMs. */
  deadline: number;
  readonly submittedAt: number;
  startedAt: number;
  missing: readonly string[];
}

interface Lane {
  readonly key: string;
  readonly id: LaneId;
  readonly capacity: number;
  readonly order: OrderPolicy;
  running: number;
  startedTotal: number;
  peak: number;
  readonly queue: LaneQueue<Entry>;
  /** The class's map of byArtifact (lanes of one class share it), cached on first use. */
  artifacts: Map<string, Entry> | undefined;
}

/** The controller's lane table from its settings: one lane per class, per provider for provider classes. */
function lanesOf(settings: AdmissionSettings, where: string): Map<string, Lane> {
  const lanes = new Map<string, Lane>();
  const add = (id: LaneId, budget: LaneBudget, at: string): void => {
    if (budget === null || typeof budget !== 'object' || !Number.isInteger(budget.capacity) || budget.capacity < 1) {
      throw new RangeError(`${where}: ${at}.capacity must be an integer >= 1 (got ${JSON.stringify(budget?.capacity)})`);
    }
    const key = laneKeyOf(id);
    lanes.set(key, { key, id, capacity: budget.capacity, order: budget.order ?? 'newest-first', running: 0, startedTotal: 0, peak: 0, queue: new LaneQueue<Entry>(), artifacts: undefined });
  };
  for (const cls of RESOURCE_CLASSES) {
    if (PROVIDER_CLASSES.includes(cls)) {
      const providers = settings.providerLanes?.[cls];
      for (const provider of Object.keys(providers ?? {})) add({ resourceClass: cls, provider }, providers![provider]!, `providerLanes["${cls}"].${provider}`);
    } else {
      const budget = settings.lanes[cls];
      if (budget !== undefined) add({ resourceClass: cls }, budget, `lanes["${cls}"]`);
    }
  }
  return lanes;
}

/** Why a submitted job is refused before planning, or undefined when it may be planned. */
function precheck(job: AdmissionJob | undefined, lanes: Map<string, Lane>, entries: Map<string, Entry>): { lane: LaneId; error: string } | string | undefined {
  if (job === null || typeof job !== 'object') return `submit.job must be an AdmissionJob (got ${String(job)})`;
  if (typeof job.id !== 'string' || job.id === '') return `submit.job.id must be a non-empty string (got ${JSON.stringify(job.id)})`;
  if (!RESOURCE_CLASSES.includes(job.resourceClass)) return `job '${job.id}': resourceClass must be one of ${RESOURCE_CLASSES.join(', ')} (got ${JSON.stringify(job.resourceClass)})`;
  const isProvider = PROVIDER_CLASSES.includes(job.resourceClass);
  if (isProvider && (typeof job.provider !== 'string' || job.provider === '')) return `job '${job.id}': provider is required for ${job.resourceClass} (got ${JSON.stringify(job.provider)})`;
  const laneId: LaneId = isProvider ? { resourceClass: job.resourceClass, provider: job.provider! } : { resourceClass: job.resourceClass };
  if (!lanes.has(laneKeyOf(laneId))) return { lane: laneId, error: `job '${job.id}': no budget for lane '${laneKeyOf(laneId)}' (configure ${isProvider ? `providerLanes["${job.resourceClass}"].${job.provider}` : `lanes["${job.resourceClass}"]`})` };
  if (entries.has(job.id)) return { lane: laneId, error: `job '${job.id}': a job with this id is already submitted and not finished` };
  if (!Number.isFinite(job.priority)) return { lane: laneId, error: `job '${job.id}': priority must be a finite number (got ${String(job.priority)})` };
  if (!Number.isFinite(job.createdAtMs)) return { lane: laneId, error: `job '${job.id}': createdAtMs must be a finite number (got ${String(job.createdAtMs)})` };
  return undefined;
}

/** The admission controller behaviour; props: the lane budgets (AdmissionSettings). */
export const admissionController: FunctionBehavior<AdmissionMsg, AdmissionSettings> = (ctx, settings) => {
  if (settings === null || typeof settings !== 'object' || settings.lanes === null || typeof settings.lanes !== 'object') {
    throw new TypeError(`admission controller '${ctx.path}': props must be AdmissionSettings { lanes, providerLanes? } (got ${JSON.stringify(settings)})`);
  }
  const lanes = lanesOf(settings, `admission controller '${ctx.path}'`);
  // Lane lookup without building a key: plain classes by class, provider classes by class and provider.
  const plainLanes = new Map<string, Lane>();
  const providerLanes = new Map<string, Map<string, Lane>>();
  for (const lane of lanes.values()) {
    if (lane.id.provider === undefined) plainLanes.set(lane.id.resourceClass, lane);
    else {
      let byProvider = providerLanes.get(lane.id.resourceClass);
      if (byProvider === undefined) providerLanes.set(lane.id.resourceClass, (byProvider = new Map()));
      byProvider.set(lane.id.provider, lane);
    }
  }
  const laneOf = (job: AdmissionJob): Lane | undefined => plainLanes.get(job.resourceClass) ?? (typeof job.provider === 'string' && PROVIDER_CLASSES.includes(job.resourceClass) ? providerLanes.get(job.resourceClass)?.get(job.provider) : undefined);
  const system = ctx.system;
  const entries = new Map<string, Entry>();
  const leases = new ArtifactLeases();
  /** Jobs to (re-)plan at the next `replan`. */
  let batch: Entry[] = [];
  let replanScheduled = false;
  /** Deferred jobs by a dependency key they miss. */
  const waiting = new Map<string, Set<Entry>>();
  /** Queued jobs with dependencies, by dependency key (a revoked key re-defers them). */
  const dependents = new Map<string, Set<Entry>>();
  /** Plan sequence: ranks jobs of later plans after earlier ones at equal priority and time. */
  let seq = 0;
  let leaseTimerAt = Infinity;
  /**
   * Not-yet-started jobs by class, then artifact key: a job arriving for the artifact of a
   * queued or deferred job pulls that job into its re-plan, so the planner coalesces across
   * plans too (it only sees one batch).
   */
  const byArtifact = new Map<string, Map<string, Entry>>();
  const artifactMapOf = (cls: string): Map<string, Entry> => {
    let map = byArtifact.get(cls);
    if (map === undefined) byArtifact.set(cls, (map = new Map()));
    return map;
  };
  /**
   * Started and finished jobs stay in byArtifact until the next prune (a Map delete per job
   * cost more than the rest of a start): a prune when the maps hold twice the live jobs.
   */
  let artifactCount = 0;
  const pruneArtifacts = (): void => {
    artifactCount = 0;
    for (const map of byArtifact.values()) {
      for (const [key, entry] of map) if (entry.state === 'running' || entry.state === 'done') map.delete(key);
      artifactCount += map.size;
    }
  };

  const publish = (type: string, fields: Record<string, unknown>): void => {
    const event: ExtensionEvent = { type, timestamp: Date.now(), path: ctx.path, ...fields };
    system.publish(event);
  };
  const diverge = (kind: DivergenceKind, entry: Entry, fields: Record<string, unknown>): void => {
    if (system.eventsObserved) publish('admission-divergence', { kind, jobId: entry.job.id, lane: entry.lane.id, ...fields });
  };

  const tellOutcome = (entry: { submit: Submit }, outcome: AdmissionOutcome): void => {
    entry.submit.replyTo?.tell(outcome);
    if (entry.submit.settled !== undefined) {
      try {
        entry.submit.settled(outcome);
      } catch (error) {
        ctx.log.warn({ err: error, jobId: outcome.jobId }, 'admission settled callback threw');
      }
    }
  };

  const refuse = (submit: Submit, lane: LaneId, error: string): void => {
    const jobId = typeof submit.job?.id === 'string' ? submit.job.id : '';
    if (system.eventsObserved) publish('admission-refused', { jobId, lane, reason: error });
    tellOutcome({ submit }, { type: 'admission-outcome', jobId, outcome: 'refused', lane, error });
  };

  const scheduleReplan = (): void => {
    if (replanScheduled) return;
    replanScheduled = true;
    ctx.self.tell({ type: 'replan' });
  };

  const indexAdd = (index: Map<string, Set<Entry>>, key: string, entry: Entry): void => {
    let set = index.get(key);
    if (set === undefined) index.set(key, (set = new Set()));
    set.add(entry);
  };
  const indexDelete = (index: Map<string, Set<Entry>>, keys: readonly string[] | undefined, entry: Entry): void => {
    for (const key of keys ?? []) {
      const set = index.get(key);
      if (set === undefined) continue;
      set.delete(entry);
      if (set.size === 0) index.delete(key);
    }
  };

  /** Takes a queued entry out of its lane queue (it goes back to the batch). */
  const unqueue = (entry: Entry): void => {
    entry.token++;
    entry.lane.queue.forget();
    indexDelete(dependents, entry.job.dependencyKeys, entry);
  };

  /** Rank of a planned job in its lane queue: priority, creation by the order policy, plan sequence. */
  const enqueue = (entry: Entry, wave: number, order: number, deadline: number): void => {
    const lane = entry.lane;
    entry.state = 'queued';
    entry.wasAdmitted = true;
    entry.plannedWave = wave;
    entry.ahead0 = lane.running - lane.startedTotal;
    entry.deadline = deadline;
    const created = entry.job.createdAtMs;
    entry.rankA = -entry.job.priority;
    entry.rankB = lane.order === 'oldest-first' ? created : -created;
    entry.rankC = seq + order;
    lane.queue.push(entry);
    const deps = entry.job.dependencyKeys;
    if (deps !== undefined) for (const key of deps) indexAdd(dependents, key, entry);
  };

  const defer = (entry: Entry, missing: readonly string[], reason: string): void => {
    entry.state = 'deferred';
    entry.missing = missing;
    for (const key of missing) indexAdd(waiting, key, entry);
    if (system.eventsObserved) publish('admission-deferred', { jobId: entry.job.id, lane: entry.lane.id, missingDependencies: missing, reason });
    if (entry.wasAdmitted) diverge('deferred-outside-plan', entry, { missingDependencies: missing, reason });
  };

  const replan = (): void => {
    replanScheduled = false;
    const now = Date.now();
    expireLeases(now);
    if (batch.length === 0) return;
    const jobs = batch;
    batch = [];
    const live: Entry[] = [];
    const liveJobs: AdmissionJob[] = [];
    for (const entry of jobs) {
      if (entry.state !== 'pending') continue;
      live.push(entry);
      liveJobs.push(entry.job);
    }
    if (live.length === 0) return;
    let result: AdmissionPlan;
    try {
      result = plan({
        nowMs: now,
        jobs: liveJobs,
        lanes: settings.lanes,
        ...(settings.providerLanes !== undefined ? { providerLanes: settings.providerLanes } : {}),
        ready: leases.snapshot(now),
        ...(settings.firstResponseBudgetMs !== undefined ? { firstResponseBudgetMs: settings.firstResponseBudgetMs } : {}),
        ...(settings.allResponsesBudgetMs !== undefined ? { allResponsesBudgetMs: settings.allResponsesBudgetMs } : {}),
      });
    } catch (error) {
      // A malformed job the pre-check let through: refuse the batch rather than crash (a
      // restart would lose every queued job).
      const message = error instanceof Error ? error.message : String(error);
      for (const entry of live) {
        entries.delete(entry.job.id);
        entry.state = 'done';
        refuse(entry.submit, entry.lane.id, message);
      }
      return;
    }
    const deadline = now + result.allResponsesBudgetMs;
    for (const planned of result.admitted) enqueue(entries.get(planned.id)!, planned.wave, planned.order, deadline);
    seq += live.length;
    for (const lane of lanes.values()) lane.queue.endPlan();
    for (const d of result.deferred) defer(entries.get(d.id)!, d.missingDependencies, 'missing-dependencies');
    for (const c of result.coalesced) {
      const entry = entries.get(c.id)!;
      entries.delete(c.id);
      entry.state = 'done';
      const kept = entries.get(c.keptId);
      if (kept !== undefined) artifactMapOf(kept.job.resourceClass).set(kept.job.artifactKey, kept);
      if (system.eventsObserved) publish('admission-coalesced', { jobId: c.id, keptId: c.keptId, lane: entry.lane.id });
      tellOutcome(entry, { type: 'admission-outcome', jobId: c.id, outcome: 'coalesced', lane: entry.lane.id, keptId: c.keptId });
    }
    for (const u of result.unbudgeted) {
      const entry = entries.get(u.id)!;
      entries.delete(u.id);
      entry.state = 'done';
      refuse(entry.submit, u.lane, `job '${u.id}': no budget for lane '${laneKeyOf(u.lane)}'`);
    }
    for (const lane of lanes.values()) if (lane.queue.size > 0) pump(lane);
  };

  /** Starts queued jobs of `lane` while it has free slots, in queue (plan) order. */
  const pump = (lane: Lane): void => {
    let now = -1;
    while (lane.running < lane.capacity) {
      const entry = lane.queue.pop();
      if (entry === undefined) return;
      indexDelete(dependents, entry.job.dependencyKeys, entry);
      const deps = entry.job.dependencyKeys;
      if (deps !== undefined && deps.length > 0) {
        if (now < 0) now = Date.now();
        // The lease timer may not have fired yet: never start on an expired lease.
        const missing = deps.filter((key) => !leases.isReady(key, now));
        if (missing.length > 0) {
          expireLeases(now);
          entry.state = 'pending';
          batch.push(entry);
          scheduleReplan();
          continue;
        }
      }
      start(entry, lane);
    }
  };

  const start = (entry: Entry, lane: Lane): void => {
    const actualWave = Math.floor((entry.ahead0 + lane.startedTotal) / lane.capacity);
    lane.startedTotal++;
    lane.running++;
    if (lane.running > lane.peak) lane.peak = lane.running;
    entry.state = 'running';
    entry.startedAt = Date.now();
    if (system.eventsObserved) {
      // Built as one literal (no spread): the two per-job events are the hot ones.
      const admitted: ExtensionEvent = { type: 'admission-admitted', timestamp: entry.startedAt, path: ctx.path, jobId: entry.job.id, lane: lane.id, plannedWave: entry.plannedWave, actualWave, running: lane.running, waitedMs: entry.startedAt - entry.submittedAt };
      system.publish(admitted);
      if (actualWave > entry.plannedWave) diverge('wave-skipped', entry, { plannedWave: entry.plannedWave, actualWave });
    }
    let result: unknown;
    try {
      result = entry.submit.run();
    } catch (error) {
      jobSettled(entry, false, describe(error));
      return;
    }
    if (result instanceof Promise) {
      result.then(
        () => jobSettled(entry, true, undefined),
        (error: unknown) => jobSettled(entry, false, describe(error)),
      );
    } else {
      jobSettled(entry, true, undefined);
    }
  };

  /**
   * Settled jobs waiting for the controller's next turn. A job's promise settles outside the
   * actor's turn: rather than one `job-done` message per job, settled jobs gather here and
   * one `jobs-settled` message per burst finishes them all in the actor's turn (the state
   * is only touched there; this list is the only thing shared, like a mailbox).
   */
  let settledJobs: Entry[] = [];
  /** Errors of the settled jobs that failed (most jobs do not: no record per job). */
  const failures = new Map<Entry, string>();
  const jobSettled = (entry: Entry, ok: boolean, error: string | undefined): void => {
    if (settledJobs.length === 0) ctx.self.tell({ type: 'jobs-settled' });
    settledJobs.push(entry);
    if (!ok) failures.set(entry, error ?? 'failed');
  };

  /** `job-done` from outside: finishes the job if it is running. */
  const finish = (jobId: string, ok: boolean, error: string | undefined): void => {
    const entry = entries.get(jobId);
    if (entry !== undefined && entry.state === 'running') finishEntry(entry, ok, error);
  };

  const finishEntry = (entry: Entry, ok: boolean, error: string | undefined): void => {
    const jobId = entry.job.id;
    entries.delete(jobId);
    entry.state = 'done';
    const lane = entry.lane;
    lane.running--;
    const now = Date.now();
    const ranMs = now - entry.startedAt;
    if (system.eventsObserved) {
      const completed: ExtensionEvent = { type: 'admission-completed', timestamp: now, path: ctx.path, jobId, lane: lane.id, ok, ranMs, running: lane.running, error };
      system.publish(completed);
      if (now > entry.deadline) diverge('budget-missed', entry, { deadline: entry.deadline, finishedAt: now, lateMs: now - entry.deadline });
    }
    const waitedMs = entry.startedAt - entry.submittedAt;
    tellOutcome(entry, error === undefined ? { type: 'admission-outcome', jobId, outcome: ok ? 'completed' : 'failed', lane: lane.id, waitedMs, ranMs } : { type: 'admission-outcome', jobId, outcome: 'failed', lane: lane.id, waitedMs, ranMs, error });
    if (lane.queue.size > 0) pump(lane);
  };

  /** Deferred jobs waiting on `key` go to the next re-plan (the planner decides if they may run now). */
  const wake = (key: string): void => {
    const set = waiting.get(key);
    if (set === undefined) return;
    waiting.delete(key);
    for (const entry of set) {
      if (entry.state !== 'deferred') continue;
      indexDelete(waiting, entry.missing, entry);
      entry.state = 'pending';
      batch.push(entry);
    }
    scheduleReplan();
  };

  /** Queued (not started) jobs that need `key` go back to the next re-plan, which defers them. */
  const lost = (key: string): void => {
    const set = dependents.get(key);
    if (set === undefined) return;
    for (const entry of [...set]) {
      if (entry.state !== 'queued') continue;
      unqueue(entry);
      entry.state = 'pending';
      batch.push(entry);
    }
    scheduleReplan();
  };

  /** Ends the leases due by `now` (cheap when none is: one comparison). */
  const expireLeases = (now: number, force = false): void => {
    if (!force && now < leaseTimerAt) return;
    for (const key of leases.expire(now)) lost(key);
    armLeaseTimer(now);
  };

  /** One timer at the earliest validUntilMs among the leases. */
  const armLeaseTimer = (now: number): void => {
    const earliest = leases.nextExpiryMs() ?? Infinity;
    leaseTimerAt = earliest;
    if (earliest === Infinity) ctx.timers.cancel('lease-expiry');
    else ctx.timers.startSingleTimer('lease-expiry', { type: 'lease-expiry' }, Math.max(0, earliest - now));
  };

  const status = (): AdmissionStatus => {
    const byLane: Record<string, LaneStatus> = {};
    let queued = 0;
    for (const lane of lanes.values()) {
      byLane[lane.key] = { lane: lane.id, capacity: lane.capacity, running: lane.running, queued: lane.queue.size, peak: lane.peak };
      queued += lane.queue.size;
    }
    const deferred: { id: string; missingDependencies: readonly string[] }[] = [];
    for (const entry of entries.values()) if (entry.state === 'deferred') deferred.push({ id: entry.job.id, missingDependencies: entry.missing });
    return { type: 'admission-status', lanes: byLane, queued, deferred, ready: leases.snapshot(Date.now()).map((a: ReadyArtifact) => a.key) };
  };

  return (message: AdmissionMsg, _ctx: ActorContext<AdmissionMsg>) => {
    switch (message.type) {
      case 'submit': {
        const job = message.job;
        // Fast path: a well-formed job of a budgeted lane (the slow path says what is wrong).
        const lane = job !== null && typeof job === 'object' ? laneOf(job) : undefined;
        if (lane === undefined || typeof job.id !== 'string' || job.id === '' || entries.has(job.id) || !Number.isFinite(job.priority) || !Number.isFinite(job.createdAtMs) || typeof message.run !== 'function') {
          const refusal = precheck(job, lanes, entries);
          if (refusal === undefined) refuse(message, lane!.id, `job '${job.id}': submit.run must be a function (got ${typeof message.run})`);
          else if (typeof refusal === 'string') refuse(message, { resourceClass: job?.resourceClass, ...(job?.provider !== undefined ? { provider: job.provider } : {}) }, refusal);
          else refuse(message, refusal.lane, refusal.error);
          return;
        }
        const entry: Entry = { job, submit: message, lane, state: 'pending', token: 0, rankA: 0, rankB: 0, rankC: 0, wasAdmitted: false, plannedWave: 0, ahead0: 0, deadline: Infinity, submittedAt: Date.now(), startedAt: 0, missing: NONE };
        entries.set(job.id, entry);
        batch.push(entry);
        const sameArtifact = lane.artifacts ?? (lane.artifacts = artifactMapOf(job.resourceClass));
        const other = sameArtifact.get(job.artifactKey);
        sameArtifact.set(job.artifactKey, entry);
        if (++artifactCount > 2 * entries.size + 1024) pruneArtifacts();
        if (other !== undefined) {
          // Re-plan the earlier job with this one: the planner keeps one of them.
          if (other.state === 'queued') {
            unqueue(other);
            other.state = 'pending';
            batch.push(other);
          } else if (other.state === 'deferred') {
            indexDelete(waiting, other.missing, other);
            other.state = 'pending';
            batch.push(other);
          }
        }
        scheduleReplan();
        return;
      }
      case 'replan':
        replan();
        return;
      case 'jobs-settled': {
        const settledNow = settledJobs;
        settledJobs = [];
        for (const entry of settledNow) {
          if (entry.state !== 'running') continue;
          const error = failures.size === 0 ? undefined : failures.get(entry);
          if (error !== undefined) failures.delete(entry);
          finishEntry(entry, error === undefined, error);
        }
        return;
      }
      case 'job-done':
        finish(message.jobId, message.ok, message.error);
        return;
      case 'artifact-ready': {
        const now = Date.now();
        try {
          leases.ready(message.artifact);
        } catch (error) {
          // A malformed artifact is refused, not a crash (a restart would lose the queue).
          if (system.eventsObserved) publish('admission-refused', { artifact: message.artifact, reason: describe(error) });
          ctx.log.warn({ err: error }, 'admission: malformed artifact refused');
          return;
        }
        armLeaseTimer(now);
        if (leases.isReady(message.artifact.key, now)) wake(message.artifact.key);
        return;
      }
      case 'artifact-revoked':
        leases.revoke(message.key);
        armLeaseTimer(Date.now());
        lost(message.key);
        return;
      case 'lease-expiry':
        expireLeases(Date.now(), true);
        return;
      case 'status':
        message.replyTo.tell(status());
        return;
    }
  };
};

const NONE: readonly string[] = Object.freeze([]);

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Spawns an admission controller under /system (the runtime's own actors) named `name`. */
export function spawnAdmissionController(system: ActorSystem, settings: AdmissionSettings, name = 'admission'): ActorRef<AdmissionMsg> {
  return system.spawnSystemActor(admissionController, { name, props: settings });
}
