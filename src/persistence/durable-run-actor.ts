import { Actor } from '../behavior.js';
import type { ActorClass } from '../behavior.js';
import type { ActorContext } from '../context.js';
import type { ActorRef } from '../actor-ref.js';
import { describeError, messageTypeOf } from '../errors.js';
import { runDurable } from './durable-run.js';
import type { DurableRunReport, StepContext, StepDefinition } from './durable-run.js';
import type { Journal } from './journal.js';

/**
 * A durable run as a supervised actor (issue 6): "on restart, the supervisor loads the
 * existing tree, rehydrates settled children from their recorded results, and continues
 * only what was pending".
 *
 *   const Order = durableRun<Receipt, { orderId: string }>({
 *     journal,
 *     runId: (_ctx, props) => `order-${props.orderId}`,
 *     run: async (run, props) => { ...run.step('charge', ...) ... },
 *   });
 *   const ref = system.spawn(Order, { props: { orderId: '42' }, supervision: ... });
 *   const outcome = await ref.ask((replyTo) => ({ type: 'result', replyTo }));
 *
 * The actor starts the run when it starts (runDurable), and a step that throws fails the
 * actor with that error: its supervisor decides, as for any actor. A restarted incarnation
 * calls runDurable again, which reads the journaled spawn tree, answers committed steps
 * from their recorded results and runs only the pending ones (each gets the same
 * idempotency key as before, `resumed` when it had been started). So a restart strategy
 * with backoff is a retry policy for the run, and the restart intensity bounds it.
 *
 * The run is started from `preStart` but not awaited there: the actor keeps answering
 * `status` while steps run. When it completes the actor answers every `result` asker and,
 * by default, stops itself (a completed run is done; spawning it again returns the recorded
 * result without running anything). Stopping the actor aborts the run's signal: no further
 * step starts, and `postStop` waits for the step in flight to return (steps should honour
 * `step.signal`), so the next incarnation never races the previous one for the journal.
 */

/** What `durableRun` is given. */
export interface DurableRunActorOptions<T, P = undefined> {
  /** Where the run's events live. */
  readonly journal: Journal;
  /** The run's id (its persistence id is `durable-run:${runId}`), from the actor's props. */
  runId(ctx: ActorContext<DurableRunMessage<T>>, props: P): string;
  /** The root of the run (exactly one of `run` and `steps`); gets the actor's props. */
  readonly run?: (run: StepContext, props: P) => T | Promise<T>;
  /** A flat sequence of steps (exactly one of `run` and `steps`). */
  readonly steps?: readonly StepDefinition[];
  /** Stop the actor once the run completed and its askers were answered. Default: true. */
  readonly stopWhenDone?: boolean;
  /** The actor type name in events. Default: 'DurableRun'. */
  readonly name?: string;
}

/** The outcome a `result` asker receives. */
export type DurableRunOutcome<T> =
  | { readonly status: 'completed'; readonly runId: string; readonly report: DurableRunReport<T> }
  /** The incarnation that was asked failed (its supervisor decides what next; ask again to wait for the next one). */
  | { readonly status: 'failed'; readonly runId: string; readonly error: string; readonly attempt: number };

/** Where a durable run actor is. */
export interface DurableRunStatus {
  readonly runId: string;
  readonly state: 'running' | 'completed' | 'failed';
  /** 0 for the first incarnation, then one more per restart. */
  readonly attempt: number;
}

/** What a durable run actor understands. */
export type DurableRunMessage<T = unknown> =
  | { readonly type: 'result'; readonly replyTo: ActorRef<DurableRunOutcome<T>> }
  | { readonly type: 'status'; readonly replyTo: ActorRef<DurableRunStatus> };

/** How the run told the actor it settled (a class, so no outside message can pose as one). */
class RunSettled<T> {
  constructor(
    readonly incarnation: object,
    readonly outcome: { readonly ok: true; readonly report: DurableRunReport<T> } | { readonly ok: false; readonly error: unknown },
  ) {}
}

/**
 * Defines a durable run actor: returns an Actor class to spawn with `system.spawn(Def, {
 * props })` or `ctx.spawn`. Throws TypeError for bad options (and runDurable's errors for a
 * run/steps mistake when the actor starts).
 */
export function durableRun<T, P = undefined>(options: DurableRunActorOptions<T, P>): ActorClass<DurableRunMessage<T>, P> {
  checkOptions(options);
  const DurableRunActor = class extends Actor<DurableRunMessage<T>, P> {
    private readonly runId: string;
    private readonly props: P;
    private readonly aborter = new AbortController();
    private execution: Promise<unknown> | undefined;
    private state: DurableRunStatus['state'] = 'running';
    private report: DurableRunReport<T> | undefined;
    private waiters: ActorRef<DurableRunOutcome<T>>[] = [];

    constructor(props: P) {
      super(props);
      this.props = props;
      const runId = options.runId(this.context as ActorContext<DurableRunMessage<T>>, props);
      if (typeof runId !== 'string' || runId.length === 0) {
        throw new TypeError(`durable run actor '${this.context.path}': runId() must return a non-empty string (got ${JSON.stringify(runId)})`);
      }
      this.runId = runId;
    }

    override preStart(): void {
      const self = this.context.self as unknown as ActorRef<unknown>;
      const run = options.run;
      const props = this.props;
      this.execution = runDurable<T>({
        journal: options.journal,
        runId: this.runId,
        ...(run !== undefined ? { run: (ctx: StepContext) => run(ctx, props) } : {}),
        ...(options.steps !== undefined ? { steps: options.steps } : {}),
        system: this.context.system,
        signal: this.aborter.signal,
      }).then(
        (report) => self.tell(new RunSettled(this, { ok: true, report })),
        (error: unknown) => self.tell(new RunSettled(this, { ok: false, error })),
      );
    }

    receive(message: DurableRunMessage<T>): void {
      if (message instanceof RunSettled) return this.settled(message as RunSettled<T>);
      switch (message?.type) {
        case 'result':
          if (this.report !== undefined) message.replyTo.tell({ status: 'completed', runId: this.runId, report: this.report });
          else this.waiters.push(message.replyTo);
          return;
        case 'status':
          message.replyTo.tell({ runId: this.runId, state: this.state, attempt: this.context.restartCount });
          return;
        default:
          throw new TypeError(`durable run actor '${this.context.path}' got an unknown message '${messageTypeOf(message)}': expected { type: 'result' | 'status', replyTo }`);
      }
    }

    private settled(message: RunSettled<T>): void {
      // A settlement of an earlier incarnation (queued before a restart) is not this one's.
      if (message.incarnation !== this) return;
      const waiters = this.waiters;
      this.waiters = [];
      if (!message.outcome.ok) {
        this.state = 'failed';
        const error = message.outcome.error;
        for (const w of waiters) w.tell({ status: 'failed', runId: this.runId, error: describeError(error), attempt: this.context.restartCount });
        // The run's error is the actor's failure: supervision decides (restart resumes the run).
        throw error;
      }
      this.state = 'completed';
      this.report = message.outcome.report;
      for (const w of waiters) w.tell({ status: 'completed', runId: this.runId, report: this.report });
      if (options.stopWhenDone !== false) this.context.stop();
    }

    override async postStop(): Promise<void> {
      this.aborter.abort(new Error(`durable run '${this.runId}' stopped with its actor '${this.context.path}'`));
      // The run releases its claim on the journal when it settles; wait, so a new incarnation never meets it.
      await this.execution;
    }
  };
  Object.defineProperty(DurableRunActor, 'name', { value: options.name ?? 'DurableRun' });
  return DurableRunActor;
}

function checkOptions(options: DurableRunActorOptions<any, any>): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`durableRun(options) needs an options object (got ${options === null ? 'null' : typeof options})`);
  if (typeof options.runId !== 'function') throw new TypeError(`durableRun(options): options.runId must be a function (got ${typeof options.runId})`);
  if ((options.run === undefined) === (options.steps === undefined)) {
    throw new TypeError(`durableRun(options): exactly one of options.run and options.steps must be given (got ${options.run === undefined ? 'neither' : 'both'})`);
  }
  if (options.run !== undefined && typeof options.run !== 'function') throw new TypeError(`durableRun(options): options.run must be a function (got ${typeof options.run})`);
  const journal = options.journal as unknown as Record<string, unknown> | null | undefined;
  if (journal === null || typeof journal !== 'object' || typeof journal['append'] !== 'function') {
    throw new TypeError(`durableRun(options): options.journal must implement Journal (got ${journal === null ? 'null' : typeof journal})`);
  }
}
