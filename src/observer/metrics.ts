import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ActorSystem } from '../system.js';
import type { BreakerState } from './api.js';
import type { ObserverModel } from './model.js';
import type { TreeIndex } from './tree.js';

/**
 * `/metrics`: the observer's Prometheus series, in a prom-client Registry of its own (never
 * the library's global one, so two systems in one process, or an application's own metrics,
 * do not collide). Every series carries the label `system`.
 *
 *   actormesh_actors_alive                    gauge    live actors, guardians included
 *   actormesh_messages_processed_total        counter  messages handled since the system started
 *                                                      (rate() it; a counter survives missed scrapes)
 *   actormesh_messages_per_second             gauge    the runtime's own rate over its last sample
 *   actormesh_mailbox_depth                   histogram the CURRENT distribution of mailbox depths:
 *                                                      rebuilt from the tree walk at each scrape
 *                                                      (_count = actors, _sum = queued messages)
 *   actormesh_restarts_total                  counter  actor restarts seen by the observer
 *   actormesh_dead_letters_total              counter  dead letters since the system started
 *   actormesh_circuit_breaker_state{path,level,state} gauge 1 for a breaker's current state, 0 for the others
 *   actormesh_ask_latency_seconds{outcome}    histogram ask to settlement (outcome replied|failed),
 *                                                      through system.onAskSettled
 * plus prom-client's default process metrics (CPU, memory, event loop lag, GC; read at scrape
 * time) unless `processMetrics` is false.
 */

export const MAILBOX_DEPTH_BUCKETS: readonly number[] = [0, 1, 10, 100, 1000, 10000];
export const ASK_LATENCY_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

export interface ObserverMetricsOptions {
  /** Add prom-client's default process metrics. Default true. */
  readonly processMetrics?: boolean;
}

/** The observer's registry and the wiring that keeps it current. */
export class ObserverMetrics {
  readonly registry = new Registry();
  private readonly removers: Array<() => void> = [];

  constructor(system: ActorSystem, model: ObserverModel, tree: TreeIndex, options: ObserverMetricsOptions = {}) {
    const registry = this.registry;
    const registers = [registry];
    registry.setDefaultLabels({ system: system.name });

    new Gauge({
      name: 'actormesh_actors_alive',
      help: 'Live actors, guardians included.',
      registers,
      collect() {
        this.set(system.actorTotal);
      },
    });

    let processedSeen = 0;
    new Counter({
      name: 'actormesh_messages_processed_total',
      help: 'Messages handled since the system started.',
      registers,
      collect() {
        const processed = system.processedTotal;
        if (processed > processedSeen) this.inc(processed - processedSeen);
        processedSeen = processed;
      },
    });

    new Gauge({
      name: 'actormesh_messages_per_second',
      help: 'Messages handled per second over the last runtime sample.',
      registers,
      collect() {
        this.set(model.messagesPerSecond());
      },
    });

    new Histogram({
      name: 'actormesh_mailbox_depth',
      help: 'Current distribution of mailbox depths (one observation per live actor, rebuilt at each scrape).',
      buckets: [...MAILBOX_DEPTH_BUCKETS],
      registers,
      collect() {
        this.reset();
        for (const depth of tree.mailboxDepths()) this.observe(depth);
      },
    });

    const restarts = new Counter({ name: 'actormesh_restarts_total', help: 'Actor restarts seen by the observer.', registers });
    restarts.inc(0); // present (as 0) before the first restart
    this.removers.push(
      model.onRuntimeEvent((event) => {
        if (event.type === 'actor-restarted') restarts.inc();
      }),
    );

    let deadLettersSeen = 0;
    new Counter({
      name: 'actormesh_dead_letters_total',
      help: 'Dead letters since the system started.',
      registers,
      collect() {
        const count = system.deadLetterCount;
        if (count > deadLettersSeen) this.inc(count - deadLettersSeen);
        deadLettersSeen = count;
      },
    });

    new Gauge({
      name: 'actormesh_circuit_breaker_state',
      help: "Circuit breakers: 1 for the breaker's current state, 0 for the others.",
      labelNames: ['path', 'level', 'state'],
      registers,
      collect() {
        this.reset();
        for (const breaker of model.breakerList()) {
          for (const state of STATES) this.set({ path: breaker.path, level: breaker.level, state }, breaker.state === state ? 1 : 0);
        }
      },
    });

    const askLatency = new Histogram({
      name: 'actormesh_ask_latency_seconds',
      help: 'Time from an ask to its settlement (outcome replied: a reply came; failed: timeout, drop, failure).',
      labelNames: ['outcome'],
      buckets: [...ASK_LATENCY_BUCKETS],
      registers,
    });
    askLatency.zero({ outcome: 'replied' });
    askLatency.zero({ outcome: 'failed' });
    this.removers.push(system.onAskSettled((latencyMs, replied) => askLatency.observe({ outcome: replied ? 'replied' : 'failed' }, latencyMs / 1000)));

    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of `text()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops listening (ask latency, restarts) and empties the registry. */
  close(): void {
    for (const remove of this.removers.splice(0)) remove();
    this.registry.clear();
  }
}
