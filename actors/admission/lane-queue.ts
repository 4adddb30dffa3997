/**
 * A lane's queue of admitted jobs waiting for a slot, in plan order.
 *
 * Each re-plan admits a batch of jobs already in the lane's order (the planner sorted
 * them), so the queue keeps one run (an array in plan order, read from a head index) per
 * plan, and `pop` takes the first of the runs' heads by rank: a k-way merge of the plans
 * by the lane's order policy, each plan's own order kept. With one big plan (a burst of
 * arrivals) a pop is an array read; a heap over every queued job cost about 2 us a pop at
 * 20,000 queued. Many small plans (jobs trickling in) would make many runs: past
 * MAX_RUNS they are merged into one sorted run.
 *
 * Removal is lazy: an occurrence whose token differs from its entry's current token was
 * taken out (re-deferred) and is skipped when it reaches a run's head.
 */

/** What the queue needs of a queued job: its token and its rank (smaller first). */
export interface Ranked {
  /** Current queue token; an occurrence with another token is stale. */
  token: number;
  /** Primary rank: -priority. */
  rankA: number;
  /** Secondary rank: createdAtMs (oldest-first) or -createdAtMs (newest-first). */
  rankB: number;
  /** Tertiary rank: the plan sequence (plans in order, then order in the lane). */
  rankC: number;
}

const MAX_RUNS = 16;

interface Run<T extends Ranked> {
  readonly entries: T[];
  readonly tokens: number[];
  head: number;
}

const before = (x: Ranked, y: Ranked): boolean => x.rankA < y.rankA || (x.rankA === y.rankA && (x.rankB < y.rankB || (x.rankB === y.rankB && x.rankC < y.rankC)));

export class LaneQueue<T extends Ranked> {
  private runs: Run<T>[] = [];
  private open: Run<T> | undefined;
  private live = 0;

  /** Queued entries (stale occurrences not counted). */
  get size(): number {
    return this.live;
  }

  /**
   * Appends `entry` (its rank and token already set) to the current plan's run. Entries of
   * one plan must come in the lane's order; `endPlan` closes the run.
   */
  push(entry: T): void {
    let run = this.open;
    if (run === undefined) {
      run = this.open = { entries: [], tokens: [], head: 0 };
      this.runs.push(run);
    }
    run.entries.push(entry);
    run.tokens.push(entry.token);
    this.live++;
  }

  /** Ends the current plan's run: the next push starts a new one. */
  endPlan(): void {
    this.open = undefined;
    if (this.runs.length > MAX_RUNS) this.compact();
  }

  /** Tells the queue that one of its entries was taken out (its token changed). */
  forget(): void {
    this.live--;
  }

  /** The first live entry by rank, removed; undefined when none. */
  pop(): T | undefined {
    const runs = this.runs;
    let best: Run<T> | undefined;
    let bestEntry: T | undefined;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      const entries = run.entries;
      let head = run.head;
      while (head < entries.length && run.tokens[head] !== entries[head]!.token) head++;
      run.head = head;
      if (head === entries.length) {
        if (run === this.open) this.open = undefined;
        runs.splice(r--, 1);
        continue;
      }
      const entry = entries[head]!;
      if (bestEntry === undefined || before(entry, bestEntry)) {
        best = run;
        bestEntry = entry;
      }
    }
    if (best === undefined) return undefined;
    best.head++;
    this.live--;
    return bestEntry;
  }

  /** Merges every run into one sorted run (live entries only). */
  private compact(): void {
    const all: T[] = [];
    for (const run of this.runs) for (let i = run.head; i < run.entries.length; i++) if (run.tokens[i] === run.entries[i]!.token) all.push(run.entries[i]!);
    all.sort((x, y) => (before(x, y) ? -1 : before(y, x) ? 1 : 0));
    this.runs = all.length === 0 ? [] : [{ entries: all, tokens: all.map((e) => e.token), head: 0 }];
  }
}
