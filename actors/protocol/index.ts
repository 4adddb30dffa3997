/**
 * The MESH-30K protocol rules: pure functions and classes over plain data (time comes in as
 * numbers; nothing reads a clock or sends a message). The protocol actors build on these.
 *
 *   schedule.ts        predictive send schedule and batching (1.2, 3.1, 3.2 phase 3)
 *   scatter-gather.ts  arrival windows and gather evaluation (3.2)
 *   trinary.ts         +1 / 0 / -1 states and the conflict-tolerant quorum (1.4, 5.2)
 *   cascade.ts         wave, parallel and priority-first planners; cascade latency (3.3)
 *   conflicts.ts       conflict types, priorities, strategies, escalation, append-only log (5.1)
 *   kpis.ts            the 11.1 KPIs and their targets
 *   percentile.ts      nearest-rank percentiles
 *   latency-digest.ts  mergeable latency histograms for reports up the hierarchy
 *   errors.ts          ProtocolOptionError, DuplicateTargetError, InvalidTrinaryError
 */
export { ProtocolOptionError, DuplicateTargetError, InvalidTrinaryError } from './errors.js';
export { percentile, p95 } from './percentile.js';
export { DigestBuilder, digestOf, digestPercentile, digestMean, digestCountAtMost, EMPTY_DIGEST, RELATIVE_ERROR as DIGEST_RELATIVE_ERROR } from './latency-digest.js';
export type { LatencyDigest } from './latency-digest.js';
export { expectedDelay, computeSendSchedule, batchSends, predictionConfidence } from './schedule.js';
export type { ConfidenceInput, TargetDelay, ScheduleOptions, ScheduledSend, SkippedSend, SkipReason, ScheduleEntry, DelayParts, SendBatch, BatchOptions } from './schedule.js';
export { gatherTargetTime, arrivalWindow, classifyArrival, evaluateGather, judgeGather } from './scatter-gather.js';
export type { GatherCounts, GatherVerdict, ArrivalWindow, ArrivalWindowOptions, GatherResponse, ArrivalClass, GatherOptions, GatherRecommendation, GatherResult } from './scatter-gather.js';
export { READY, TRANSIT, CONFLICT, isTrinary, toTrinary, trinaryName, countTrinary, trinaryQuorum } from './trinary.js';
export type { Trinary, TrinaryCounts, QuorumOptions, QuorumDecision, QuorumResult } from './trinary.js';
export { DEFAULT_WAVE_LEVELS, DEFAULT_PRIORITY_ORDER, planWave, planParallel, planPriorityFirst, cascadeLatency } from './cascade.js';
export type { ImpedanceClass, MeshNode, LevelPolicy, WaveStep, ParallelStep, PriorityPhase, PriorityStep, PriorityPlan, CascadeLatencyReport } from './cascade.js';
export { CONFLICT_TYPES, classifyConflictPriority, suggestResolution, escalationTargets, ConflictLog } from './conflicts.js';
export type { ConflictType, ConflictPriority, ConflictDetail, ResolutionStrategy, EscalationTarget, ConflictReport, ConflictRecord } from './conflicts.js';
export { KPI_TARGETS, KpiAccumulator, kpiReport, formatKpiReport } from './kpis.js';
export type { KpiTarget, KpiName, KpiSnapshot, KpiRow, KpiOptions } from './kpis.js';
