/**
 * The pure admission planner (issue 9, seed 004): `plan(request)` turns jobs, lane budgets
 * and the ready artifacts into an AdmissionPlan. Pure: no clock (the caller's `nowMs` is
 * "now"), no I/O, no randomness, so the same request always gives the same plan, whatever
 * the order of its jobs, and a plan can be kept as evidence and compared with what the
 * controller actually did.
 *
 * The rules, applied in this order:
 *   1. budget: a job whose lane has no budget (its class is not in `lanes`, or, for a
 *      provider class, its provider is not in `providerLanes[class]`) is refused into
 *      `unbudgeted`. Misconfiguration must be visible, never look like a job waiting
 *      forever behind others (the review of seed 004). Checked first, so a refused job
 *      never absorbs (coalesces) budgeted work.
 *   2. coalescing per (class, artifactKey): of the jobs of one class producing one
 *      artifact only one runs: the highest priority, then the latest createdAtMs (the
 *      freshest request for the artifact), then the smallest id (a total order, so the
 *      choice does not depend on the input order). The others go to `coalesced` with the
 *      kept id. Jobs of different classes for one artifact are different work (say, a
 *      decode on the GPU and an upload by a tool) and are all kept. Providers do not
 *      split a class: two cloud-generation jobs for one artifact coalesce even if they
 *      name different providers.
 *   3. dependency gate: a job whose dependencies are not all ready at nowMs is deferred,
 *      with its missing keys (sorted, without repeats). A ready artifact whose lease ended
 *      (validUntilMs <= nowMs) is not ready. The planner only decides; waking deferred
 *      jobs when their dependencies become ready is the caller's loop (re-plan).
 *   4. order per lane: priority descending, then createdAtMs descending (newest-first,
 *      the default: freshness) or ascending (oldest-first: fairness), then id. A job's
 *      `order` is its index in its lane; its `wave` is floor(order / capacity) (seed 004:
 *      wave 0 is the first parallel batch, wave 1 runs when wave 0 is done, ...).
 *   5. estimates: each lane is simulated as `capacity` parallel slots, jobs taken in lane
 *      order, each starting when the earliest slot frees (list scheduling). Start and
 *      finish are absolute (nowMs + offset); the plan's first/all responses are the
 *      smallest and largest finish offsets, compared with the budgets (alpha SLOs of the
 *      seed: 10 s for the first response, 30 s for all) to give the meets_* flags.
 *
 * The meets_* flags are about the admitted jobs' estimates; deferred and refused jobs are
 * their own evidence (their lists), except that a plan admitting nothing while jobs wait
 * meets no budget.
 *
 * Cost: O(n log n) for n jobs: one pass reading each job into unboxed columns (with the
 * hashes of its id and coalescing key), one probe per job in a fixed-size hash index
 * (string-table.ts) for duplicate ids and one for coalescing, one queue of entry numbers
 * with a segment per lane, a radix sort (or a native numeric sort) per segment (see
 * orderLane), a heap of at most `capacity` slot ends per lane, and a k-way merge of the
 * lanes that creates each PlannedJob once. bench/admission.bench.ts measures 100,000 jobs
 * against a plain sort-and-wave floor.
 */
import { AdmissionRequestError, pathKey } from './errors.js';
import { hashString, StringIndex } from './string-table.js';
import { PROVIDER_CLASSES, RESOURCE_CLASSES } from './types.js';
import type {
  AdmissionJob,
  AdmissionPlan,
  CoalescedJob,
  DeferredJob,
  LaneBudget,
  LaneId,
  OrderPolicy,
  PlannedJob,
  PlanRequest,
  ReadyArtifact,
  ResourceClass,
  UnbudgetedJob,
} from './types.js';

/**
 * Default first-response budget, ms: the alpha SLO of seed 004 (10 s until the first
 * response). Tightening it needs real admission and GPU lane allocation; loosening it is a
 * regression, so it changes only on purpose.
 */
export const DEFAULT_FIRST_RESPONSE_BUDGET_MS = 10_000;

/** Default all-responses budget, ms: the alpha SLO of seed 004 (30 s until every response). */
export const DEFAULT_ALL_RESPONSES_BUDGET_MS = 30_000;

/** The order policy of a lane that names none: freshness first, as the seed's turn planner. */
export const DEFAULT_ORDER_POLICY: OrderPolicy = 'newest-first';

const ORDER_POLICIES: readonly OrderPolicy[] = ['newest-first', 'oldest-first'];

/**
 * Plans a request. Throws AdmissionRequestError (naming the field path and the value) when
 * the request is malformed; every well-formed request gets a plan.
 */
export function plan(request: PlanRequest): AdmissionPlan {
  const { nowMs, firstResponseBudgetMs, allResponsesBudgetMs } = validateShell(request);

  // 1. budget: resolve each job's lane, refusing jobs without one. The budgeted jobs' fields
  // are read once into columns (numbers in Float64Arrays): the jobs' own objects come in
  // many shapes (optional fields), and every later pass reads the columns instead.
  // Validation of each job happens in the same pass (a bad job still refuses the request),
  // except the ids' uniqueness, checked right after (checkUniqueIds: the same first error).
  const lanes = new LaneTable(request);
  const unbudgeted: UnbudgetedJob[] = [];
  const jobs = request.jobs;
  const cols = new Columns(jobs.length);
  const seen = new IdColumn(jobs.length);
  const fields = new JobFields();
  let i = 0;
  try {
    for (; i < jobs.length; i++) {
      validateJob(jobs, i, seen, fields);
      const lane = lanes.laneOf(fields.classIndex, fields.provider);
      if (lane === undefined) unbudgeted.push({ id: fields.id, lane: laneIdOf(fields) });
      else cols.add(fields, lane);
    }
  } catch (error) {
    // A repeated id up to the bad job is the first fault (validateJob checks the id first).
    checkUniqueIds(jobs, seen, i + 1);
    throw error;
  }
  // The hash probes run in passes of their own, after the reading: a tight loop over the
  // hashes lets the processor overlap the table's cache misses (a probe is mostly a miss).
  checkUniqueIds(jobs, seen, jobs.length);
  const m = cols.length;

  // 2. coalescing per (class, artifactKey): one hash probe per job, the key being the pair
  // (class, artifact) without concatenating strings. A group is represented by its first
  // job (its head), which holds the group's current winner, so the dependency pass needs no
  // lookup.
  const groups = new StringIndex(m);
  const head = new Int32Array(m);
  const winner = new Int32Array(m);
  const artifactHashes = cols.artifactHashes;
  for (let e = 0; e < m; e++) {
    const first = groups.findOrAddTagged(artifactHashes[e]!, e, cols.artifacts, cols.classes);
    head[e] = winner[e] = e;
    if (first !== -1) {
      head[e] = first;
      if (cols.beats(e, winner[first]!)) winner[first] = e;
    }
  }

  // 3. dependency gate (on the kept jobs): an admitted entry gets its lane's rank in
  // LaneTable.sorted order, the others -1; the lanes' sizes are counted for the queue below.
  const coalesced: CoalescedJob[] = [];
  const deferred: DeferredJob[] = [];
  const ready = readyKeys(request.ready, nowMs);
  const sorted = lanes.sorted();
  const rank = new Int32Array(sorted.length);
  for (let k = 0; k < sorted.length; k++) rank[sorted[k]!.number] = k;
  const admittedRank = new Int32Array(m);
  const bounds = new Int32Array(sorted.length + 1);
  for (let e = 0; e < m; e++) {
    admittedRank[e] = -1;
    const kept = winner[head[e]!]!;
    if (kept !== e) {
      coalesced.push({ id: cols.ids[e]!, keptId: cols.ids[kept]! });
      continue;
    }
    const missing = missingDependencies(cols.dependencies[e], ready);
    if (missing !== undefined) {
      deferred.push({ id: cols.ids[e]!, missingDependencies: missing });
      continue;
    }
    const k = rank[cols.lanes[e]!]!;
    admittedRank[e] = k;
    bounds[k + 1]!++;
  }

  // 4 and 5. order, waves and estimates, lane by lane, in one queue of entry numbers with
  // one segment per lane (lanes in LaneTable.sorted order): bounds[k] .. bounds[k + 1].
  for (let k = 0; k < sorted.length; k++) bounds[k + 1]! += bounds[k]!;
  const queue = new Int32Array(bounds[sorted.length]!);
  const fill = bounds.slice(0, sorted.length);
  for (let e = 0; e < m; e++) {
    const k = admittedRank[e]!;
    if (k !== -1) queue[fill[k]!++] = e;
  }
  const schedule = new Schedule(queue.length);
  for (let k = 0; k < sorted.length; k++) {
    const lo = bounds[k]!;
    const hi = bounds[k + 1]!;
    if (lo === hi) continue;
    const budget = sorted[k]!.budget;
    orderLane(queue.subarray(lo, hi), budget.order ?? DEFAULT_ORDER_POLICY, cols);
    scheduleLane(queue, lo, hi, budget.capacity, cols.duration, schedule);
  }
  const admitted = mergeLanes(queue, bounds, sorted, cols.ids, schedule, nowMs);
  const firstFinish = schedule.firstFinish;
  const lastFinish = schedule.lastFinish;

  byId(deferred);
  byId(coalesced);
  byId(unbudgeted);
  const estimatedFirstResponseMs = admitted.length > 0 ? firstFinish : null;
  const estimatedAllResponsesMs = admitted.length > 0 ? lastFinish : null;
  // No job at all meets a budget trivially; jobs that were all deferred or refused do not:
  // nobody gets an answer, and the flags are evidence.
  const nothingPending = deferred.length === 0 && unbudgeted.length === 0;
  return {
    admitted,
    deferred,
    coalesced,
    unbudgeted,
    estimatedFirstResponseMs,
    estimatedAllResponsesMs,
    meetsFirstResponseBudget: estimatedFirstResponseMs === null ? nothingPending : estimatedFirstResponseMs <= firstResponseBudgetMs,
    meetsAllResponsesBudget: estimatedAllResponsesMs === null ? nothingPending : estimatedAllResponsesMs <= allResponsesBudgetMs,
    firstResponseBudgetMs,
    allResponsesBudgetMs,
  };
}

/** A class's index in RESOURCE_CLASSES (a Map: one hash probe, the string's hash cached). */
const CLASS_INDEX = new Map<unknown, number>(RESOURCE_CLASSES.map((resourceClass, index) => [resourceClass, index]));

/** By class index: whether the class has one lane per provider. */
const PER_PROVIDER: readonly boolean[] = RESOURCE_CLASSES.map((resourceClass) => PROVIDER_CLASSES.includes(resourceClass));

/** The index of a resource class in RESOURCE_CLASSES, -1 for anything else. */
function classIndexOf(value: unknown): number {
  return CLASS_INDEX.get(value) ?? -1;
}

/** Whether a class has one lane per provider (its jobs must name a provider). */
export function isProviderClass(resourceClass: ResourceClass): boolean {
  return PROVIDER_CLASSES.includes(resourceClass);
}

/** The lane a job belongs to (whether or not it has a budget). */
export function laneIdOf(job: Pick<AdmissionJob, 'resourceClass' | 'provider'>): LaneId {
  return isProviderClass(job.resourceClass) ? { resourceClass: job.resourceClass, provider: job.provider! } : { resourceClass: job.resourceClass };
}

// ------------------------------------------------------------------ lanes

/**
 * The budgeted jobs as columns, indexed by entry number (order of arrival): one read of
 * each job's fields, numbers unboxed.
 */
class Columns {
  length = 0;
  // Sized once for every job (no growth copies); only the first `length` are used.
  readonly ids: string[];
  readonly artifacts: string[];
  /** The lane's number (Lane.number). */
  readonly lanes: Int32Array;
  /** The lane's class, as an index into RESOURCE_CLASSES (the coalescing key's tag). */
  readonly classes: Uint8Array;
  /** The coalescing key's hash: the artifact's, mixed with the class. */
  readonly artifactHashes: Int32Array;
  readonly dependencies: (readonly string[] | undefined)[];
  readonly priority: Float64Array;
  readonly createdAt: Float64Array;
  readonly duration: Float64Array;

  constructor(capacity: number) {
    this.ids = new Array(capacity);
    this.artifacts = new Array(capacity);
    this.lanes = new Int32Array(capacity);
    this.classes = new Uint8Array(capacity);
    this.artifactHashes = new Int32Array(capacity);
    this.dependencies = new Array(capacity);
    this.priority = new Float64Array(capacity);
    this.createdAt = new Float64Array(capacity);
    this.duration = new Float64Array(capacity);
  }

  /** Appends a job; returns its entry number. */
  add(job: JobFields, lane: Lane): number {
    const e = this.length++;
    this.ids[e] = job.id;
    this.artifacts[e] = job.artifactKey;
    this.lanes[e] = lane.number;
    this.classes[e] = lane.classIndex;
    this.artifactHashes[e] = hashString(job.artifactKey) ^ Math.imul(lane.classIndex + 1, 0x9e3779b1);
    this.dependencies[e] = job.dependencyKeys;
    this.priority[e] = job.priority;
    this.createdAt[e] = job.createdAtMs;
    this.duration[e] = job.estimatedDurationMs ?? lane.budget.estimatedDurationMs;
    return e;
  }

  /** True if entry `a` wins the coalescing of one artifact over `b`: priority, then latest, then id. */
  beats(a: number, b: number): boolean {
    const priority = this.priority;
    const createdAt = this.createdAt;
    if (priority[a] !== priority[b]) return priority[a]! > priority[b]!;
    if (createdAt[a] !== createdAt[b]) return createdAt[a]! > createdAt[b]!;
    return this.ids[a]! < this.ids[b]!;
  }
}

interface Lane {
  readonly id: LaneId;
  /** Creation number in its LaneTable, from 0. */
  readonly number: number;
  readonly classIndex: number;
  readonly budget: LaneBudget;
}

/** The lanes of one request, created when a job first needs one. */
class LaneTable {
  private readonly all: Lane[] = [];
  /** By class index: the class's lane, null once known to have no budget, undefined before. */
  private readonly plain: (Lane | null | undefined)[] = RESOURCE_CLASSES.map(() => undefined);
  /** By class index, for provider classes: lanes by provider. */
  private readonly byProvider: (Map<string, Lane> | undefined)[] = RESOURCE_CLASSES.map(() => undefined);

  constructor(private readonly request: PlanRequest) {}

  /**
   * The lane of a job of the class RESOURCE_CLASSES[classIndex] (and provider), or
   * undefined when it has no budget.
   */
  laneOf(classIndex: number, provider: string | undefined): Lane | undefined {
    const resourceClass = RESOURCE_CLASSES[classIndex]!;
    if (!PER_PROVIDER[classIndex]) {
      const known = this.plain[classIndex];
      if (known !== undefined) return known ?? undefined;
      const lanes = this.request.lanes;
      const budget = Object.hasOwn(lanes, resourceClass) ? lanes[resourceClass] : undefined;
      this.plain[classIndex] = budget === undefined ? null : this.create({ resourceClass }, classIndex, budget);
      return this.plain[classIndex] ?? undefined;
    }
    let providers = this.byProvider[classIndex];
    if (providers === undefined) {
      providers = new Map();
      this.byProvider[classIndex] = providers;
    }
    let lane = providers.get(provider!);
    if (lane === undefined) {
      const budgets = this.request.providerLanes;
      const forClass = budgets !== undefined && Object.hasOwn(budgets, resourceClass) ? budgets[resourceClass] : undefined;
      const budget = forClass !== undefined && Object.hasOwn(forClass, provider!) ? forClass[provider!] : undefined;
      if (budget === undefined) return undefined;
      lane = this.create({ resourceClass, provider: provider! }, classIndex, budget);
      providers.set(provider!, lane);
    }
    return lane;
  }

  private create(id: LaneId, classIndex: number, budget: LaneBudget): Lane {
    const lane: Lane = { id, number: this.all.length, classIndex, budget };
    this.all.push(lane);
    return lane;
  }

  /** Every lane in a fixed order: by class (as RESOURCE_CLASSES), then provider. */
  sorted(): Lane[] {
    return [...this.all].sort((a, b) => a.classIndex - b.classIndex || compareStrings(a.id.provider ?? '', b.id.provider ?? ''));
  }
}

/** Code-unit order: locale-free, so a plan is the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 2^53: integers below it are exact in a double. */
const EXACT = 2 ** 53;

/**
 * Sorts a lane into its order (rule 4): priority descending, creation time by the policy,
 * then id. `entries` (the lane's segment of the queue) is reordered in place.
 *
 * The usual case (integer priorities and creation times, as ms timestamps are) gives each
 * job one exact integer key = (maxPriority - priority) * span + the creation time counted
 * from the newest (or the oldest), span = the creation times' range + 1. Keys below 2^32
 * (4 priorities over 10 minutes of ms: 2.4e6) take a stable radix sort (2 passes for keys
 * below 2^22); larger ones are packed as key * n + position and sorted natively (a
 * typed-array sort). Either is several times faster than a comparator over objects; runs
 * of equal keys are then put in id order. When the packing could not be exact (fractions,
 * or ranges whose product reaches 2^53) the sort compares the fields. All give the same
 * order (a property test checks it).
 */
function orderLane(entries: Int32Array, policy: OrderPolicy, cols: Columns): void {
  const n = entries.length;
  const priority = cols.priority;
  const createdAt = cols.createdAt;
  const ids = cols.ids;
  const newest = policy !== 'oldest-first';
  let minPriority = Infinity;
  let maxPriority = -Infinity;
  let minCreated = Infinity;
  let maxCreated = -Infinity;
  let integers = true;
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    const p = priority[e]!;
    const c = createdAt[e]!;
    if (!Number.isInteger(p) || !Number.isInteger(c)) {
      integers = false;
      break;
    }
    if (p < minPriority) minPriority = p;
    if (p > maxPriority) maxPriority = p;
    if (c < minCreated) minCreated = c;
    if (c > maxCreated) maxCreated = c;
  }
  const span = maxCreated - minCreated + 1;
  if (!integers || (maxPriority - minPriority + 1) * span * n >= EXACT) {
    const sign = newest ? -1 : 1;
    entries.sort((a, b) => priority[b]! - priority[a]! || sign * (createdAt[a]! - createdAt[b]!) || compareStrings(ids[a]!, ids[b]!));
    return;
  }
  // Keys below 2^32 (e.g. 4 priorities over 10 minutes of ms: 2.4e6) take a radix sort.
  if ((maxPriority - minPriority + 1) * span <= RADIX_LIMIT) {
    const keys = new Uint32Array(n);
    for (let pos = 0; pos < n; pos++) {
      const e = entries[pos]!;
      keys[pos] = (maxPriority - priority[e]!) * span + (newest ? maxCreated - createdAt[e]! : createdAt[e]! - minCreated);
    }
    radixSort(keys, entries, (maxPriority - minPriority + 1) * span - 1);
    let run = 0;
    for (let k = 1; k <= n; k++) {
      if (k < n && keys[k] === keys[run]) continue;
      if (k - run > 1) sortById(entries, run, k, ids);
      run = k;
    }
    return;
  }
  const packed = new Float64Array(n);
  for (let pos = 0; pos < n; pos++) {
    const e = entries[pos]!;
    const key = (maxPriority - priority[e]!) * span + (newest ? maxCreated - createdAt[e]! : createdAt[e]! - minCreated);
    packed[pos] = key * n + pos;
  }
  packed.sort();
  const original = entries.slice();
  // Unpack each value into its key and position (a division, exact up to a correction of
  // one: cheaper than the floating-point %). Equal keys came out in input position order:
  // each run of equal keys is then put in id order.
  let run = 0;
  let runKey = -1;
  for (let k = 0; k < n; k++) {
    const value = packed[k]!;
    let key = Math.floor(value / n);
    let pos = value - key * n;
    if (pos < 0) {
      pos += n;
      key -= 1;
    } else if (pos >= n) {
      pos -= n;
      key += 1;
    }
    entries[k] = original[pos]!;
    if (key !== runKey) {
      if (k - run > 1) sortById(entries, run, k, ids);
      run = k;
      runKey = key;
    }
  }
  if (n - run > 1) sortById(entries, run, n, ids);
}

/** Keys up to this value (2^32 - 1) fit a Uint32Array: radixSort's domain. */
const RADIX_LIMIT = 2 ** 32 - 1;

/** Bits per radix digit: 2048 counters, fitting the L1 cache. */
const DIGIT_BITS = 11;

/**
 * Sorts `keys` ascending, moving `values` along (a stable LSD radix sort, as many passes as
 * the largest key `maxKey` needs: 2 for keys below 2^22). Equal keys keep their order.
 */
function radixSort(keys: Uint32Array, values: Int32Array, maxKey: number): void {
  const n = keys.length;
  let fromKeys: Uint32Array = keys;
  let fromValues: Int32Array = values;
  let toKeys: Uint32Array = new Uint32Array(n);
  let toValues: Int32Array = new Int32Array(n);
  const counts = new Int32Array(1 << DIGIT_BITS);
  const digitMask = (1 << DIGIT_BITS) - 1;
  let passes = 0;
  for (let shift = 0; shift < 32 && maxKey >>> shift !== 0; shift += DIGIT_BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(fromKeys[i]! >>> shift) & digitMask]!++;
    let sum = 0;
    for (let d = 0; d < counts.length; d++) {
      const count = counts[d]!;
      counts[d] = sum;
      sum += count;
    }
    for (let i = 0; i < n; i++) {
      const key = fromKeys[i]!;
      const at = counts[(key >>> shift) & digitMask]!++;
      toKeys[at] = key;
      toValues[at] = fromValues[i]!;
    }
    const keysWritten = toKeys;
    toKeys = fromKeys;
    fromKeys = keysWritten;
    const valuesWritten = toValues;
    toValues = fromValues;
    fromValues = valuesWritten;
    passes++;
  }
  // An odd number of passes left the result in the scratch arrays.
  if (passes % 2 === 1) {
    keys.set(fromKeys);
    values.set(fromValues);
  }
}

/** Sorts entries[from .. to) by id (ids are unique: a total order). */
function sortById(entries: Int32Array, from: number, to: number, ids: readonly string[]): void {
  if (to - from > 16) {
    entries.subarray(from, to).sort((a, b) => compareStrings(ids[a]!, ids[b]!));
    return;
  }
  // Insertion sort: a run of equal (priority, creation time) keys is usually a few jobs.
  for (let i = from + 1; i < to; i++) {
    const e = entries[i]!;
    const id = ids[e]!;
    let j = i - 1;
    while (j >= from && ids[entries[j]!]! > id) {
      entries[j + 1] = entries[j]!;
      j--;
    }
    entries[j + 1] = e;
  }
}

/**
 * The estimates of the queued jobs, by queue position (start and finish offsets from
 * nowMs), and the smallest and largest finish offsets over all lanes.
 */
class Schedule {
  readonly start: Float64Array;
  readonly finish: Float64Array;
  firstFinish = Infinity;
  lastFinish = -Infinity;

  constructor(size: number) {
    this.start = new Float64Array(size);
    this.finish = new Float64Array(size);
  }
}

/**
 * Simulates one ordered lane (queue[lo .. hi)) as `capacity` parallel slots. Start offsets
 * never decrease along the order (each job takes the earliest free slot, and a slot only
 * frees later than it was taken), which mergeLanes relies on.
 */
function scheduleLane(queue: Int32Array, lo: number, hi: number, capacity: number, duration: Float64Array, out: Schedule): void {
  const slots = new SlotHeap(Math.min(capacity, hi - lo));
  const starts = out.start;
  const finishes = out.finish;
  let firstFinish = out.firstFinish;
  let lastFinish = out.lastFinish;
  for (let pos = lo; pos < hi; pos++) {
    // A free slot while fewer than `capacity` jobs were placed; else the earliest to free.
    const start = pos - lo < capacity ? 0 : slots.popMin();
    const finish = start + duration[queue[pos]!]!;
    slots.push(finish);
    if (finish < firstFinish) firstFinish = finish;
    if (finish > lastFinish) lastFinish = finish;
    starts[pos] = start;
    finishes[pos] = finish;
  }
  out.firstFinish = firstFinish;
  out.lastFinish = lastFinish;
}

/** A binary min-heap of slot end offsets (numbers), at most `size` long. */
class SlotHeap {
  private readonly heap: Float64Array;
  private length = 0;

  constructor(size: number) {
    this.heap = new Float64Array(Math.max(1, size));
  }

  push(value: number): void {
    const heap = this.heap;
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= value) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = value;
  }

  popMin(): number {
    const heap = this.heap;
    const min = heap[0]!;
    const last = heap[--this.length]!;
    const n = this.length;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    if (n > 0) heap[i] = last;
    return min;
  }
}

/**
 * Merges the lanes' segments of the queue (each ordered, with nondecreasing starts) into
 * the admitted list by estimated start, then lane order, then lane (the segments come in
 * LaneTable.sorted order), creating each PlannedJob once, in its final shape and place. A
 * k-way merge over a binary heap of the lanes' heads, read from typed arrays.
 */
function mergeLanes(queue: Int32Array, bounds: Int32Array, lanes: readonly Lane[], ids: readonly string[], schedule: Schedule, nowMs: number): PlannedJob[] {
  const out: PlannedJob[] = new Array(queue.length);
  const starts = schedule.start;
  const finishes = schedule.finish;
  // heads[k]: the queue position of lane k's next job; heap: lanes with jobs left.
  const heads = bounds.slice(0, lanes.length);
  const heap = new Int32Array(lanes.length);
  let size = 0;
  for (let k = 0; k < lanes.length; k++) if (bounds[k]! < bounds[k + 1]!) heap[size++] = k;
  for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(heap, size, i, heads, bounds, starts);
  for (let index = 0; index < out.length; index++) {
    const k = heap[0]!;
    const pos = heads[k]!++;
    const lane = lanes[k]!;
    const order = pos - bounds[k]!;
    out[index] = {
      id: ids[queue[pos]!]!,
      lane: lane.id,
      order,
      wave: Math.floor(order / lane.budget.capacity),
      estimatedStartMs: nowMs + starts[pos]!,
      estimatedFinishMs: nowMs + finishes[pos]!,
    };
    if (heads[k]! === bounds[k + 1]!) heap[0] = heap[--size]!;
    if (size > 0) siftDown(heap, size, 0, heads, bounds, starts);
  }
  return out;
}

/** Whether lane a's head goes before lane b's: earlier start, then smaller order, then lane. */
function headBefore(a: number, b: number, heads: Int32Array, bounds: Int32Array, starts: Float64Array): boolean {
  const x = starts[heads[a]!]!;
  const y = starts[heads[b]!]!;
  if (x !== y) return x < y;
  const orderA = heads[a]! - bounds[a]!;
  const orderB = heads[b]! - bounds[b]!;
  if (orderA !== orderB) return orderA < orderB;
  return a < b;
}

function siftDown(heap: Int32Array, size: number, i: number, heads: Int32Array, bounds: Int32Array, starts: Float64Array): void {
  for (;;) {
    let smallest = i;
    const left = 2 * i + 1;
    if (left < size && headBefore(heap[left]!, heap[smallest]!, heads, bounds, starts)) smallest = left;
    if (left + 1 < size && headBefore(heap[left + 1]!, heap[smallest]!, heads, bounds, starts)) smallest = left + 1;
    if (smallest === i) return;
    const swap = heap[i]!;
    heap[i] = heap[smallest]!;
    heap[smallest] = swap;
    i = smallest;
  }
}

function byId<T extends { readonly id: string }>(list: T[]): void {
  list.sort((a, b) => compareStrings(a.id, b.id));
}

// ------------------------------------------------------------------ readiness

/** Keys ready at nowMs: an artifact whose lease ended (validUntilMs <= nowMs) is not. */
function readyKeys(ready: readonly ReadyArtifact[] | undefined, nowMs: number): Set<string> {
  const keys = new Set<string>();
  for (const artifact of ready ?? []) {
    if (artifact.validUntilMs === undefined || artifact.validUntilMs > nowMs) keys.add(artifact.key);
  }
  return keys;
}

/** The missing dependencies (sorted, no repeats), or undefined when all are ready. */
function missingDependencies(dependencies: readonly string[] | undefined, ready: ReadonlySet<string>): string[] | undefined {
  if (dependencies === undefined) return undefined;
  let missing: string[] | undefined;
  for (let k = 0; k < dependencies.length; k++) {
    const key = dependencies[k]!;
    if (!ready.has(key)) (missing ??= []).push(key);
  }
  if (missing === undefined) return undefined;
  // One or two keys (the usual case) need no Set to drop repeats.
  if (missing.length === 1) return missing;
  if (missing.length === 2) {
    const [x, y] = missing as [string, string];
    return x === y ? [x] : x < y ? missing : [y, x];
  }
  return [...new Set(missing)].sort(compareStrings);
}

// ------------------------------------------------------------------ validation

interface CheckedRequest {
  readonly nowMs: number;
  readonly firstResponseBudgetMs: number;
  readonly allResponsesBudgetMs: number;
}

/**
 * Checks the whole request, throwing AdmissionRequestError at the first bad field. After
 * this the planner may trust every field (types, ranges, unique ids, providers present).
 */
export function validateRequest(request: PlanRequest): CheckedRequest {
  const checked = validateShell(request);
  const seen = new IdColumn(request.jobs.length);
  const fields = new JobFields();
  let i = 0;
  try {
    for (; i < request.jobs.length; i++) validateJob(request.jobs, i, seen, fields);
  } catch (error) {
    checkUniqueIds(request.jobs, seen, i + 1);
    throw error;
  }
  checkUniqueIds(request.jobs, seen, request.jobs.length);
  return checked;
}

/** Checks everything but the jobs' contents (plan checks those as it reads them). */
function validateShell(request: PlanRequest): CheckedRequest {
  if (!isRecord(request)) throw new AdmissionRequestError('request', request, 'must be an object');
  finite(request.nowMs, 'nowMs');
  if (!Array.isArray(request.jobs)) throw new AdmissionRequestError('jobs', request.jobs, 'must be an array');
  validateLanes(request.lanes);
  validateProviderLanes(request.providerLanes);
  if (request.ready !== undefined) {
    if (!Array.isArray(request.ready)) throw new AdmissionRequestError('ready', request.ready, 'must be an array when given');
    request.ready.forEach((artifact, i) => validateArtifact(artifact, `ready[${i}]`));
  }
  const firstResponseBudgetMs = request.firstResponseBudgetMs ?? DEFAULT_FIRST_RESPONSE_BUDGET_MS;
  const allResponsesBudgetMs = request.allResponsesBudgetMs ?? DEFAULT_ALL_RESPONSES_BUDGET_MS;
  nonNegative(firstResponseBudgetMs, 'firstResponseBudgetMs');
  nonNegative(allResponsesBudgetMs, 'allResponsesBudgetMs');
  return { nowMs: request.nowMs, firstResponseBudgetMs, allResponsesBudgetMs };
}

/**
 * One job's fields as read by validateJob: one object reused for every job (no allocation
 * per job), one shape (the jobs themselves come in several: optional fields).
 */
class JobFields {
  id = '';
  resourceClass: ResourceClass = 'tool';
  /** resourceClass's index in RESOURCE_CLASSES. */
  classIndex = 0;
  provider: string | undefined = undefined;
  priority = 0;
  createdAtMs = 0;
  artifactKey = '';
  dependencyKeys: readonly string[] | undefined = undefined;
  estimatedDurationMs: number | undefined = undefined;
}

/** The jobs' ids (ids[i] is jobs[i].id, once checked to be a string) and their hashes. */
class IdColumn {
  readonly ids: (string | undefined)[];
  readonly hashes: Int32Array;

  constructor(count: number) {
    this.ids = new Array(count);
    this.hashes = new Int32Array(count);
  }
}

/**
 * Throws for the first job among the first `count` whose id repeats an earlier job's (the
 * error validateJob would give if it checked the ids one by one). Jobs whose id was not
 * read (a bad job's) are skipped.
 */
function checkUniqueIds(jobs: readonly unknown[], seen: IdColumn, count: number): void {
  const index = new StringIndex(count);
  const ids = seen.ids as string[];
  const hashes = seen.hashes;
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    if (id === undefined) continue;
    if (index.findOrAdd(hashes[i]!, i, ids) !== -1) {
      // The first holder of a repeated id is searched only on failure.
      const first = jobs.findIndex((other) => isRecord(other) && (other as Partial<AdmissionJob>).id === id);
      throw new AdmissionRequestError(jobPath(i, '.id'), id, `duplicates jobs[${first}].id (job ids must be unique within a request)`);
    }
  }
}

/** The path of a job's field, built only on failure (100,000 jobs, no path strings). */
const jobPath = (i: number, field: string): string => `jobs[${i}]${field}`;

/**
 * Checks jobs[i], reading each field once, into `out`; records its id and the id's hash in
 * `seen` (checkUniqueIds checks that the ids are unique).
 */
function validateJob(jobs: readonly unknown[], i: number, seen: IdColumn, out: JobFields): void {
  const job = jobs[i];
  if (!isRecord(job)) throw new AdmissionRequestError(jobPath(i, ''), job, 'must be an object');
  const j = job as Partial<AdmissionJob>;
  const id = j.id;
  if (typeof id !== 'string' || id === '') throw invalid(id, jobPath(i, '.id'), 'must be a non-empty string');
  seen.ids[i] = id;
  seen.hashes[i] = hashString(id);
  const resourceClass = j.resourceClass!;
  const classIndex = classIndexOf(resourceClass);
  if (classIndex === -1) throw invalid(resourceClass, jobPath(i, '.resourceClass'), `must be one of ${RESOURCE_CLASSES.join(', ')}`);
  const provider = j.provider;
  if (provider !== undefined) {
    if (typeof provider !== 'string' || provider === '') throw invalid(provider, jobPath(i, '.provider'), 'must be a non-empty string');
  } else if (PER_PROVIDER[classIndex]) {
    throw invalid(provider, jobPath(i, '.provider'), `is required for class ${resourceClass} (its lanes are per provider)`);
  }
  const priority = j.priority;
  if (!isFinite(priority)) throw invalid(priority, jobPath(i, '.priority'), 'must be a finite number');
  const createdAtMs = j.createdAtMs;
  if (!isFinite(createdAtMs)) throw invalid(createdAtMs, jobPath(i, '.createdAtMs'), 'must be a finite number');
  const artifactKey = j.artifactKey;
  if (typeof artifactKey !== 'string' || artifactKey === '') throw invalid(artifactKey, jobPath(i, '.artifactKey'), 'must be a non-empty string');
  const keys = j.dependencyKeys;
  if (keys !== undefined) {
    if (!Array.isArray(keys)) throw invalid(keys, jobPath(i, '.dependencyKeys'), 'must be an array of keys when given');
    for (let k = 0; k < keys.length; k++) {
      const key: unknown = keys[k];
      if (typeof key !== 'string' || key === '') throw invalid(key, jobPath(i, `.dependencyKeys[${k}]`), 'must be a non-empty string');
    }
  }
  const duration = j.estimatedDurationMs;
  if (duration !== undefined && !(isFinite(duration) && duration >= 0)) throw invalid(duration, jobPath(i, '.estimatedDurationMs'), 'must be a finite number >= 0');
  out.id = id;
  out.resourceClass = resourceClass;
  out.classIndex = classIndex;
  out.provider = provider;
  out.priority = priority;
  out.createdAtMs = createdAtMs;
  out.artifactKey = artifactKey;
  out.dependencyKeys = keys;
  out.estimatedDurationMs = duration;
}

function invalid(value: unknown, at: string, reason: string): AdmissionRequestError {
  return new AdmissionRequestError(at, value, reason);
}

/** A finite number (a type guard, no throw: the hot path of validateJob). */
function isFinite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function validateLanes(lanes: PlanRequest['lanes']): void {
  if (!isRecord(lanes)) throw new AdmissionRequestError('lanes', lanes, 'must be an object of budgets by class');
  for (const key of Object.keys(lanes)) {
    const at = `lanes${pathKey(key)}`;
    if (!RESOURCE_CLASSES.includes(key as ResourceClass)) throw new AdmissionRequestError(at, key, `is not a resource class (one of ${RESOURCE_CLASSES.join(', ')})`);
    const budget = lanes[key as ResourceClass];
    if (budget === undefined) continue;
    // A shared budget for a provider class is what the seed's review warned against; refuse
    // it rather than silently leave every job of the class unbudgeted.
    if (isProviderClass(key as ResourceClass)) throw new AdmissionRequestError(at, budget, `is a per-provider class: give its budgets in providerLanes${pathKey(key)}.<provider>`);
    validateBudget(budget, at);
  }
}

function validateProviderLanes(providerLanes: PlanRequest['providerLanes']): void {
  if (providerLanes === undefined) return;
  if (!isRecord(providerLanes)) throw new AdmissionRequestError('providerLanes', providerLanes, 'must be an object of budgets by class and provider when given');
  for (const key of Object.keys(providerLanes)) {
    const at = `providerLanes${pathKey(key)}`;
    if (!PROVIDER_CLASSES.includes(key as ResourceClass)) {
      throw new AdmissionRequestError(at, key, `is not a per-provider class (one of ${PROVIDER_CLASSES.join(', ')}); other classes take their budget in lanes`);
    }
    const byProvider = providerLanes[key as ResourceClass];
    if (byProvider === undefined) continue;
    if (!isRecord(byProvider)) throw new AdmissionRequestError(at, byProvider, 'must be an object of budgets by provider');
    for (const provider of Object.keys(byProvider)) {
      if (provider === '') throw new AdmissionRequestError(`${at}[""]`, provider, 'a provider name must not be empty');
      validateBudget(byProvider[provider], `${at}${pathKey(provider)}`);
    }
  }
}

function validateBudget(budget: unknown, at: string): void {
  if (!isRecord(budget)) throw new AdmissionRequestError(at, budget, 'must be a lane budget object');
  const b = budget as Partial<LaneBudget>;
  if (typeof b.capacity !== 'number' || !Number.isSafeInteger(b.capacity) || b.capacity < 1) {
    throw new AdmissionRequestError(`${at}.capacity`, b.capacity, 'must be an integer >= 1');
  }
  if (b.order !== undefined && !ORDER_POLICIES.includes(b.order)) throw new AdmissionRequestError(`${at}.order`, b.order, `must be one of ${ORDER_POLICIES.join(', ')}`);
  nonNegative(b.estimatedDurationMs, `${at}.estimatedDurationMs`);
}

/**
 * Checks one ready artifact (also used by ArtifactLeases). `at` is the field path to name
 * in the error, e.g. `ready[2]`.
 */
export function validateArtifact(artifact: unknown, at: string): void {
  if (!isRecord(artifact)) throw new AdmissionRequestError(at, artifact, 'must be an object { key, validUntilMs?, holderId? }');
  const a = artifact as Partial<ReadyArtifact>;
  nonEmptyString(a.key, `${at}.key`);
  if (a.validUntilMs !== undefined) finite(a.validUntilMs, `${at}.validUntilMs`);
  if (a.holderId !== undefined) nonEmptyString(a.holderId, `${at}.holderId`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finite(value: unknown, at: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new AdmissionRequestError(at, value, 'must be a finite number');
}

function nonNegative(value: unknown, at: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new AdmissionRequestError(at, value, 'must be a finite number >= 0');
}

function nonEmptyString(value: unknown, at: string): void {
  if (typeof value !== 'string' || value === '') throw new AdmissionRequestError(at, value, 'must be a non-empty string');
}
