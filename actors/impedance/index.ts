/**
 * Impedance for the MESH-30K protocol (parts 1.3, 2.2-2.4, 4.1-4.3): pure domain modules,
 * one concept per file, for the protocol actors to use.
 *
 *   classes.ts      the classes A_EDGE ... F_HUMAN, their figures, behavesAs
 *   simulation.ts   ProcessingModel: seeded latency/processing draws per class
 *   simulated-agent.ts  SimulatedAgent: one agent with its own baseline latency and drift
 *   sample-ring.ts  SampleRing: fixed-capacity ring of samples, percentiles, drift
 *   score.ts        the composite impedance score (0-1000)
 *   anomalies.ts    the anomaly thresholds and an agent's flags
 *   profiler.ts     ImpedanceProfiler: an agent's AgentImpedance heartbeat
 *   aggregate.ts    cluster, sector and global aggregates of heartbeats
 *   routing.ts      lowest-impedance capable agent, in a cluster and across clusters
 *   errors.ts       the named errors
 */
export * from './aggregate.js';
export * from './anomalies.js';
export * from './classes.js';
export * from './errors.js';
export * from './profiler.js';
export * from './routing.js';
export * from './sample-ring.js';
export * from './score.js';
export * from './simulation.js';
export * from './simulated-agent.js';
