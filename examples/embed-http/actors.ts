/**
 * The actors behind the embed-http example, in both styles the kernel offers:
 *
 *   /user/counters          counterRegistry, a function behaviour (setup + hooks):
 *     /user/counters/<name>   Counter, a class actor, spawned on first increment
 *   /user/worker            worker, a function behaviour with an async handler
 *
 * Every incarnation reports its start and its end to a shared Lifecycle, so a test can
 * check that shutdown ran every postStop (and that a restart made a new incarnation).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Actor, Behaviors, InvalidActorNameError } from '../../src/index.js';
import type { ActorRef, FunctionBehavior } from '../../src/index.js';

/** Counts incarnations per actor path: `started` in preStart / setup, `ended` in postStop / preRestart. */
export class Lifecycle {
  private readonly starts = new Map<string, number>();
  private readonly live = new Map<string, number>();

  /** Records a new incarnation of `path`; returns its number (1 for the first). */
  started(path: string): number {
    const count = (this.starts.get(path) ?? 0) + 1;
    this.starts.set(path, count);
    this.live.set(path, (this.live.get(path) ?? 0) + 1);
    return count;
  }

  /** Records that the current incarnation of `path` is gone. */
  ended(path: string): void {
    this.live.set(path, (this.live.get(path) ?? 0) - 1);
  }

  /** How many incarnations `path` has had. */
  incarnations(path: string): number {
    return this.starts.get(path) ?? 0;
  }

  /** Every path that ever started, sorted. */
  get seen(): string[] {
    return [...this.starts.keys()].sort();
  }

  /** Paths with an incarnation that started and has not ended, sorted. */
  get alive(): string[] {
    return [...this.live].filter(([, n]) => n !== 0).map(([path]) => path).sort();
  }
}

// ------------------------------------------------------------------ counters

/** What a counter (or the registry, on its behalf) answers. */
export type CounterReply =
  | { readonly type: 'count'; readonly name: string; readonly value: number }
  | { readonly type: 'no-such-counter'; readonly name: string }
  | { readonly type: 'invalid-name'; readonly name: string; readonly message: string };

/** Messages of one counter. */
export type CounterCommand =
  | { readonly type: 'increment'; readonly by: number; readonly replyTo: ActorRef<CounterReply> }
  | { readonly type: 'get'; readonly replyTo: ActorRef<CounterReply> };

/** Messages of the registry: the same commands, addressed by counter name. */
export type RegistryMessage =
  | { readonly type: 'increment'; readonly name: string; readonly by: number; readonly replyTo: ActorRef<CounterReply> }
  | { readonly type: 'get'; readonly name: string; readonly replyTo: ActorRef<CounterReply> };

export interface LifecycleProps {
  readonly lifecycle: Lifecycle;
}

/**
 * Class style. State lives in fields; `this.context` is the actor's context. The default
 * `preRestart` calls `postStop` and the default `postRestart` calls `preStart`, so the
 * lifecycle stays balanced across a restart without extra code.
 */
export class Counter extends Actor<CounterCommand, LifecycleProps> {
  private value = 0;
  private readonly lifecycle: Lifecycle;

  constructor(props: LifecycleProps) {
    super(props);
    this.lifecycle = props.lifecycle;
  }

  override preStart(): void {
    this.lifecycle.started(this.context.path);
  }

  override postStop(): void {
    this.context.log.debug({ value: this.value }, 'counter stopped');
    this.lifecycle.ended(this.context.path);
  }

  receive(message: CounterCommand): void {
    if (message.type === 'increment') this.value += message.by;
    message.replyTo.tell({ type: 'count', name: this.context.name, value: this.value });
  }
}

/**
 * Function style with hooks. The registry owns one Counter child per name and forwards
 * commands to it with the asker's `replyTo`, so the counter answers the HTTP handler
 * directly. Because the registry handles one message at a time, "spawn on first use" has
 * no race: a burst of increments for a new name spawns exactly one counter.
 *
 * The actor name is the counter name, so the kernel's name rules are the validation: an
 * InvalidActorNameError from `ctx.spawn` is answered as `invalid-name` instead of being
 * thrown (a throw would restart the registry, and a restart stops all its children).
 */
export const counterRegistry = Behaviors.setup<RegistryMessage, LifecycleProps>((ctx, { lifecycle }) => {
  lifecycle.started(ctx.path);
  return {
    receive(message) {
      // Every child of the registry is a Counter.
      let counter = ctx.child<CounterCommand>(message.name);
      if (message.type === 'get') {
        if (counter === undefined) message.replyTo.tell({ type: 'no-such-counter', name: message.name });
        else counter.tell({ type: 'get', replyTo: message.replyTo });
        return;
      }
      if (counter === undefined) {
        try {
          counter = ctx.spawn(Counter, { name: message.name, props: { lifecycle } });
        } catch (error) {
          if (!(error instanceof InvalidActorNameError)) throw error;
          message.replyTo.tell({ type: 'invalid-name', name: message.name, message: error.message });
          return;
        }
      }
      counter.tell({ type: 'increment', by: message.by, replyTo: message.replyTo });
    },
    preRestart() {
      lifecycle.ended(ctx.path);
    },
    postStop() {
      lifecycle.ended(ctx.path);
    },
  };
});

// ------------------------------------------------------------------ worker

/** A job: wait `delayMs`, then succeed, or throw when `fail`. */
export interface JobRequest {
  readonly type: 'job';
  readonly delayMs: number;
  readonly fail: boolean;
  readonly replyTo: ActorRef<JobResult>;
}

export interface JobResult {
  readonly type: 'job-done';
  /** Which incarnation of the worker did the job (2 after one restart). */
  readonly incarnation: number;
  readonly tookMs: number;
}

/**
 * Function style with an async handler. While a job's promise is pending the worker
 * handles no other message, so jobs queue up behind each other. A job that throws fails
 * the worker: the asker gets AskFailedError at once, and the /user guardian restarts the
 * worker (a fresh setup call, a new incarnation; the mailbox is kept).
 *
 * An ask that timed out does not cancel its job; the job still runs to its end. Stopping
 * (or restarting) the worker does: postStop / preRestart abort the sleep, so no timer of
 * a dead incarnation keeps the process alive.
 */
export const worker: FunctionBehavior<JobRequest, LifecycleProps> = (ctx, { lifecycle }) => {
  const incarnation = lifecycle.started(ctx.path);
  const abort = new AbortController();
  const release = (): void => {
    abort.abort();
    lifecycle.ended(ctx.path);
  };
  return {
    async receive(job) {
      const started = performance.now();
      await sleep(job.delayMs, undefined, { signal: abort.signal });
      if (job.fail) throw new Error(`job failed on purpose (worker incarnation ${incarnation})`);
      job.replyTo.tell({ type: 'job-done', incarnation, tookMs: Math.round(performance.now() - started) });
    },
    preRestart: release,
    postStop: release,
  };
};
