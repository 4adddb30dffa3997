/**
 * The observer's contract (issue 10): what the server sends the page and what a mesh gives
 * the observer. The page is plain JavaScript served by the runtime (no build step); these
 * types are what its JSON means.
 *
 * HTTP (src/observer/server.ts), loopback unless told otherwise:
 *   GET  /                   the page (src/observer/assets/index.html, app.js, style.css under /assets/)
 *   GET  /api/snapshot       ObserverSnapshot (everything but the tree)
 *   GET  /api/tree?path=P    TreeLevel: P (default the root of the tree) and its children, each
 *                            with subtree counts (the page expands a node by asking again)
 *   GET  /api/search?q=S     TreeSearch: up to 100 paths containing S
 *   GET  /events             server-sent events: `snapshot` (ObserverSnapshot, every sampleMs),
 *                            `log` (LogEntry[]: what happened since the last batch, at most 200)
 *   POST /api/action         ActionRequest; header `Authorization: Bearer TOKEN`.
 *                            200 ActionResult; 401 without a token header, 403 with a wrong one
 *                            or when the observer has no token (read-only); 400 bad request
 *   GET  /metrics            Prometheus text format (prom-client)
 * Aggregation happens on the server: the page never receives one message per actor event;
 * 30,000 agents are a heatmap of sectors x clusters, a tree fetched level by level, and
 * per-second counters.
 */

/** One actor in a tree level, with what its subtree holds. */
export interface TreeNodeInfo {
  readonly path: string;
  readonly name: string;
  /** The actor's type (its definition's name: 'agent', 'cluster-lead' ...). */
  readonly type: string;
  /** Messages waiting in its mailbox. */
  readonly mailbox: number;
  readonly restarts: number;
  /** Live direct children. */
  readonly children: number;
  /** Live actors under it (itself excluded). */
  readonly descendants: number;
  /** Restarts of it and every actor under it. */
  readonly subtreeRestarts: number;
  /** Messages queued in it and every actor under it. */
  readonly subtreeMailbox: number;
}

export interface TreeLevel {
  readonly node: TreeNodeInfo;
  readonly children: readonly TreeNodeInfo[];
}

export interface TreeSearch {
  readonly query: string;
  readonly paths: readonly string[];
  /** True when more than the returned paths matched. */
  readonly truncated: boolean;
}

/** One cell of the heatmap: a cluster of a sector. */
export interface HeatCell {
  readonly sector: string;
  readonly cluster: string;
  /** The path of the cluster lead. */
  readonly path: string;
  /** Median impedance score of its agents (0-1000), null before any heartbeat. */
  readonly impedance: number | null;
  /** Messages queued in the cluster (lead and agents). */
  readonly mailbox: number;
  readonly agents: number;
  /** Its circuit breaker, if it has one. */
  readonly breaker: BreakerState | null;
  readonly frozen: boolean;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerInfo {
  readonly path: string;
  readonly level: string;
  readonly state: BreakerState;
  readonly since: number;
}

/** A KPI row as the page shows it (actors/protocol/kpis.ts KpiRow, serialisable). */
export interface KpiInfo {
  readonly kpi: string;
  readonly value: number | null;
  readonly target: string;
  readonly met: boolean | null;
}

/** Per-second counts, oldest first, the last `seriesSeconds` seconds (default 300). */
export interface Series {
  /** Epoch ms of each point (one per second). */
  readonly t: readonly number[];
  readonly restarts: readonly number[];
  readonly deadLetters: readonly number[];
  readonly messages: readonly number[];
}

/** One line of the live event log (summarised: never the message payloads themselves). */
export interface LogEntry {
  readonly seq: number;
  readonly timestamp: number;
  readonly type: string;
  readonly path: string;
  readonly text: string;
}

export interface ObserverSnapshot {
  readonly timestamp: number;
  readonly system: string;
  readonly actors: number;
  readonly messagesPerSecond: number;
  readonly deadLetters: number;
  readonly restarts: number;
  /** FULL ... EMERGENCY, or null when no mesh/degradation monitor is attached. */
  readonly mode: string | null;
  readonly breakers: readonly BreakerInfo[];
  /** Empty when no mesh is attached. */
  readonly heatmap: readonly HeatCell[];
  /** Empty when no mesh is attached. */
  readonly kpis: readonly KpiInfo[];
  readonly series: Series;
  /** Whether actions are possible at all (a token was given); the token itself is never sent. */
  readonly actionsEnabled: boolean;
}

export type ActionName = 'heal' | 'freeze' | 'thaw';

export interface ActionRequest {
  readonly action: ActionName;
  /** The actor path the action applies to (a sector or cluster for freeze/thaw; heal: any, default the root). */
  readonly path?: string;
}

export interface ActionResult {
  readonly ok: boolean;
  readonly action: ActionName;
  readonly path: string;
  /** What happened, for the page to show. */
  readonly text: string;
}

/**
 * What a mesh gives the observer (actors/mesh/observer-adapter.ts implements it over the
 * MeshConsole); an embedded system without a mesh attaches none and gets the tree, counters,
 * breakers, log and metrics only.
 */
export interface ObserverMesh {
  /** The heatmap now (cheap: from the latest heartbeat aggregates and the mailboxes). */
  heatmap(): readonly HeatCell[];
  /** The KPI table now. */
  kpis(): readonly KpiInfo[];
  /** The degradation mode now, or null. */
  mode(): string | null;
  /** Performs a console action. */
  act(request: ActionRequest): Promise<ActionResult>;
}
