import type { Subscription } from 'rxjs';
import type { MetricsSample, RuntimeEvent } from '../events.js';
import type { ActorSystem } from '../system.js';
import type { BreakerInfo, BreakerState, LogEntry, ObserverMesh, ObserverSnapshot, Series } from './api.js';
import { summariseEvent } from './log.js';

/**
 * What the observer knows of a running system, aggregated on the server: the page gets one
 * snapshot per interval and log batches, never one message per runtime event.
 *
 * Fed by `system.events$` (restarts, breakers, the degradation mode, the log) and
 * `system.metrics$` (messages per second), plus the system's own counters read once a
 * second for the series (dead letters and messages handled, exact even when events are many).
 * Counts of restarts start when the model is made (restarts before it were not observed).
 */

export interface ObserverModelOptions {
  /** Seconds of per-second series kept. Default 300. */
  readonly seriesSeconds?: number;
  /** Log lines kept. Default 1000. */
  readonly logSize?: number;
  /** A mesh whose heatmap, KPIs and mode go into the snapshot. */
  readonly mesh?: ObserverMesh;
  /** Whether actions are enabled (a token was given); only reported, never the token. */
  readonly actionsEnabled?: boolean;
}

const BREAKER_STATES: ReadonlySet<string> = new Set<BreakerState>(['closed', 'open', 'half-open']);

/** Per-second counters, a ring of log lines, the breakers: the observer's state. */
export class ObserverModel {
  /** Restarts seen since the model was made. */
  restarts = 0;
  private readonly seriesSeconds: number;
  private readonly logSize: number;
  private readonly mesh: ObserverMesh | undefined;
  private readonly actionsEnabled: boolean;
  private readonly subscriptions: Subscription[] = [];
  private readonly ticker: NodeJS.Timeout;
  private readonly breakers = new Map<string, BreakerInfo>();
  private readonly eventListeners = new Set<(event: RuntimeEvent) => void>();
  private degradationMode: string | null = null;
  private latest: MetricsSample | null = null;

  // Series: parallel arrays, oldest first, at most seriesSeconds long.
  private readonly t: number[] = [];
  private readonly restartSeries: number[] = [];
  private readonly deadLetterSeries: number[] = [];
  private readonly messageSeries: number[] = [];
  private restartsThisSecond = 0;
  private lastDeadLetters: number;
  private lastProcessed: number;

  // Log ring: `log[seq % logSize]`, seq counting from 1.
  private readonly log: Array<LogEntry | undefined>;
  private seq = 0;

  constructor(
    private readonly system: ActorSystem,
    options: ObserverModelOptions = {},
  ) {
    this.seriesSeconds = positiveInteger('seriesSeconds', options.seriesSeconds ?? 300);
    this.logSize = positiveInteger('logSize', options.logSize ?? 1000);
    this.mesh = options.mesh;
    this.actionsEnabled = options.actionsEnabled ?? false;
    this.log = new Array<LogEntry | undefined>(this.logSize);
    this.lastDeadLetters = system.deadLetterCount;
    this.lastProcessed = system.processedTotal;
    this.subscriptions.push(system.events$.subscribe((event) => this.onEvent(event)));
    this.subscriptions.push(system.metrics$.subscribe((sample) => (this.latest = sample)));
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref(); // the observer must not keep a finished program alive
  }

  /** Stops listening; the state stays readable. */
  close(): void {
    clearInterval(this.ticker);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions.length = 0;
    this.eventListeners.clear();
  }

  /** Calls `listener` with every runtime event the model sees (the metrics use it); returns the remover. */
  onRuntimeEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** The last log sequence number given (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Log lines with a sequence number above `afterSeq`, oldest first, at most the last `limit`. */
  logSince(afterSeq: number, limit: number): LogEntry[] {
    const first = Math.max(afterSeq + 1, this.seq - this.logSize + 1, this.seq - limit + 1, 1);
    const entries: LogEntry[] = [];
    for (let seq = first; seq <= this.seq; seq++) entries.push(this.log[seq % this.logSize]!);
    return entries;
  }

  /** The breakers, latest state per path, sorted by path. */
  breakerList(): BreakerInfo[] {
    return [...this.breakers.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** The per-second series (copies). */
  series(): Series {
    return {
      t: [...this.t],
      restarts: [...this.restartSeries],
      deadLetters: [...this.deadLetterSeries],
      messages: [...this.messageSeries],
    };
  }

  /** The snapshot the page shows (everything but the tree). */
  snapshot(): ObserverSnapshot {
    const mesh = this.mesh;
    return {
      timestamp: Date.now(),
      system: this.system.name,
      actors: this.system.actorTotal,
      messagesPerSecond: this.messagesPerSecond(),
      deadLetters: this.system.deadLetterCount,
      restarts: this.restarts,
      mode: mesh !== undefined ? mesh.mode() : this.degradationMode,
      breakers: this.breakerList(),
      heatmap: mesh !== undefined ? mesh.heatmap() : [],
      kpis: mesh !== undefined ? mesh.kpis() : [],
      series: this.series(),
      actionsEnabled: this.actionsEnabled,
    };
  }

  /** Messages per second: from the latest metrics sample; before the first one, the last second of the series. */
  messagesPerSecond(): number {
    if (this.latest !== null) return Math.round(this.latest.processedPerSecond);
    return this.messageSeries.length > 0 ? this.messageSeries[this.messageSeries.length - 1]! : 0;
  }

  /** Adds the log line of an event to the ring. */
  private addLog(event: RuntimeEvent): void {
    const seq = ++this.seq;
    this.log[seq % this.logSize] = { seq, timestamp: event.timestamp, type: event.type, path: typeof event.path === 'string' ? event.path : '?', text: summariseEvent(event) };
  }

  private onEvent(event: RuntimeEvent): void {
    switch (event.type) {
      case 'actor-restarted':
        this.restarts++;
        this.restartsThisSecond++;
        break;
      case 'circuit-changed': {
        const e = event as unknown as { path: string; level?: unknown; to?: unknown; timestamp: number };
        if (typeof e.to === 'string' && BREAKER_STATES.has(e.to)) {
          this.breakers.set(e.path, { path: e.path, level: typeof e.level === 'string' ? e.level : 'unknown', state: e.to as BreakerState, since: e.timestamp });
        }
        break;
      }
      case 'degradation-changed': {
        const to = (event as unknown as { to?: unknown }).to;
        if (typeof to === 'string') this.degradationMode = to;
        break;
      }
    }
    this.addLog(event);
    for (const listener of this.eventListeners) listener(event);
  }

  /** Closes one second of the series. */
  private tick(): void {
    const deadLetters = this.system.deadLetterCount;
    const processed = this.system.processedTotal;
    this.t.push(Date.now());
    this.restartSeries.push(this.restartsThisSecond);
    this.deadLetterSeries.push(deadLetters - this.lastDeadLetters);
    this.messageSeries.push(processed - this.lastProcessed);
    this.restartsThisSecond = 0;
    this.lastDeadLetters = deadLetters;
    this.lastProcessed = processed;
    if (this.t.length > this.seriesSeconds) {
      this.t.shift();
      this.restartSeries.shift();
      this.deadLetterSeries.shift();
      this.messageSeries.shift();
    }
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`observer options.${name} must be a positive integer (got ${String(value)})`);
  return value;
}
