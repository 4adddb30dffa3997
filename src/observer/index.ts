/**
 * The observer (issue 10): a live web view of a running system and /metrics for Prometheus.
 * `attachObserver(system, options)` is the entry point; the rest is for tools that want the
 * same aggregation without the HTTP server.
 */
export { attachObserver, defaultAssetsDir } from './observer.js';
export { ObserverModel } from './model.js';
export { ObserverMetrics, MAILBOX_DEPTH_BUCKETS, ASK_LATENCY_BUCKETS } from './metrics.js';
export { TreeIndex, walkTree, SEARCH_LIMIT, DEFAULT_LEVEL_LIMIT } from './tree.js';
export { LOG_BATCH_LIMIT } from './sse.js';
export { parseActionRequest } from './server.js';
export { summariseEvent } from './log.js';

export type { Observer, ObserverOptions } from './observer.js';
export type { ObserverModelOptions } from './model.js';
export type { ObserverMetricsOptions } from './metrics.js';
export type { TreeIndexOptions, TreeWalk } from './tree.js';
export type { ObserverActionEvent } from './server.js';
export type {
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
} from './api.js';
