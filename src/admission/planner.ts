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
 * Cost: O(n log n) for n jobs: one pass reading each job into unboxed columns, one hash
 * lookup per job for duplicate ids and one for coalescing, one native numeric sort per lane
 * (see orderLane), a heap of at most `capacity` slot ends per lane, a k-way merge of the
 * lanes. bench/admission.bench.ts measures 100,000 jobs against a plain sort-and-wave floor.
 */
import { AdmissionRequestError, pathKey } from './errors.js';
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
  // Validation of each job happens in the same pass (a bad job still refuses the request).
  const lanes = new LaneTable(request);
  const unbudgeted: UnbudgetedJob[] = [];
  const jobs = request.jobs;
  const cols = new Columns(jobs.length);
  const seen = new Set<string>();
  const fields = new JobFields();
  for (let i = 0; i < jobs.length; i++) {
    validateJob(jobs, i, seen, fields);
    const lane = lanes.laneOf(fields.resourceClass, fields.provider);
    if (lane === undefined) unbudgeted.push({ id: fields.id, lane: laneIdOf(fields) });
    else cols.add(fields, lane);
  }
  const m = cols.length;

  // 2. coalescing per (class, artifactKey): one map per class (no key concatenation), one
  // lookup per job. A group is represented by its first job (its head), which holds the
  // group's current winner, so the second pass needs no lookup.
  const groups = RESOURCE_CLASSES.map(() => new Map<string, number>());
  const head = new Int32Array(m);
  const winner = new Int32Array(m);
  for (let e = 0; e < m; e++) {
    const byArtifact = groups[cols.lanes[e]!.classIndex]!;
    const first = byArtifact.get(cols.artifacts[e]!);
    head[e] = winner[e] = e;
    if (first === undefined) byArtifact.set(cols.artifacts[e]!, e);
    else {
      head[e] = first;
      if (cols.beats(e, winner[first]!)) winner[first] = e;
    }
  }

  // 3. dependency gate (on the kept jobs), filling the lanes.
  const coalesced: CoalescedJob[] = [];
  const deferred: DeferredJob[] = [];
  const ready = readyKeys(request.ready, nowMs);
  for (let e = 0; e < m; e++) {
    const kept = winner[head[e]!]!;
    if (kept !== e) {
      coalesced.push({ id: cols.ids[e]!, keptId: cols.ids[kept]! });
      continue;
    }
    const missing = missingDependencies(cols.dependencies[e], ready);
    if (missing === undefined) cols.lanes[e]!.entries.push(e);
    else deferred.push({ id: cols.ids[e]!, missingDependencies: missing });
  }

  // 4 and 5. order, waves and estimates, lane by lane.
  const planned: PlannedJob[][] = [];
  let firstFinish = Infinity;
  let lastFinish = -Infinity;
  for (const lane of lanes.sorted()) {
    if (lane.entries.length === 0) continue;
    const scheduled = scheduleLane(lane, cols, nowMs);
    planned.push(scheduled.jobs);
    if (scheduled.firstFinish < firstFinish) firstFinish = scheduled.firstFinish;
    if (scheduled.lastFinish > lastFinish) lastFinish = scheduled.lastFinish;
  }
  const admitted = mergeLanes(planned);

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
  readonly lanes: Lane[];
  readonly dependencies: (readonly string[] | undefined)[];
  readonly priority: Float64Array;
  readonly createdAt: Float64Array;
  readonly duration: Float64Array;

  constructor(capacity: number) {
    this.ids = new Array(capacity);
    this.artifacts = new Array(capacity);
    this.lanes = new Array(capacity);
    this.dependencies = new Array(capacity);
    this.priority = new Float64Array(capacity);
    this.createdAt = new Float64Array(capacity);
    this.duration = new Float64Array(capacity);
  }

  add(job: JobFields, lane: Lane): void {
    const e = this.length++;
    this.ids[e] = job.id;
    this.artifacts[e] = job.artifactKey;
    this.lanes[e] = lane;
    this.dependencies[e] = job.dependencyKeys;
    this.priority[e] = job.priority;
    this.createdAt[e] = job.createdAtMs;
    this.duration[e] = job.estimatedDurationMs ?? lane.budget.estimatedDurationMs;
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
  readonly classIndex: number;
  readonly budget: LaneBudget;
  /** Entry numbers (Columns) of the jobs the lane admits. */
  readonly entries: number[];
}

/** The lanes of one request, created when a job first needs one. */
class LaneTable {
  private readonly plain = new Map<ResourceClass, Lane>();
  private readonly byProvider = new Map<ResourceClass, Map<string, Lane>>();

  constructor(private readonly request: PlanRequest) {}

  /** The lane of a job of this class (and provider), or undefined when it has no budget. */
  laneOf(resourceClass: ResourceClass, provider: string | undefined): Lane | undefined {
    if (!isProviderClass(resourceClass)) {
      let lane = this.plain.get(resourceClass);
      if (lane === undefined) {
        const lanes = this.request.lanes;
        const budget = Object.hasOwn(lanes, resourceClass) ? lanes[resourceClass] : undefined;
        if (budget === undefined) return undefined;
        lane = { id: { resourceClass }, classIndex: RESOURCE_CLASSES.indexOf(resourceClass), budget, entries: [] };
        this.plain.set(resourceClass, lane);
      }
      return lane;
    }
    let providers = this.byProvider.get(resourceClass);
    if (providers === undefined) {
      providers = new Map();
      this.byProvider.set(resourceClass, providers);
    }
    let lane = providers.get(provider!);
    if (lane === undefined) {
      const budgets = this.request.providerLanes;
      const forClass = budgets !== undefined && Object.hasOwn(budgets, resourceClass) ? budgets[resourceClass] : undefined;
      const budget = forClass !== undefined && Object.hasOwn(forClass, provider!) ? forClass[provider!] : undefined;
      if (budget === undefined) return undefined;
      lane = { id: { resourceClass, provider: provider! }, classIndex: RESOURCE_CLASSES.indexOf(resourceClass), budget, entries: [] };
      providers.set(provider!, lane);
    }
    return lane;
  }

  /** Every lane in a fixed order: by class (as RESOURCE_CLASSES), then provider. */
  sorted(): Lane[] {
    const all = [...this.plain.values()];
    for (const providers of this.byProvider.values()) all.push(...providers.values());
    return all.sort((a, b) => a.classIndex - b.classIndex || compareStrings(a.id.provider ?? '', b.id.provider ?? ''));
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
 * then id. Returns the entry numbers in that order.
 *
 * The usual case (integer priorities and creation times, as ms timestamps are) packs each
 * job into one exact integer, key * n + position, with key = (maxPriority - priority) *
 * span + the creation time counted from the newest (or the oldest) and span = the creation
 * times' range + 1, and sorts those numbers natively (a typed-array sort, several times
 * faster than a comparator over objects); runs of equal keys are then put in id order.
 * When the packing could not be exact (fractions, or ranges whose product reaches 2^53) the
 * sort compares the fields. Both give the same order (a property test checks it).
 */
function orderLane(entries: readonly number[], policy: OrderPolicy, cols: Columns): number[] {
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
    return [...entries].sort((a, b) => priority[b]! - priority[a]! || sign * (createdAt[a]! - createdAt[b]!) || compareStrings(ids[a]!, ids[b]!));
  }
  const packed = new Float64Array(n);
  for (let pos = 0; pos < n; pos++) {
    const e = entries[pos]!;
    const key = (maxPriority - priority[e]!) * span + (newest ? maxCreated - createdAt[e]! : createdAt[e]! - minCreated);
    packed[pos] = key * n + pos;
  }
  packed.sort();
  const out: number[] = new Array(n);
  for (let k = 0; k < n; k++) out[k] = entries[packed[k]! % n]!;
  // Equal keys came out in input position order: put each run in id order instead. Two
  // slots hold equal keys when their key * n (the packed value less the position) agree.
  const keyOf = (k: number): number => packed[k]! - (packed[k]! % n);
  let run = 0;
  let runKey = keyOf(0);
  for (let k = 1; k <= n; k++) {
    const key = k < n ? keyOf(k) : NaN;
    if (key === runKey) continue;
    if (k - run > 1) {
      const sorted = out.slice(run, k).sort((a, b) => compareStrings(ids[a]!, ids[b]!));
      for (let j = 0; j < sorted.length; j++) out[run + j] = sorted[j]!;
    }
    run = k;
    runKey = key;
  }
  return out;
}

/**
 * Orders one lane and simulates it as `capacity` parallel slots. Start offsets never
 * decrease along the order (each job takes the earliest free slot, and a slot only frees
 * later than it was taken), which mergeLanes relies on.
 */
function scheduleLane(lane: Lane, cols: Columns, nowMs: number): { jobs: PlannedJob[]; firstFinish: number; lastFinish: number } {
  const ordered = orderLane(lane.entries, lane.budget.order ?? DEFAULT_ORDER_POLICY, cols);
  const capacity = lane.budget.capacity;
  const slots = new SlotHeap(Math.min(capacity, ordered.length));
  const jobs: PlannedJob[] = new Array(ordered.length);
  const duration = cols.duration;
  const ids = cols.ids;
  let firstFinish = Infinity;
  let lastFinish = -Infinity;
  for (let order = 0; order < ordered.length; order++) {
    const e = ordered[order]!;
    // A free slot while fewer than `capacity` jobs were placed; else the earliest to free.
    const start = order < capacity ? 0 : slots.popMin();
    const finish = start + duration[e]!;
    slots.push(finish);
    if (finish < firstFinish) firstFinish = finish;
    if (finish > lastFinish) lastFinish = finish;
    jobs[order] = {
      id: ids[e]!,
      lane: lane.id,
      order,
      wave: Math.floor(order / capacity),
      estimatedStartMs: nowMs + start,
      estimatedFinishMs: nowMs + finish,
    };
  }
  return { jobs, firstFinish, lastFinish };
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
 * Merges the lanes (each sorted by start, then order) into one list by estimated start,
 * then lane order, then lane (the lanes come in LaneTable.sorted order). A k-way merge:
 * a linear scan of the lane heads when there are few lanes (the usual case: a handful of
 * classes and providers), a heap of lane heads when there are many.
 */
function mergeLanes(lanes: readonly PlannedJob[][]): PlannedJob[] {
  if (lanes.length === 1) return lanes[0]!;
  let total = 0;
  for (const lane of lanes) total += lane.length;
  const out: PlannedJob[] = new Array(total);
  const heads = new Array<number>(lanes.length).fill(0);
  // a goes before b: earlier start, then smaller order, then earlier lane.
  const before = (a: number, b: number): boolean => {
    const x = lanes[a]![heads[a]!]!;
    const y = lanes[b]![heads[b]!]!;
    if (x.estimatedStartMs !== y.estimatedStartMs) return x.estimatedStartMs < y.estimatedStartMs;
    if (x.order !== y.order) return x.order < y.order;
    return a < b;
  };
  if (lanes.length <= 8) {
    for (let k = 0; k < total; k++) {
      let best = -1;
      for (let l = 0; l < lanes.length; l++) {
        if (heads[l]! < lanes[l]!.length && (best === -1 || before(l, best))) best = l;
      }
      out[k] = lanes[best]![heads[best]!++]!;
    }
    return out;
  }
  // A binary heap of lane indices keyed by their head job.
  const heap = lanes.map((_, l) => l).filter((l) => lanes[l]!.length > 0);
  const siftDown = (i: number): void => {
    for (;;) {
      let smallest = i;
      const left = 2 * i + 1;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (left + 1 < heap.length && before(heap[left + 1]!, heap[smallest]!)) smallest = left + 1;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
  for (let k = 0; k < total; k++) {
    const l = heap[0]!;
    out[k] = lanes[l]![heads[l]!++]!;
    if (heads[l]! === lanes[l]!.length) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    if (heap.length > 0) siftDown(0);
  }
  return out;
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
  for (const key of dependencies) {
    if (!ready.has(key)) (missing ??= []).push(key);
  }
  if (missing === undefined) return undefined;
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
  const seen = new Set<string>();
  const fields = new JobFields();
  for (let i = 0; i < request.jobs.length; i++) validateJob(request.jobs, i, seen, fields);
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
  provider: string | undefined = undefined;
  priority = 0;
  createdAtMs = 0;
  artifactKey = '';
  dependencyKeys: readonly string[] | undefined = undefined;
  estimatedDurationMs: number | undefined = undefined;
}

/** The path of a job's field, built only on failure (100,000 jobs, no path strings). */
const jobPath = (i: number, field: string): string => `jobs[${i}]${field}`;

/** Checks jobs[i], reading each field once, into `out`; `seen` holds the ids so far. */
function validateJob(jobs: readonly unknown[], i: number, seen: Set<string>, out: JobFields): void {
  const job = jobs[i];
  if (!isRecord(job)) throw new AdmissionRequestError(jobPath(i, ''), job, 'must be an object');
  const j = job as Partial<AdmissionJob>;
  const id = j.id;
  if (typeof id !== 'string' || id === '') throw invalid(id, jobPath(i, '.id'), 'must be a non-empty string');
  // One set operation per job; the first holder of a repeated id is searched only on failure.
  const size = seen.size;
  if (seen.add(id).size === size) {
    const first = jobs.findIndex((other) => isRecord(other) && (other as Partial<AdmissionJob>).id === id);
    throw new AdmissionRequestError(jobPath(i, '.id'), id, `duplicates jobs[${first}].id (job ids must be unique within a request)`);
  }
  const resourceClass = j.resourceClass!;
  if (!RESOURCE_CLASSES.includes(resourceClass)) throw invalid(resourceClass, jobPath(i, '.resourceClass'), `must be one of ${RESOURCE_CLASSES.join(', ')}`);
  const provider = j.provider;
  if (provider !== undefined) {
    if (typeof provider !== 'string' || provider === '') throw invalid(provider, jobPath(i, '.provider'), 'must be a non-empty string');
  } else if (isProviderClass(resourceClass)) {
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
