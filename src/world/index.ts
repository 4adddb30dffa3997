/**
 * The world graph (issue 7): entities and gated edges on graphology, loaded from JSON/YAML or
 * built in code and validated; graph compute (shortest path, topological order, cycles, VF2
 * pattern matching); incremental reachability for lazy realization.
 */
export { WorldGraph, WorldBuilder, formatWorldPath } from './world-graph.js';
export type { BuiltWorld, EntityView, WorldBuilderOptions, WorldGraphology } from './world-graph.js';
export { WorldConfigError, formatWorldProblem } from './errors.js';
export type { WorldProblem, WorldProblemKind } from './errors.js';
export { loadWorld, parseWorld, loadWorldFile } from './load.js';
export type { LoadWorldOptions, WorldFormat } from './load.js';
export { OPEN, canTraverse, holdingsOf } from './types.js';
export type { AgentSpec, EdgeAttributes, EdgeOptions, EntityAttributes, Holdings, JsonValue } from './types.js';
export { edgeFilter } from './access.js';
export type { Access } from './access.js';
export { shortestPath } from './paths.js';
export type { WorldPath } from './paths.js';
export { topologicalOrder, hasCycle, findCycle } from './dag.js';
export type { KindSelection } from './dag.js';
export { matchPattern } from './vf2.js';
export type { MatchOptions, Pattern, PatternEdge, PatternMatch, PatternNode } from './vf2.js';
export { Reachability } from './reachability.js';
export type { ReachAgent, ReachDiff } from './reachability.js';
export type { EdgeHandle, WorldTopology } from './topology.js';
export { CompactWorld, CompactWorldBuilder } from './compact-world.js';
export type { CompactWorldBuilderOptions } from './compact-world.js';
export { realizer, spawnRealizer } from './realizer.js';
export type { RealizerMessage, RealizerOptions, RealizerStats, Tier } from './realizer.js';
export { entityActor, EntityActionError } from './entity-actor.js';
export type { EntityActReply, EntityActorProps, EntityMessage, EntitySlot } from './entity-actor.js';
export { readEntity } from './entity-kind.js';
export type { ActingAgent, EntityAction, EntityKind, EntityKinds, EntityOutcome } from './entity-kind.js';
export { checkMove } from './steps.js';
export type { AgentEndState, Observation, RefusalReason, Step, WorldEndState } from './steps.js';
export { FullWorld } from './full-world.js';
export { verifyPath } from './verifier.js';
export type { Mismatch, OraclePath, PathStep, VerifyOptions, VerifyResult } from './verifier.js';
export type { WorldCooledEvent, WorldPassivatedEvent, WorldPromotedEvent, WorldTierEvent, WorldWarmedEvent } from './world-events.js';
