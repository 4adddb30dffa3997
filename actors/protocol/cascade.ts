import { DuplicateTargetError, ProtocolOptionError, checkId, checkNumber, checkPositive, checkRate } from './errors.js';
import { p95 } from './percentile.js';

/**
 * Hierarchical cascades (MESH-30K 3.3) as pure planners: given the tree shape they return
 * the ordered steps; the actors that carry them out come later.
 *
 *   wave            level by level: orchestrator -> sectors -> clusters -> agents; step i
 *                   is every node at depth i sending to its children, and the next step
 *                   starts only after this one is confirmed (awaitConfirmation). Defaults
 *                   per level from 3.3: sectors 0.98 within 200 ms, clusters 0.95 within
 *                   1000 ms, agents 0.95 within 2000 ms (deeper levels reuse the last).
 *   parallel        one step: the root straight to every leaf, 0.90 within 1000 ms.
 *   priority-first  leaves grouped by impedance class, critical first, then expanding:
 *                   GPU 0.99, PERSISTENT 0.98, SERVERLESS 0.95, EDGE 0.90, LOCAL 0.85; each
 *                   phase continues even if the previous one fell short (degradation is
 *                   noted, not fatal). Leaves of a class not in the order (HUMAN, or none)
 *                   are listed in `unplanned`, never silently dropped.
 *   latency         cascadeLatency: per-cascade totals (sum of its sequential level times),
 *                   their p95, the p95 of each level, and the 11.1 target (<= 1000 ms).
 */

export type ImpedanceClass = 'CLASS_A_EDGE' | 'CLASS_B_SERVERLESS' | 'CLASS_C_PERSISTENT' | 'CLASS_D_GPU' | 'CLASS_E_LOCAL' | 'CLASS_F_HUMAN';

/** The tree shape: an id, optional impedance class (leaves), children. */
export interface MeshNode {
  readonly id: string;
  readonly impedanceClass?: ImpedanceClass;
  readonly children?: readonly MeshNode[];
}

export interface LevelPolicy {
  readonly minimumResponseRate: number;
  readonly timeoutMs: number;
}

export const DEFAULT_WAVE_LEVELS: readonly LevelPolicy[] = [
  { minimumResponseRate: 0.98, timeoutMs: 200 },
  { minimumResponseRate: 0.95, timeoutMs: 1000 },
  { minimumResponseRate: 0.95, timeoutMs: 2000 },
];

const LEVEL_NAMES = ['sectors', 'clusters', 'agents'];

export interface WaveStep {
  readonly index: number;
  /** Depth of the receivers (1 = sectors). */
  readonly depth: number;
  readonly name: string;
  readonly senders: readonly string[];
  /** Receivers, in tree order. */
  readonly targets: readonly string[];
  /** sender id -> its children (each sender runs its own scatter-gather). */
  readonly fanOut: ReadonlyMap<string, readonly string[]>;
  readonly awaitConfirmation: true;
  readonly minimumResponseRate: number;
  readonly timeoutMs: number;
}

/** Checks ids (non-empty, unique in the tree) and returns the levels, root first. */
function levelsOf(root: MeshNode): MeshNode[][] {
  const seen = new Set<string>();
  const levels: MeshNode[][] = [];
  let current: MeshNode[] = [root];
  let path = ['root'];
  while (current.length > 0) {
    const next: MeshNode[] = [];
    const nextPath: string[] = [];
    current.forEach((node, i) => {
      const id = checkId(`${path[i]}.id`, node.id);
      if (seen.has(id)) throw new DuplicateTargetError('cascade tree', id);
      seen.add(id);
      (node.children ?? []).forEach((child, j) => {
        next.push(child);
        nextPath.push(`${path[i]}.children[${j}]`);
      });
    });
    levels.push(current);
    current = next;
    path = nextPath;
  }
  return levels;
}

function checkLevel(where: string, p: LevelPolicy): LevelPolicy {
  return { minimumResponseRate: checkRate(`${where}.minimumResponseRate`, p.minimumResponseRate), timeoutMs: checkPositive(`${where}.timeoutMs`, p.timeoutMs) };
}

/** The wave plan: one step per level below the root. */
export function planWave(root: MeshNode, options: { readonly levels?: readonly LevelPolicy[] } = {}): WaveStep[] {
  const policies = (options.levels ?? DEFAULT_WAVE_LEVELS).map((p, i) => checkLevel(`wave.levels[${i}]`, p));
  if (policies.length === 0) throw new ProtocolOptionError('wave.levels', options.levels, 'a non-empty list');
  const levels = levelsOf(root);
  const steps: WaveStep[] = [];
  for (let d = 1; d < levels.length; d++) {
    const senders = levels[d - 1]!.filter((n) => (n.children ?? []).length > 0);
    const fanOut = new Map(senders.map((n) => [n.id, (n.children ?? []).map((c) => c.id)] as const));
    const policy = policies[Math.min(d - 1, policies.length - 1)]!;
    steps.push({
      index: d - 1,
      depth: d,
      name: LEVEL_NAMES[d - 1] ?? `level-${d}`,
      senders: senders.map((n) => n.id),
      targets: levels[d]!.map((n) => n.id),
      fanOut,
      awaitConfirmation: true,
      ...policy,
    });
  }
  return steps;
}

export interface ParallelStep {
  readonly sender: string;
  readonly targets: readonly string[];
  readonly minimumResponseRate: number;
  readonly timeoutMs: number;
}

function leavesOf(root: MeshNode): MeshNode[] {
  return levelsOf(root)
    .flat()
    .filter((n, i) => i > 0 && (n.children ?? []).length === 0);
}

/** The parallel plan: the root to every leaf at once. */
export function planParallel(root: MeshNode, policy: LevelPolicy = { minimumResponseRate: 0.9, timeoutMs: 1000 }): ParallelStep {
  const checked = checkLevel('parallel', policy);
  return { sender: root.id, targets: leavesOf(root).map((n) => n.id), ...checked };
}

export interface PriorityPhase {
  readonly impedanceClass: ImpedanceClass;
  readonly minimumResponseRate: number;
}

export const DEFAULT_PRIORITY_ORDER: readonly PriorityPhase[] = [
  { impedanceClass: 'CLASS_D_GPU', minimumResponseRate: 0.99 },
  { impedanceClass: 'CLASS_C_PERSISTENT', minimumResponseRate: 0.98 },
  { impedanceClass: 'CLASS_B_SERVERLESS', minimumResponseRate: 0.95 },
  { impedanceClass: 'CLASS_A_EDGE', minimumResponseRate: 0.9 },
  { impedanceClass: 'CLASS_E_LOCAL', minimumResponseRate: 0.85 },
];

export interface PriorityStep {
  readonly index: number;
  readonly impedanceClass: ImpedanceClass;
  readonly targets: readonly string[];
  readonly minimumResponseRate: number;
  /** Always true: 3.3 continues past a phase that fell short and notes the degradation. */
  readonly continueOnShortfall: true;
}

export interface PriorityPlan {
  readonly steps: readonly PriorityStep[];
  /** Leaves whose class is not in the order (or who have none). */
  readonly unplanned: readonly string[];
}

/** The priority-first plan. Phases with no leaves are left out. */
export function planPriorityFirst(root: MeshNode, order: readonly PriorityPhase[] = DEFAULT_PRIORITY_ORDER): PriorityPlan {
  const seen = new Set<ImpedanceClass>();
  order.forEach((p, i) => {
    if (seen.has(p.impedanceClass)) throw new ProtocolOptionError(`priority.order[${i}].impedanceClass`, p.impedanceClass, 'listed once');
    seen.add(p.impedanceClass);
    checkRate(`priority.order[${i}].minimumResponseRate`, p.minimumResponseRate);
  });
  const byClass = new Map<ImpedanceClass, string[]>();
  const unplanned: string[] = [];
  for (const leaf of leavesOf(root)) {
    if (leaf.impedanceClass === undefined || !seen.has(leaf.impedanceClass)) {
      unplanned.push(leaf.id);
      continue;
    }
    let ids = byClass.get(leaf.impedanceClass);
    if (ids === undefined) byClass.set(leaf.impedanceClass, (ids = []));
    ids.push(leaf.id);
  }
  const steps: PriorityStep[] = [];
  for (const phase of order) {
    const targets = byClass.get(phase.impedanceClass);
    if (targets === undefined) continue;
    steps.push({ index: steps.length, impedanceClass: phase.impedanceClass, targets, minimumResponseRate: phase.minimumResponseRate, continueOnShortfall: true });
  }
  return { steps, unplanned };
}

export interface CascadeLatencyReport {
  readonly count: number;
  readonly totalsMs: readonly number[];
  readonly p95Ms: number | null;
  /** p95 of each level over the cascades that reached it. */
  readonly perLevelP95Ms: readonly number[];
  readonly targetMs: number;
  /** p95 <= target; null with no cascades. */
  readonly met: boolean | null;
}

/** Latency accounting from observed per-level times (one array per cascade). */
export function cascadeLatency(cascades: readonly (readonly number[])[], targetMs = 1000): CascadeLatencyReport {
  checkPositive('cascadeLatency.targetMs', targetMs);
  const perLevel: number[][] = [];
  const totalsMs = cascades.map((levels, c) =>
    levels.reduce((sum, t, l) => {
      checkNumber(`cascades[${c}][${l}]`, t, 0);
      (perLevel[l] ??= []).push(t);
      return sum + t;
    }, 0),
  );
  const p = p95(totalsMs);
  return { count: cascades.length, totalsMs, p95Ms: p, perLevelP95Ms: perLevel.map((s) => p95(s)!), targetMs, met: p === null ? null : p <= targetMs };
}
