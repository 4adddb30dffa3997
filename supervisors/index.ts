/**
 * The supervision layer: OTP strategies, restart intensity and backoff, circuit breakers
 * per subtree with MESH-30K escalation, quarantine, degradation modes. Built on the
 * kernel's public API only.
 */
export { oneForOne, oneForAll, restForOne, strategyOf, makeDecider, RESTART_TYPES, STRATEGY_KINDS, STRATEGY_DEFAULTS } from './strategies.js';
export type { ConfiguredStrategy, DeciderRule, DeciderSpec, RestartType, StrategyKind, StrategyOptions } from './strategies.js';
export { backoffDelay, resolveBackoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { CircuitBreaker, BREAKER_DEFAULTS, resolveBreakerOptions } from './circuit-breaker.js';
export type { BreakerContext, BreakerOptions, CircuitState } from './circuit-breaker.js';
export { BreakerHierarchy, HIERARCHY_DEFAULTS } from './breaker-hierarchy.js';
export type { BreakerHierarchyOptions } from './breaker-hierarchy.js';
export { QuarantineStore } from './quarantine.js';
export type { QuarantineEntry } from './quarantine.js';
export { DegradationMonitor, degradationMode, DEGRADATION_THRESHOLDS } from './degradation.js';
export type { ActiveMeasure, DegradationMode } from './degradation.js';
export { ManualClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { CircuitOpenError, RestartIntensityExceededError } from './errors.js';
export * from './config/index.js';
export { AckLedger, CHAOS_MODES, ChaosKill, ChaosKillError, ChaosMonkey, ChaosProbe, chaosEnabled, chaosTargets, compileSelector, percentile, resolveChaosOptions, unleashChaos } from './chaos.js';
export type { AvailabilityBucket, ChaosEnabledOptions, ChaosMode, ChaosOptions, ChaosProbeOptions, ChaosReport, ChaosSelector, ChaosTarget, LedgerCheck } from './chaos.js';
