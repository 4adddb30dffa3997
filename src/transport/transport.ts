/**
 * The network under a cluster of actor systems (ADR 0009). A Transport moves opaque frames
 * between nodes of one cluster and broadcasts membership frames; it knows nothing of actors,
 * envelopes or batching (the remoting layer above does that). Two implementations: in memory
 * (the default: nodes in one process, zero set-up) and NATS (nodes in many processes).
 *
 * Delivery is at most once, in order per (sender, receiver) pair while connected, as with
 * Erlang distribution and Akka remoting: a frame that cannot be handed over (the connection is
 * down) is refused at once (`send` returns false) so the caller can report its envelopes as
 * dead letters instead of losing them silently.
 */
import type { ClusterKv } from './kv.js';

/** The connection's state changes, for `cluster-transport` events. */
export type TransportStatus =
  | { readonly type: 'connected'; readonly server: string }
  | { readonly type: 'disconnected'; readonly server: string }
  | { readonly type: 'reconnecting'; readonly server: string }
  | { readonly type: 'reconnected'; readonly server: string }
  | { readonly type: 'error'; readonly error: Error }
  | { readonly type: 'closed'; readonly error?: Error };

/**
 * What a transport calls back into. Called synchronously from the transport's receive path.
 * A handler that throws does not break the transport: the exception is reported as an 'error'
 * status and later frames keep arriving (handlers should not throw: bad input is a dead letter).
 */
export interface TransportHandlers {
  /** A frame addressed to this node. `data` may be a view into a buffer the transport reuses: copy to keep it. */
  onFrame(data: Uint8Array): void;
  /** A broadcast frame (membership), from any node of the cluster including this one. */
  onBroadcast(data: Uint8Array): void;
  /** The connection changed. */
  onStatus(status: TransportStatus): void;
}

export interface Transport {
  /** 'memory' or 'nats' (for events and errors). */
  readonly kind: string;
  /** True while frames can be handed over. */
  readonly connected: boolean;
  /**
   * Joins `cluster` as `nodeId`: subscribes to the node's own address and to the broadcast
   * address, and resolves once they are in place (frames sent to the node afterwards reach it).
   * Reports `connected` through `handlers.onStatus` before resolving. Rejects with TypeError
   * when `cluster` or `nodeId` is not one subject token (letters, digits, '-', '_'), when the
   * network cannot be reached, or when `nodeId` is already taken on this transport (memory) —
   * NATS cannot tell, membership does. One start per transport.
   */
  start(cluster: string, nodeId: string, handlers: TransportHandlers): Promise<void>;
  /**
   * Hands a frame to the network for node `to`. False when it cannot now (disconnected, closed)
   * or `to` is not a valid node id: nothing was sent. True does not mean anyone received it (a
   * node nobody listens for swallows it). `data` is copied (or written out) before send
   * returns: the caller may reuse its buffer at once. Same for `broadcast`.
   */
  send(to: string, data: Uint8Array): boolean;
  /** Broadcasts a frame to every node of the cluster (this one included). False when it cannot now. */
  broadcast(data: Uint8Array): boolean;
  /** Resolves once the frames handed over so far have left (NATS: a server round trip). */
  flush(): Promise<void>;
  /**
   * A key-value bucket shared by the cluster (node registry, subtree placements): JetStream KV
   * on NATS, a map shared by the hub in memory. Created on first use.
   */
  kv(bucket: string): Promise<ClusterKv>;
  /** Leaves the cluster; later sends return false. Idempotent. */
  close(): Promise<void>;
}
