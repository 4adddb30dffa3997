import { hostname } from 'node:os';
import type { ActorRef, ActorRefData } from '../actor-ref.js';
import type { ActorSystem } from '../system.js';
import type { ClusterKv } from './kv.js';
import { MemoryTransport } from './memory-transport.js';
import { Membership } from './membership.js';
import type { MemberInfo } from './membership.js';
import { Remoting } from './remoting.js';
import type { SigningSetup } from './signing.js';
import type { Transport, TransportStatus } from './transport.js';

/**
 * A cluster node (ADR 0009): an actor system joined to the others of its cluster through a
 * transport. The system's `name` is the cluster and its `node` the node id; once started,
 * `system.resolve('am://cluster@other/user/x')` gives a ref with the same tell, ask and watch
 * as a local one, and refs inside messages travel as refs.
 *
 *   const system = ActorSystem.create({ name: 'mesh', node: 'n1' });
 *   const node = await ClusterNode.start(system, { transport: new NatsTransport({ servers: 'nats://127.0.0.1:4222' }) });
 *   const far = system.resolve('am://mesh@n2/user/orchestrator');
 *
 * The node registry (a KV bucket `nodes`) records each node's start and host while it is
 * up; liveness is by heartbeats (`node-up`, `node-down`, `node-left` events). Terminating the
 * system leaves the cluster.
 */
export interface ClusterNodeOptions {
  /** The network: default an in-memory transport on the process-wide hub. */
  readonly transport?: Transport;
  /** Heartbeat period, ms (default 1000). */
  readonly heartbeatMs?: number;
  /** A node silent for this many heartbeats is declared dead (default 3). */
  readonly missedHeartbeats?: number;
  /** Largest message, encoded, in bytes (default 512 KiB): larger ones are dead letters, their asks fail. */
  readonly maxEnvelopeBytes?: number;
  /** Largest frame accepted, bytes (default 1 MiB, NATS's default max_payload). */
  readonly maxFrameBytes?: number;
  /** A batch for one node goes out once it holds this many bytes (default 64 KiB), else at the end of the turn. */
  readonly batchBytes?: number;
  /** Ed25519 signatures on every frame (see loadSigningConfig); unsigned or badly signed frames are refused. */
  readonly signing?: SigningSetup;
}

const DEFAULTS = { heartbeatMs: 1000, missedHeartbeats: 3, maxEnvelopeBytes: 512 * 1024, maxFrameBytes: 1024 * 1024, batchBytes: 64 * 1024 };

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(`ClusterNode: ${name} must be a positive ${integer ? 'integer' : 'number'} (got ${String(value)})`);
  }
  return value;
}

export class ClusterNode {
  private left: Promise<void> | null = null;

  private constructor(
    readonly system: ActorSystem,
    readonly transport: Transport,
    readonly remoting: Remoting,
    readonly membership: Membership,
    private readonly registry: ClusterKv | null,
    private readonly markLeaving: () => void,
  ) {}

  /**
   * Joins `system` to its cluster. Options are checked first (RangeError naming the option);
   * rejects when the transport cannot connect. Throws when the system already has a node.
   */
  static async start(system: ActorSystem, options: ClusterNodeOptions = {}): Promise<ClusterNode> {
    const heartbeatMs = positive('heartbeatMs', options.heartbeatMs, DEFAULTS.heartbeatMs);
    const missedHeartbeats = positive('missedHeartbeats', options.missedHeartbeats, DEFAULTS.missedHeartbeats, true);
    const maxFrameBytes = positive('maxFrameBytes', options.maxFrameBytes, DEFAULTS.maxFrameBytes, true);
    const maxEnvelopeBytes = positive('maxEnvelopeBytes', options.maxEnvelopeBytes, Math.min(DEFAULTS.maxEnvelopeBytes, maxFrameBytes - 1024), true);
    const batchBytes = positive('batchBytes', options.batchBytes, Math.min(DEFAULTS.batchBytes, maxFrameBytes - 1024), true);
    if (maxEnvelopeBytes + 1024 > maxFrameBytes) throw new RangeError(`ClusterNode: maxEnvelopeBytes (${maxEnvelopeBytes}) must leave 1 KiB of frame header room below maxFrameBytes (${maxFrameBytes})`);
    if (batchBytes + 1024 > maxFrameBytes) throw new RangeError(`ClusterNode: batchBytes (${batchBytes}) must leave 1 KiB below maxFrameBytes (${maxFrameBytes})`);
    if (system.remote !== null) throw new Error(`ClusterNode: system '${system.name}@${system.node}' is already a cluster node`);
    if (system.terminated) throw new Error(`ClusterNode: system '${system.name}@${system.node}' is terminated`);
    const signing = options.signing;
    const transport = options.transport ?? new MemoryTransport();
    const remoting = new Remoting(system, transport, { maxEnvelopeBytes, maxFrameBytes, batchBytes, signer: signing?.signer, verifier: signing?.verifier, requireSigned: signing?.requireSigned });
    let membership!: Membership;
    membership = new Membership(system, transport, { heartbeatMs, missedHeartbeats, maxFrameBytes, signer: signing?.signer, verifier: signing?.verifier, requireSigned: signing?.requireSigned }, {
      up: (node) => remoting.nodeUp(node),
      down: (node) => remoting.nodeDown(node),
      refused: (error, bytes) => remoting.refusedBroadcast(error, bytes),
    });
    let leaving = false;
    const onStatus = (status: TransportStatus): void => {
      if (leaving) return; // the node is going: its transport closing is not news
      if (status.type === 'disconnected') membership.connection(false);
      else if (status.type === 'reconnected' || status.type === 'connected') membership.connection(true);
      const level = status.type === 'disconnected' || status.type === 'error' ? 'warn' : 'info';
      system.log[level]({ transport: transport.kind, status: status.type }, 'cluster transport');
      if (system.eventsObserved) system.publish({ type: 'cluster-transport', timestamp: Date.now(), path: '/system/cluster', transport: transport.kind, status: status.type, ...('server' in status ? { server: status.server } : {}), ...('error' in status && status.error !== undefined ? { error: status.error } : {}) });
    };
    await transport.start(system.name, system.node, { onFrame: (data) => remoting.onFrame(data), onBroadcast: (data) => membership.onBroadcast(data), onStatus });
    system.remote = remoting;
    let registry: ClusterKv | null = null;
    try {
      registry = await transport.kv('nodes');
      await registry.put(registryKey(system.node), { node: system.node, pid: process.pid, host: hostName(), startedAt: Date.now() });
    } catch (error) {
      // The registry is for tooling and placement; a transport without KV (JetStream off) still runs the cluster.
      system.log.warn({ err: error }, 'cluster: node registry unavailable');
      registry = null;
    }
    membership.start();
    const node = new ClusterNode(system, transport, remoting, membership, registry, () => (leaving = true));
    void system.whenTerminated.then(() => node.leave());
    return node;
  }

  get nodeId(): string {
    return this.system.node;
  }

  /** Every node seen (this one included), with its status. */
  members(): MemberInfo[] {
    return this.membership.list();
  }

  /** The nodes up now, this one included, sorted. */
  upNodes(): string[] {
    return this.membership.upNodes();
  }

  /** A ref for `am://cluster@node/path` (or its data): local or remote. */
  ref<M = unknown>(address: string | ActorRefData): ActorRef<M> {
    return this.system.resolve<M>(address);
  }

  /** A cluster-wide key-value bucket (placement uses `placement`). */
  kv(bucket: string): Promise<ClusterKv> {
    return this.transport.kv(bucket);
  }

  /** Sends every batched envelope now and waits until the transport has them on the wire. */
  async flush(): Promise<void> {
    this.remoting.flush();
    await this.transport.flush();
  }

  /** Leaves the cluster: goodbye broadcast, registry entry removed, transport closed. Idempotent. */
  leave(): Promise<void> {
    this.left ??= (async () => {
      this.markLeaving();
      this.membership.stop();
      this.remoting.close();
      try {
        await this.transport.flush();
        await this.registry?.delete(registryKey(this.system.node));
      } catch {
        // Leaving while the network is gone: the others will declare us dead by heartbeats.
      }
      if (this.system.remote === this.remoting) this.system.remote = null;
      await this.transport.close();
    })();
    return this.left;
  }
}

/** Node ids are subject tokens already; the registry key is the id itself. */
function registryKey(node: string): string {
  return node;
}

function hostName(): string {
  return hostname();
}
