import { ProtocolOptionError, checkId, checkNumber } from './errors.js';

/**
 * Conflicts (MESH-30K 5.1): -1 is not failure, it is information. Every conflict goes to
 * an append-only log, gets a priority and a suggested resolution, and escalates by priority.
 *
 *   types       CONTEXT_DIVERGENCE   incompatible world models   3 if divergenceDepth > 10, else 2
 *               DATA_CONTRADICTION   same fact, different values 3 if affectsAgentCount > 100, else 2
 *               TEMPORAL_PARADOX     causality violation         4 always
 *               CAPABILITY_MISMATCH  asked to do what it can't   1 (a routing issue)
 *               HASH_MISMATCH        integrity failure           4 always (corruption or attack)
 *               OTHER                anything else               2
 *   priority    0 background, 1 within the hour, 2 within 10 min, 3 within 1 min, 4 now
 *   escalation  priority >= 3: the sector coordinator; >= 4: the orchestrator too
 *   the log     ConflictLog: append only. Entries are deep-frozen copies with strictly
 *               increasing sequence numbers (1, 2, 3 ...); there is no update or delete,
 *               and what entries() returns cannot change what the log holds. Conflicting
 *               values must be structured-cloneable (they are copied on append).
 */

export const CONFLICT_TYPES = ['CONTEXT_DIVERGENCE', 'DATA_CONTRADICTION', 'TEMPORAL_PARADOX', 'CAPABILITY_MISMATCH', 'HASH_MISMATCH', 'OTHER'] as const;
export type ConflictType = (typeof CONFLICT_TYPES)[number];

export type ConflictPriority = 0 | 1 | 2 | 3 | 4;

export interface ConflictDetail {
  readonly type: ConflictType;
  /** CONTEXT_DIVERGENCE: how deep the world models diverge. */
  readonly divergenceDepth?: number;
  /** DATA_CONTRADICTION: how many agents the contradiction affects. */
  readonly affectsAgentCount?: number;
  readonly expectedValue?: unknown;
  readonly receivedValue?: unknown;
  readonly contextHash?: string;
}

function checkType(where: string, type: unknown): ConflictType {
  if (!(CONFLICT_TYPES as readonly unknown[]).includes(type)) throw new ProtocolOptionError(where, type, `one of ${CONFLICT_TYPES.join(', ')}`);
  return type as ConflictType;
}

/** 5.1 classify_conflict_priority. */
export function classifyConflictPriority(detail: ConflictDetail): ConflictPriority {
  switch (checkType('conflict.type', detail.type)) {
    case 'CONTEXT_DIVERGENCE':
      return checkNumber('conflict.divergenceDepth', detail.divergenceDepth ?? 0, 0) > 10 ? 3 : 2;
    case 'DATA_CONTRADICTION':
      return checkNumber('conflict.affectsAgentCount', detail.affectsAgentCount ?? 0, 0) > 100 ? 3 : 2;
    case 'TEMPORAL_PARADOX':
    case 'HASH_MISMATCH':
      return 4;
    case 'CAPABILITY_MISMATCH':
      return 1;
    case 'OTHER':
      return 2;
  }
}

export interface ResolutionStrategy {
  readonly method: string;
  readonly steps: readonly string[];
}

const STRATEGIES: Readonly<Record<ConflictType, ResolutionStrategy>> = Object.freeze({
  CONTEXT_DIVERGENCE: {
    method: 'BRANCH_AND_RECONCILE',
    steps: ['Create parallel context branches', 'Let both branches operate independently', 'Identify convergence points', 'Human review of irreconcilable differences'],
  },
  DATA_CONTRADICTION: {
    method: 'PROVENANCE_TRACE',
    steps: ['Trace both values to origin', 'Identify where divergence occurred', 'Prefer value with stronger provenance', 'Update weaker source'],
  },
  TEMPORAL_PARADOX: {
    method: 'CLOCK_RECONCILIATION',
    steps: ['Check Lamport timestamps', 'Verify causal ordering', 'Identify clock drift source', 'Rebuild causal chain'],
  },
  // The document elides the rest ("... more strategies"); these follow its classification.
  CAPABILITY_MISMATCH: {
    method: 'REROUTE',
    steps: ['Look up agents with the required capabilities', 'Pick the lowest impedance among capable agents', 'Resend to it', 'Correct the capability entry of the original target'],
  },
  HASH_MISMATCH: {
    method: 'QUARANTINE_AND_VERIFY',
    steps: ['Quarantine the payload and its source', 'Re-fetch the payload from its origin', 'Verify hash and signature', 'Treat a repeated mismatch as an attack and isolate the source'],
  },
  OTHER: {
    method: 'MANUAL_REVIEW',
    steps: ['Quarantine the conflicting information', 'Queue for review by the cluster lead'],
  },
});
for (const s of Object.values(STRATEGIES)) Object.freeze(s.steps), Object.freeze(s);

/** 5.1 suggest_resolution (a shared frozen value). */
export function suggestResolution(type: ConflictType): ResolutionStrategy {
  return STRATEGIES[checkType('conflict.type', type)];
}

export type EscalationTarget = 'sector-coordinator' | 'orchestrator';

/** Who must hear about a conflict of this priority: >= 3 the sector, >= 4 the orchestrator. */
export function escalationTargets(priority: ConflictPriority): readonly EscalationTarget[] {
  if (!(Number.isInteger(priority) && priority >= 0 && priority <= 4)) throw new ProtocolOptionError('conflict.priority', priority, 'an integer 0-4');
  return priority >= 4 ? ['sector-coordinator', 'orchestrator'] : priority >= 3 ? ['sector-coordinator'] : [];
}

export interface ConflictReport {
  readonly timestampMs: number;
  readonly agentId: string;
  readonly messageId: string;
  readonly detail: ConflictDetail;
}

export interface ConflictRecord {
  /** 1, 2, 3 ... in append order. */
  readonly seq: number;
  readonly conflictId: string;
  readonly timestampMs: number;
  readonly agentId: string;
  readonly messageId: string;
  readonly type: ConflictType;
  readonly conflictingValues: readonly [expected: unknown, received: unknown];
  readonly contextHash?: string;
  readonly priority: ConflictPriority;
  readonly suggestedStrategy: ResolutionStrategy;
  readonly escalateTo: readonly EscalationTarget[];
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

/** The append-only conflict log. */
export class ConflictLog {
  private readonly records: ConflictRecord[] = [];

  constructor(private readonly idPrefix = 'conflict') {
    checkId('conflictLog.idPrefix', idPrefix);
  }

  /** Appends one conflict; returns its frozen record. */
  append(report: ConflictReport): ConflictRecord {
    const timestampMs = checkNumber('conflict.timestampMs', report.timestampMs);
    const agentId = checkId('conflict.agentId', report.agentId);
    const messageId = checkId('conflict.messageId', report.messageId);
    const priority = classifyConflictPriority(report.detail);
    const seq = this.records.length + 1;
    const record: ConflictRecord = deepFreeze({
      seq,
      conflictId: `${this.idPrefix}-${seq}`,
      timestampMs,
      agentId,
      messageId,
      type: report.detail.type,
      conflictingValues: structuredClone([report.detail.expectedValue, report.detail.receivedValue] as const),
      ...(report.detail.contextHash === undefined ? {} : { contextHash: report.detail.contextHash }),
      priority,
      suggestedStrategy: suggestResolution(report.detail.type),
      escalateTo: escalationTargets(priority),
    });
    this.records.push(record);
    return record;
  }

  get size(): number {
    return this.records.length;
  }

  /** The record with this sequence number, or undefined. */
  get(seq: number): ConflictRecord | undefined {
    return Number.isInteger(seq) && seq >= 1 ? this.records[seq - 1] : undefined;
  }

  /** Every record, oldest first (a frozen copy of the list). */
  entries(): readonly ConflictRecord[] {
    return Object.freeze(this.records.slice());
  }

  /** Records with seq > afterSeq (for a reader catching up). */
  since(afterSeq: number): readonly ConflictRecord[] {
    return Object.freeze(this.records.slice(Math.max(0, Math.floor(afterSeq))));
  }

  /** Resolution order: highest priority first, then oldest first. */
  resolutionQueue(): readonly ConflictRecord[] {
    return Object.freeze(this.records.slice().sort((a, b) => b.priority - a.priority || a.seq - b.seq));
  }
}
