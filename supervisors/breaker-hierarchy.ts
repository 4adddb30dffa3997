import type { ActorSystem, RuntimeEvent } from '../src/index.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { BreakerOptions } from './circuit-breaker.js';
import type { Clock } from './clock.js';

/**
 * BreakerHierarchy: the MESH-30K 6.2 escalation, cluster -> sector -> global.
 * Every `actor-failed` event under a guarded subtree counts against the nearest breaker
 * and each breaker above it: a cluster opens after more than 5 failures in its window, a
 * sector after more than 50, and the global breaker opens while more than 10 sectors are
 * open (and closes once no more than 10 are). Every number is an option.
 * Breakers are made on demand by path; hand `cluster(path)` to the cluster lead's spawn
 * as its `gate`.
 */
export interface BreakerHierarchyOptions {
  readonly cluster?: Partial<BreakerOptions>;
  readonly sector?: Partial<BreakerOptions>;
  /** Open sectors the mesh tolerates; one more opens the global breaker. Default 10. */
  readonly maxOpenSectors?: number;
  readonly clock?: Clock;
}

export const HIERARCHY_DEFAULTS = Object.freeze({
  cluster: { maxFailures: 5 },
  sector: { maxFailures: 50 },
  maxOpenSectors: 10,
});

export class BreakerHierarchy {
  /** The breaker above all sectors. It only opens on the count of open sectors. */
  readonly global: CircuitBreaker;
  private readonly byPath = new Map<string, CircuitBreaker>();
  private readonly openSectors = new Set<string>();
  private readonly maxOpenSectors: number;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly system: ActorSystem,
    private readonly options: BreakerHierarchyOptions = {},
  ) {
    this.maxOpenSectors = options.maxOpenSectors ?? HIERARCHY_DEFAULTS.maxOpenSectors;
    if (!(Number.isInteger(this.maxOpenSectors) && this.maxOpenSectors >= 0)) {
      throw new RangeError(`breakers.maxOpenSectors must be an integer >= 0 (got ${String(options.maxOpenSectors)})`);
    }
    // Never opens by failures of its own: maxFailures is out of reach.
    this.global = new CircuitBreaker('global', { maxFailures: Number.MAX_SAFE_INTEGER, resetTimeoutMs: 60_000 }, { system, clock: options.clock, level: 'global' });
    const subscription = system.events$.subscribe((event) => this.onEvent(event));
    this.unsubscribe = () => subscription.unsubscribe();
  }

  /** The breaker of the sector rooted at `path` (made on first use). */
  sector(path: string): CircuitBreaker {
    let breaker = this.byPath.get(path);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(path, { ...HIERARCHY_DEFAULTS.sector, ...this.options.sector }, { system: this.system, clock: this.options.clock, parent: this.global, level: 'sector' });
      breaker.onChange((state) => this.sectorChanged(path, state));
      this.byPath.set(path, breaker);
    }
    return breaker;
  }

  /** The breaker of the cluster rooted at `path`, under the sector at `sectorPath`. */
  cluster(path: string, sectorPath: string): CircuitBreaker {
    let breaker = this.byPath.get(path);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(path, { ...HIERARCHY_DEFAULTS.cluster, ...this.options.cluster }, { system: this.system, clock: this.options.clock, parent: this.sector(sectorPath), level: 'cluster' });
      this.byPath.set(path, breaker);
    }
    return breaker;
  }

  /** Every breaker by path (clusters and sectors). */
  get breakers(): ReadonlyMap<string, CircuitBreaker> {
    return this.byPath;
  }

  /** Breakers not closed now, by level. */
  openCount(level: 'cluster' | 'sector'): number {
    let count = 0;
    for (const breaker of this.byPath.values()) if (breaker.level === level && breaker.state !== 'closed') count++;
    return count;
  }

  /** True when a message to `path` would be let through by every breaker above it. */
  isRoutable(path: string): boolean {
    for (let breaker: CircuitBreaker | undefined = this.nearest(path) ?? this.global; breaker !== undefined; breaker = breaker.parent) {
      if (breaker.state === 'open') return false;
    }
    return true;
  }

  /** Stops listening and every breaker's timer. */
  dispose(): void {
    this.unsubscribe();
    for (const breaker of this.byPath.values()) breaker.dispose();
    this.global.dispose();
  }

  private onEvent(event: RuntimeEvent): void {
    if (event.type !== 'actor-failed') return;
    // The failing path counts against the nearest breaker and each one above it.
    let breaker = this.nearest(event.path);
    while (breaker !== undefined && breaker !== this.global) {
      breaker.recordFailure();
      breaker = breaker.parent;
    }
  }

  private nearest(path: string): CircuitBreaker | undefined {
    for (let at = path; at.length > 0; at = at.slice(0, at.lastIndexOf('/'))) {
      const breaker = this.byPath.get(at);
      if (breaker !== undefined) return breaker;
    }
    return undefined;
  }

  private sectorChanged(path: string, state: string): void {
    // Only open sectors count: a half-open one is probing its way back, and counting it
    // kept the global breaker open, which refused the very probes that would close it.
    if (state === 'open') this.openSectors.add(path);
    else this.openSectors.delete(path);
    if (this.openSectors.size > this.maxOpenSectors) this.global.trip();
    else if (this.global.state !== 'closed') this.global.reset();
  }
}
