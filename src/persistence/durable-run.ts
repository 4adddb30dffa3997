/**
 * The durable run loop (issue 6): a run is a tree of steps whose results are committed to a
 * journal, so a run killed mid-flight (SIGKILL, crash, a thrown error) and started again
 * resumes from the last committed step and never redoes committed work.
 *
 * API:
 *
 *   const { result } = await runDurable({
 *     journal, runId: 'order-42',
 *     run: async (run) => {
 *       const a = await run.step('charge', (step) => payments.charge(step.idempotencyKey, 10));
 *       const b = await run.step('ship', async (step) => {
 *         // a step may spawn children (keys are relative to the parent: 'ship/label')
 *         const label = await step.step('label', () => labels.print(a));
 *         return carrier.book(label);
 *       });
 *       return { a, b };
 *     },
 *   });
 *
 * or, for a flat sequence, `steps: [{ key, run(step, previous) }, ...]` (the result is the
 * array of step results). Under supervision: `durableRun` (durable-run-actor.ts) makes a run
 * an actor whose failure its supervisor handles; a restart resumes the run.
 *
 * Rules (the same as any replaying workflow engine):
 * - `run` must be deterministic given the step results: it is executed again from the top
 *   on every call, and each `step(key, fn)` whose result is committed returns the recorded
 *   result (rehydrated: `fn` is not called). Everything with an effect belongs in a step.
 * - A step key is unique among its siblings; the full key is the path from the root
 *   ('ship/label'). Results must be encodable by the journal (msgpack).
 * - Every step that runs gets `idempotencyKey` = `${runId}/${key}`: the same on every
 *   attempt, so an external system can recognise an effect that was performed but whose
 *   commit was lost (the process died in between). `resumed` is true when the step had
 *   been started by an earlier execution and never committed: that is exactly when its
 *   effect may already have happened.
 *
 * Journal layout: one persistence id per run, `durable-run:${runId}`, with the events
 *   {type:'child-spawned', key, parent}   before a step first runs (the spawn tree),
 *   {type:'step-committed', key, result}  once it returned, before its caller continues,
 *   {type:'run-completed', result}        once the root returned (a later call returns it).
 * Each append resolves only once the journal holds it durably; concurrent sibling steps
 * share batches (one append, one fsync for the file journal). The run claims its
 * persistence id for the duration of the call (a second concurrent call is refused with
 * WriterConflictError).
 *
 * Events published on `system` (when given): 'durable-run-resumed' (a call that found
 * journaled progress), 'durable-step-committed', 'durable-run-completed',
 * 'durable-run-failed'.
 */
import type { RuntimeEvent } from '../events.js';
import type { Journal } from './journal.js';

/** What a step function receives. */
export interface StepContext {
  readonly runId: string;
  /** The full key of this step ('' for the root of the run). */
  readonly key: string;
  /** `${runId}/${key}`: stable across attempts; hand it to external effects. */
  readonly idempotencyKey: string;
  /** True when an earlier execution started this step and did not commit it (its effect may have happened). */
  readonly resumed: boolean;
  /**
   * The run's abort signal (options.signal; the actor's when run by durableRun): hand it to
   * fetch and model calls so a stopped run does not leave work behind. Never aborted when
   * the caller gave none.
   */
  readonly signal: AbortSignal;
  /**
   * Runs (or rehydrates) the child step `key` of this step: returns its recorded result
   * when committed, else journals the spawn, calls `fn`, commits its result and returns it.
   */
  step<R>(key: string, fn: (step: StepContext) => R | Promise<R>): Promise<R>;
}

/** One step of the flat `steps` form. */
export interface StepDefinition {
  readonly key: string;
  /** `previous` is the result of the step before (undefined for the first). */
  run(step: StepContext, previous: unknown): unknown;
}

/** Where events go (an ActorSystem fits). */
export interface RunEventSink {
  publish(event: RuntimeEvent): void;
}

export interface DurableRunOptions<T> {
  readonly journal: Journal;
  /** Names the run; the persistence id is `durable-run:${runId}`. */
  readonly runId: string;
  /** The root of the run (exactly one of `run` and `steps`). */
  readonly run?: (run: StepContext) => T | Promise<T>;
  /** A flat sequence of steps (exactly one of `run` and `steps`); the result is their results in order. */
  readonly steps?: readonly StepDefinition[];
  /** Publishes the run's events there when given. */
  readonly system?: RunEventSink;
  /**
   * Stops the run: once aborted, no further step starts (step() rejects with the signal's
   * reason) and every step sees it as `step.signal`. Committed work stays committed.
   */
  readonly signal?: AbortSignal;
}

/** What one call of runDurable did. */
export interface DurableRunReport<T> {
  readonly result: T;
  /** Steps whose function ran (and committed) in this call. */
  readonly executed: number;
  /** Steps answered from the journal in this call. */
  readonly rehydrated: number;
  /** Steps that had been spawned but not committed before this call (resumed in it). */
  readonly resumedKeys: readonly string[];
  /** True when the run had already completed before this call (nothing ran). */
  readonly alreadyCompleted: boolean;
}

/** A misuse of the run loop (bad key, duplicate key, both or neither of run/steps). */
export class DurableRunError extends Error {
  constructor(
    readonly runId: string,
    message: string,
  ) {
    super(`durable run '${runId}': ${message}`);
    this.name = 'DurableRunError';
  }
}

/** The journal events of a run. */
export type DurableRunEvent =
  | { readonly type: 'child-spawned'; readonly key: string; readonly parent: string }
  | { readonly type: 'step-committed'; readonly key: string; readonly result: unknown }
  | { readonly type: 'run-completed'; readonly result: unknown };

/** The persistence id a run's events live under. */
export function runPersistenceId(runId: string): string {
  return `durable-run:${runId}`;
}

/** The journaled state of a run: its spawn tree and committed results. */
export interface RunTree {
  /** Full key -> parent full key ('' for top-level steps), in spawn order. */
  readonly spawned: Map<string, string>;
  /** Full key -> recorded result. */
  readonly committed: Map<string, unknown>;
  readonly completed: { readonly result: unknown } | undefined;
  /** The highest sequence number read. */
  readonly sequenceNr: number;
}

/** Reads the journaled tree of `runId` (what a restart resumes from). */
export async function loadRunTree(journal: Journal, runId: string): Promise<RunTree> {
  checkRunId(runId, 'loadRunTree');
  const spawned = new Map<string, string>();
  const committed = new Map<string, unknown>();
  let completed: { result: unknown } | undefined;
  let sequenceNr = 0;
  await journal.replay<DurableRunEvent>(runPersistenceId(runId), 1, Number.POSITIVE_INFINITY, (record) => {
    sequenceNr = record.sequenceNr;
    const event = record.event;
    if (event.type === 'child-spawned') spawned.set(event.key, event.parent);
    else if (event.type === 'step-committed') committed.set(event.key, event.result);
    else if (event.type === 'run-completed') completed = { result: event.result };
  });
  // replay skips nothing here (runs never deleteTo), but the highest number is the truth.
  sequenceNr = Math.max(sequenceNr, await journal.highestSequenceNr(runPersistenceId(runId)));
  return { spawned, committed, completed, sequenceNr };
}

/**
 * Runs (or resumes) the durable run `runId` on `journal` and resolves with its result once
 * it is committed. A step's error rejects the call (nothing is committed for that step;
 * calling again retries it). See the file header for the rules and the journal layout.
 */
export async function runDurable<T>(options: DurableRunOptions<T>): Promise<DurableRunReport<T>>;
export async function runDurable(options: DurableRunOptions<unknown>): Promise<DurableRunReport<unknown>> {
  if (options === null || typeof options !== 'object') throw new TypeError(`runDurable: options must be an object, got ${String(options)}`);
  const { journal, runId, system } = options;
  checkRunId(runId, 'runDurable');
  if (journal === null || typeof journal !== 'object' || typeof journal.append !== 'function') {
    throw new TypeError(`runDurable(runId '${runId}'): journal must be a Journal, got ${journal === null ? 'null' : typeof journal}`);
  }
  const root = rootFunction(options);
  const persistenceId = runPersistenceId(runId);
  const writerId = `durable-run:${process.pid}:${Math.random().toString(36).slice(2)}`;
  await journal.claim(persistenceId, writerId);
  try {
    const tree = await loadRunTree(journal, runId);
    if (tree.completed !== undefined) {
      return { result: tree.completed.result, executed: 0, rehydrated: 0, resumedKeys: [], alreadyCompleted: true };
    }
    const resumedKeys = [...tree.spawned.keys()].filter((key) => !tree.committed.has(key));
    if (tree.sequenceNr > 0) {
      system?.publish({ type: 'durable-run-resumed', timestamp: Date.now(), path: persistenceId, runId, committed: tree.committed.size, pending: resumedKeys });
    }
    const execution = new Execution(runId, journal, persistenceId, tree, system, options.signal ?? NEVER_ABORTED);
    try {
      const result = await root(execution.context('', resumedKeys.length > 0));
      await execution.writer.append({ type: 'run-completed', result });
      system?.publish({ type: 'durable-run-completed', timestamp: Date.now(), path: persistenceId, runId, executed: execution.executed, rehydrated: execution.rehydrated });
      return { result, executed: execution.executed, rehydrated: execution.rehydrated, resumedKeys, alreadyCompleted: false };
    } catch (error) {
      system?.publish({ type: 'durable-run-failed', timestamp: Date.now(), path: persistenceId, runId, error });
      throw error;
    }
  } finally {
    await journal.release(persistenceId, writerId).catch(() => undefined);
  }
}

function rootFunction(options: DurableRunOptions<unknown>): (run: StepContext) => unknown {
  const { run, steps, runId } = options;
  if ((run === undefined) === (steps === undefined)) {
    throw new DurableRunError(runId, `exactly one of options.run and options.steps must be given, got ${run === undefined ? 'neither' : 'both'}`);
  }
  if (run !== undefined) {
    if (typeof run !== 'function') throw new TypeError(`runDurable(runId '${runId}'): options.run must be a function, got ${typeof run}`);
    return run;
  }
  if (!Array.isArray(steps)) throw new TypeError(`runDurable(runId '${runId}'): options.steps must be an array, got ${typeof steps}`);
  steps.forEach((s: StepDefinition, i) => {
    if (s === null || typeof s !== 'object' || typeof s.run !== 'function') throw new TypeError(`runDurable(runId '${runId}'): options.steps[${i}] must be { key, run }, got ${String(s)}`);
  });
  return async (ctx) => {
    const results: unknown[] = [];
    let previous: unknown;
    for (const s of steps) {
      previous = await ctx.step(s.key, (step) => s.run(step, previous));
      results.push(previous);
    }
    return results;
  };
}

/** One call's state: the loaded tree plus what this call ran. */
class Execution {
  executed = 0;
  rehydrated = 0;
  readonly writer: BatchWriter;
  /** Full keys used in this call (a duplicate key is a bug in the run). */
  private readonly seen = new Set<string>();

  constructor(
    readonly runId: string,
    journal: Journal,
    readonly persistenceId: string,
    readonly tree: RunTree,
    readonly system: RunEventSink | undefined,
    readonly signal: AbortSignal,
  ) {
    this.writer = new BatchWriter(journal, persistenceId, tree.sequenceNr);
  }

  context(key: string, resumed: boolean): StepContext {
    return {
      runId: this.runId,
      key,
      idempotencyKey: key === '' ? this.runId : `${this.runId}/${key}`,
      resumed,
      signal: this.signal,
      step: (child, fn) => this.step(key, child, fn),
    };
  }

  async step<R>(parent: string, key: string, fn: (step: StepContext) => R | Promise<R>): Promise<R> {
    if (typeof key !== 'string' || key.length === 0 || key.includes('/')) {
      throw new DurableRunError(this.runId, `step key must be a non-empty string without '/', got ${JSON.stringify(key) ?? String(key)} (under '${parent}')`);
    }
    if (typeof fn !== 'function') throw new TypeError(`durable run '${this.runId}': step '${key}' needs a function, got ${typeof fn}`);
    const full = parent === '' ? key : `${parent}/${key}`;
    if (this.seen.has(full)) throw new DurableRunError(this.runId, `step key '${full}' used twice in one execution (keys must be unique among siblings)`);
    this.seen.add(full);
    const { committed, spawned } = this.tree;
    if (committed.has(full)) {
      this.rehydrated++;
      return committed.get(full) as R;
    }
    // A stopped run starts nothing new (a rehydrated result above costs nothing and is fine).
    if (this.signal.aborted) throw this.signal.reason;
    const resumed = spawned.has(full);
    if (!resumed) {
      // Durable before the step runs, so a later execution knows the step (and its effect) may have started.
      await this.writer.append({ type: 'child-spawned', key: full, parent });
      spawned.set(full, parent);
    }
    const result = await fn(this.context(full, resumed));
    await this.writer.append({ type: 'step-committed', key: full, result });
    committed.set(full, result);
    this.executed++;
    this.system?.publish({ type: 'durable-step-committed', timestamp: Date.now(), path: this.persistenceId, runId: this.runId, key: full, resumed });
    return result;
  }
}

/**
 * Appends a run's events in order with the right expected sequence numbers: events queued
 * while an append is in flight go together in the next one (concurrent siblings share a
 * batch). A failed append fails it and everything after (what reached the journal is
 * unknown; the next call reloads).
 */
class BatchWriter {
  private queue: { event: DurableRunEvent; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private writing = false;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly journal: Journal,
    private readonly persistenceId: string,
    private sequenceNr: number,
  ) {}

  append(event: DurableRunEvent): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        if (this.failure !== undefined) throw this.failure.error;
        this.sequenceNr = await this.journal.append(this.persistenceId, this.sequenceNr, batch.map((p) => p.event));
        for (const p of batch) p.resolve();
      } catch (error) {
        this.failure ??= { error };
        for (const p of batch) p.reject(error);
      }
    }
    this.writing = false;
  }
}

/** The signal of a run the caller cannot stop. */
const NEVER_ABORTED: AbortSignal = new AbortController().signal;

function checkRunId(runId: unknown, where: string): asserts runId is string {
  if (typeof runId !== 'string' || runId.length === 0) throw new TypeError(`${where}: runId must be a non-empty string, got ${JSON.stringify(runId) ?? String(runId)}`);
}
