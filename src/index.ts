/**
 * actormesh public API. Everything a user imports comes from here, listed by name;
 * values and types kept apart. Anything not listed is internal and may change.
 */
export { ActorSystem } from './system.js';
export { SYSTEM_DEFAULTS } from './system-options.js';
export { Actor, Behaviors, isActorClass } from './behavior.js';
export { Terminated } from './death-watch.js';
export { formatRef, parseRef } from './actor-ref.js';
export { OVERFLOW_POLICIES } from './mailbox.js';
export { validateActorName } from './names.js';
export { defaultDecider, defaultStrategy, oneForOneStrategy } from './supervision.js';
export {
  ActorInitializationError,
  ActorNameTakenError,
  ActorTerminatedError,
  AskFailedError,
  AskTimeoutError,
  DeadlockError,
  InvalidActorNameError,
  MailboxFullError,
  SpawnRefusedError,
  StashOverflowError,
  SystemTerminatedError,
  UnknownActorTypeError,
  describeError,
  messageTypeOf,
} from './errors.js';

export type { ActorSystemOptions } from './system-options.js';
export type { ActorInspection } from './system.js';
export type { AskListener } from './ask.js';
export { WaitForGraph, WaitList } from './wait-for-graph.js';
export type { WaitCycle, WaitEdge } from './wait-for-graph.js';
export type { ActorRef, ActorRefData, AskOptions } from './actor-ref.js';
export type { ActorContext } from './context.js';
export type {
  ActorClass,
  ActorDefinition,
  BehaviorHooks,
  FunctionBehavior,
  Receive,
  ReceiveResult,
  SpawnOptions,
} from './behavior.js';
export type { MailboxOptions, OverflowPolicy } from './mailbox.js';
export type { Timers } from './timers.js';
export type { DeliveryGate, GateRefusal } from './delivery-gate.js';
export type { ChildFailure, Decider, Directive, SupervisionControl, SupervisorStrategy } from './supervision.js';
export type {
  ActorFailedEvent,
  ActorRestartedEvent,
  ActorResumedEvent,
  ActorStartedEvent,
  ActorStoppedEvent,
  DeadLetterEvent,
  DeadLetterReason,
  DeadlockDetectedEvent,
  ExtensionEvent,
  KernelEvent,
  MailboxOverflowEvent,
  MetricsSample,
  RuntimeEvent,
  SupervisorDecisionEvent,
  StopAbandonedEvent,
  SystemTerminatingEvent,
} from './events.js';

// ------------------------------------------------------------------ admission (issue 9)
// The pure admission planner and the artifact leases (src/admission). `plan` is exported as
// `planAdmission` here: a bare `plan` at the package root would say nothing about what it plans.
export {
  plan as planAdmission,
  ArtifactLeases,
  AdmissionRequestError,
  RESOURCE_CLASSES,
  PROVIDER_CLASSES,
  DEFAULT_FIRST_RESPONSE_BUDGET_MS,
  DEFAULT_ALL_RESPONSES_BUDGET_MS,
  DEFAULT_ORDER_POLICY,
} from './admission/index.js';
export type {
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
} from './admission/index.js';

// ------------------------------------------------------------------ persistence (issue 6)
// Journals (the contract, an in-memory one, the file journal and its repair) and persistent
// (event-sourced) actors on the kernel (src/persistence).
export {
  FileJournal,
  JetStreamJournal,
  MemoryJournal,
  MemoryJournalStore,
  repair as repairJournal,
  WriterConflictError,
  JournalClosedError,
  JournalCorruptedError,
  JournalVersionError,
  persistent,
  PersistFailedError,
  PersistenceRecoveryError,
  runDurable,
  loadRunTree,
  runPersistenceId,
  DurableRunError,
  durableRun,
} from './persistence/index.js';
export type {
  Journal,
  JournalRecord,
  SnapshotRecord,
  FileJournalOptions,
  JetStreamJournalOptions,
  RepairReport,
  PersistentOptions,
  PersistentContext,
  PersistentReceive,
  DurableRunOptions,
  DurableRunReport,
  StepContext,
  StepDefinition,
  DurableRunActorOptions,
  DurableRunMessage,
  DurableRunOutcome,
  DurableRunStatus,
} from './persistence/index.js';

// ------------------------------------------------------------------ WebAssembly micro-agents (issue 8)
// The micro-agent ABI and the runner: batches decided in piscina worker threads with memory,
// time and fuel limits, and a fallback to the JavaScript twins (src/wasm).
export {
  WasmRunner,
  DEFAULT_CALL_LIMITS,
  WASM_PAGE_BYTES,
  WasmAgentError,
  WasmInputError,
  WasmLimitError,
  FuelExhaustedError,
  WasmTrapError,
  WasmLoadError,
  WasmModuleMismatchError,
  WasmRunnerClosedError,
} from './wasm/index.js';
export type {
  CallLimits,
  ColumnSpec,
  MicroAgentDescriptor,
  MicroAgentExports,
  WasmEventSink,
  WasmRunnerOptions,
  WasmRunnerStats,
  WasmRunnerEvent,
  WasmFallbackEvent,
  WasmLimitEvent,
  WasmTrapEvent,
  WasmWorkerReplacedEvent,
  WasmLimitKind,
} from './wasm/index.js';

// ------------------------------------------------------------------ observer (issue 10)
// A live web view of a running system (tree, heatmap, breakers, KPIs, series, log, actions
// behind a token) and /metrics for Prometheus (src/observer).
export {
  attachObserver,
  ObserverModel,
  ObserverMetrics,
  TreeIndex,
  walkTree,
  summariseEvent,
  parseActionRequest,
  MAILBOX_DEPTH_BUCKETS,
  ASK_LATENCY_BUCKETS,
  SEARCH_LIMIT,
  DEFAULT_LEVEL_LIMIT,
  LOG_BATCH_LIMIT,
} from './observer/index.js';
export type {
  Observer,
  ObserverOptions,
  ObserverModelOptions,
  ObserverMetricsOptions,
  TreeIndexOptions,
  TreeWalk,
  ObserverActionEvent,
  ActionName,
  ActionRequest,
  ActionResult,
  BreakerInfo,
  BreakerState,
  HeatCell,
  KpiInfo,
  LogEntry,
  ObserverMesh,
  ObserverSnapshot,
  Series,
  TreeLevel,
  TreeNodeInfo,
  TreeSearch,
} from './observer/index.js';

// ------------------------------------------------------------------ world graph (issue 7)
// Entities and gated edges on graphology, loaded from JSON/YAML or built in code; graph
// compute (shortest path, topological order, cycles, VF2 matching); incremental reachability
// (src/world).
export {
  WorldGraph,
  WorldBuilder,
  WorldConfigError,
  formatWorldProblem,
  formatWorldPath,
  loadWorld,
  parseWorld,
  loadWorldFile,
  OPEN,
  canTraverse,
  holdingsOf,
  edgeFilter,
  shortestPath,
  topologicalOrder,
  hasCycle,
  findCycle,
  matchPattern,
  Reachability,
  CompactWorld,
  CompactWorldBuilder,
} from './world/index.js';

// The realizer (hot / warm / cold tiers), entity behaviour per kind, the fully realized
// reference world and the admission-equivalence verifier (src/world, ADR 0007).
export { realizer, spawnRealizer, entityActor, EntityActionError, FullWorld, verifyPath, checkMove, readEntity } from './world/index.js';
export type {
  RealizerOptions,
  RealizerMessage,
  RealizerStats,
  Tier,
  EntityKind,
  EntityKinds,
  EntityAction,
  EntityOutcome,
  ActingAgent,
  EntitySlot,
  EntityMessage,
  EntityActReply,
  EntityActorProps,
  Step,
  Observation,
  RefusalReason,
  AgentEndState,
  WorldEndState,
  OraclePath,
  PathStep,
  VerifyOptions,
  VerifyResult,
  Mismatch,
  WorldTierEvent,
  WorldWarmedEvent,
  WorldPromotedEvent,
  WorldPassivatedEvent,
  WorldCooledEvent,
} from './world/index.js';
export type {
  BuiltWorld,
  EntityView,
  WorldBuilderOptions,
  WorldGraphology,
  WorldProblem,
  WorldProblemKind,
  LoadWorldOptions,
  WorldFormat,
  AgentSpec,
  EdgeAttributes,
  EdgeOptions,
  EntityAttributes,
  Holdings,
  JsonValue,
  Access,
  WorldPath,
  KindSelection,
  MatchOptions,
  Pattern,
  PatternEdge,
  PatternMatch,
  PatternNode,
  ReachAgent,
  ReachDiff,
  CompactWorldBuilderOptions,
  EdgeHandle,
  WorldTopology,
} from './world/index.js';

// ------------------------------------------------------------------ distribution (issue 5)
// One actor system across processes: transports (in memory, NATS), remote refs with the same
// tell / ask / watch, membership by heartbeats, signed frames (src/transport, ADR 0009).
export {
  ClusterNode,
  MemoryHub,
  MemoryTransport,
  MemoryKv,
  defaultHub,
  NatsTransport,
  RemoteRef,
  NodeDownError,
  TransportDownError,
  EnvelopeTooLargeError,
  decodeFrame,
  encodeFrame,
  FrameError,
  FrameSigner,
  FrameVerifier,
  generateNodeKeys,
  loadSigningConfig,
  parsePrivateKey,
  parsePublicKey,
  publicKeyString,
  SigningConfigError,
} from './transport/index.js';
export type {
  ClusterNodeOptions,
  NatsTransportOptions,
  Transport,
  TransportHandlers,
  TransportStatus,
  ClusterKv,
  KvEntry,
  MemberInfo,
  MemberStatus,
  DecodeFrameOptions,
  Frame,
  FrameErrorKind,
  LoadSigningOptions,
  SigningSetup,
} from './transport/index.js';
export { isForeignRef } from './actor-ref.js';
export type { ForeignRef, ForeignDeathTarget } from './actor-ref.js';
export type { RemoteProvider } from './system.js';

// Subtrees spread over cluster nodes: the tree-side contract and the KV-backed placement (src/cluster).
export { PlaceUnit, RemoveUnit } from './cluster/tree-placement.js';
export type { PlacementRole, TreePlacement } from './cluster/tree-placement.js';
export { ClusterPlacement } from './cluster/placement.js';
export type { ClusterPlacementOptions } from './cluster/placement.js';
