/**
 * The NATS transport (issue 5): nodes of a cluster in many processes or machines, over a NATS
 * server with the maintained v3 client (@nats-io/transport-node, @nats-io/jetstream,
 * @nats-io/kv; the successor of the `nats` package).
 *
 * Subjects, for prefix P (default 'am') and cluster C:
 * - `P.C.node.<nodeId>`: frames to one node (core NATS, at most once, ordered per publisher);
 * - `P.C.broadcast`: membership frames to every node (the sender included).
 * The cluster's key-value buckets are JetStream KV buckets named `P_C_<bucket>` (JSON values).
 *
 * While the connection is down `connected` is false and `send`/`broadcast` refuse at once:
 * the client would otherwise queue publishes in its outbound buffer, which it discards when it
 * reconnects, so frames would be lost without anyone knowing. Refusing lets the caller report
 * them as dead letters.
 */
// Type-only imports: the client modules are loaded by start() (see loadClient), so importing
// actormesh does not pay their load time unless a NATS transport is used.
import type { NatsConnection, NodeConnectionOptions, Status } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { checkKvKey } from './kv.js';
import type { ClusterKv, KvEntry } from './kv.js';
import type { Transport, TransportHandlers, TransportStatus } from './transport.js';

export interface NatsTransportOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | string[];
  /**
   * Anything else for the connection, passed through unchanged: credentials (`user`/`pass`,
   * `token`, `authenticator` for nkeys/creds), `tls`, `name`, reconnect settings. Default:
   * reconnect forever, 250 ms between attempts, so a node rides out a server restart.
   */
  readonly connection?: Omit<NodeConnectionOptions, 'servers'>;
  /** The first subject token and bucket name prefix (default 'am'). Two clusters may share a prefix. */
  readonly prefix?: string;
}

/** A subject token this transport accepts for prefixes, clusters, node ids and bucket names. */
const TOKEN = /^[A-Za-z0-9_-]+$/;
/** JetStream API codes of a compare-and-set that lost (expected last subject sequence moved). */
const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);
/** How long close() lets a drain take before closing outright. */
const DRAIN_TIMEOUT_MS = 2_000;

/** The NATS client modules, loaded on the first start(). */
interface Client {
  readonly transport: typeof import('@nats-io/transport-node');
  readonly kv: typeof import('@nats-io/kv');
}
let client: Promise<Client> | undefined;
function loadClient(): Promise<Client> {
  client ??= Promise.all([import('@nats-io/transport-node'), import('@nats-io/kv')]).then(([transport, kv]) => ({ transport, kv }));
  return client;
}

/** Throws TypeError naming `what` and the value when `value` is not a subject token. */
function checkToken(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new TypeError(`nats transport: invalid ${what} ${JSON.stringify(value)} (letters, digits, '-' and '_' only)`);
  }
}

/** The JetStream API error code of `error`, or undefined (duck-typed: the class is loaded lazily). */
function apiErrorCode(error: unknown): number | undefined {
  if (error instanceof Error && typeof (error as { apiError?: unknown }).apiError === 'function') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** The client's internal "socket is up" flag, when this client version exposes it (see `connected`). */
function linkUp(nc: NatsConnection): boolean | undefined {
  const flag = (nc as unknown as { protocol?: { connected?: unknown } }).protocol?.connected;
  return typeof flag === 'boolean' ? flag : undefined;
}

export class NatsTransport implements Transport {
  readonly kind = 'nats';
  private readonly servers: string | string[];
  private readonly prefix: string;
  private readonly connection: Omit<NodeConnectionOptions, 'servers'>;
  private nc: NatsConnection | null = null;
  private handlers: TransportHandlers | null = null;
  private cluster = '';
  private started = false;
  private closing = false;
  /** False between a 'disconnect' and the next 'reconnect' status. */
  private online = false;
  private closedReported = false;
  private readonly buckets = new Map<string, Promise<ClusterKv>>();
  private statusLoop: Promise<void> = Promise.resolve();
  private closePromise: Promise<void> | undefined;

  constructor(options: NatsTransportOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError(`nats transport: options must be an object, got ${String(options)}`);
    const servers = options.servers;
    if (!(typeof servers === 'string' && servers.length > 0) && !(Array.isArray(servers) && servers.length > 0 && servers.every((s) => typeof s === 'string' && s.length > 0))) {
      throw new TypeError(`nats transport: options.servers must be a URL or a non-empty array of URLs, got ${JSON.stringify(servers)}`);
    }
    const prefix = options.prefix ?? 'am';
    checkToken(prefix, 'prefix');
    this.servers = servers;
    this.prefix = prefix;
    this.connection = options.connection ?? {};
  }

  /** True while connected to a server and not closing. */
  get connected(): boolean {
    const nc = this.nc;
    if (nc === null || this.closing || !this.online || nc.isClosed() || nc.isDraining()) return false;
    // The client clears its flag as soon as the socket closes, before the 'disconnect' status
    // reaches the status iterator (a later turn): a publish in between would land in the
    // outbound buffer, discarded on reconnect. Checked when available; the status flag otherwise.
    return linkUp(nc) ?? true;
  }

  /**
   * Connects, subscribes to the node's subject and the broadcast subject, and resolves once
   * the server has the subscriptions (frames sent to this node afterwards reach it). Rejects
   * with TypeError for a bad cluster or node id, and with an error naming the servers and the
   * cause (unreachable, authorization violation, ...) when the connection fails.
   */
  async start(cluster: string, nodeId: string, handlers: TransportHandlers): Promise<void> {
    checkToken(cluster, 'cluster');
    checkToken(nodeId, 'node id');
    if (this.started) throw new Error('nats transport: already started');
    if (this.closing) throw new Error('nats transport: closed');
    this.started = true;
    const api = await loadClient();
    let nc: NatsConnection;
    try {
      nc = await api.transport.connect({
        name: `actormesh-${cluster}-${nodeId}`,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        ...this.connection,
        servers: this.servers,
      });
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      throw new Error(`nats transport: cannot connect to ${JSON.stringify(this.servers)}: ${cause}`, { cause: error });
    }
    if (this.closing) {
      // close() was called while connecting.
      await nc.close().catch(() => undefined);
      throw new Error('nats transport: closed while starting');
    }
    this.nc = nc;
    this.cluster = cluster;
    this.handlers = handlers;
    this.online = true;
    const base = `${this.prefix}.${cluster}`;
    // A handler that throws must not reach the client: the exception would end its socket
    // reader and leave the connection deaf. It is reported as an 'error' status instead.
    const guarded =
      (handle: (data: Uint8Array) => void) =>
      (err: Error | null, msg: { data: Uint8Array }): void => {
        if (err !== null) return this.report({ type: 'error', error: err });
        try {
          handle(msg.data);
        } catch (error) {
          this.report({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
        }
      };
    // Unsubscribed by close() (drain), which lets frames already received be handled first.
    nc.subscribe(`${base}.node.${nodeId}`, { callback: guarded((data) => handlers.onFrame(data)) });
    nc.subscribe(`${base}.broadcast`, { callback: guarded((data) => handlers.onBroadcast(data)) });
    this.statusLoop = this.watchStatus(nc);
    void nc.closed().then((error) => {
      this.online = false;
      this.report({ type: 'closed', ...(error instanceof Error ? { error } : {}) });
    });
    try {
      await nc.flush();
    } catch (error) {
      await this.close();
      throw new Error(`nats transport: subscribing on ${JSON.stringify(this.servers)} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.report({ type: 'connected', server: nc.getServer() });
  }

  /**
   * Publishes a frame to node `to`'s subject; false when disconnected, closed, or `to` is not a
   * valid node id (nothing sent).
   * Throws RangeError when the frame exceeds the server's max_payload (the remoting layer
   * bounds its batches below that).
   */
  send(to: string, data: Uint8Array): boolean {
    // An invalid id (say, from a corrupted envelope) is refused like an unreachable node, never
    // published: a '.', '*' or '>' in it would route the frame elsewhere.
    if (!this.connected || typeof to !== 'string' || !TOKEN.test(to)) return false;
    this.publish(`${this.prefix}.${this.cluster}.node.${to}`, data);
    return true;
  }

  /** Publishes a frame to every node of the cluster (this one included); false when it cannot now. */
  broadcast(data: Uint8Array): boolean {
    if (!this.connected) return false;
    this.publish(`${this.prefix}.${this.cluster}.broadcast`, data);
    return true;
  }

  /**
   * A round trip to the server: the frames published before it have reached the server.
   * Resolves at once when not connected (nothing handed over can still be waiting to leave:
   * sends were refused, and the client discards its buffer on reconnect).
   */
  async flush(): Promise<void> {
    if (!this.connected) return;
    await this.nc!.flush();
  }

  /** The JetStream KV bucket `P_C_<bucket>` (created on first use, history 1, file storage). */
  kv(bucket: string): Promise<ClusterKv> {
    try {
      checkToken(bucket, 'bucket name');
      if (this.nc === null) throw new Error('nats transport: start() first (a bucket belongs to a cluster)');
      if (this.closing) throw new Error('nats transport: closed');
    } catch (error) {
      return Promise.reject(error);
    }
    const name = `${this.prefix}_${this.cluster}_${bucket}`;
    let kv = this.buckets.get(name);
    if (kv === undefined) {
      const nc = this.nc;
      kv = loadClient().then(async (api) => new NatsKv(bucket, await new api.kv.Kvm(nc).create(name, { history: 1 })));
      // A failed creation (server down) is retried by the next call.
      kv.catch(() => this.buckets.delete(name));
      this.buckets.set(name, kv);
    }
    return kv;
  }

  /** Drains the subscriptions and closes the connection (reporting 'closed'). Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= this.shutDown();
    return this.closePromise;
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    const nc = this.nc;
    if (nc === null) return;
    if (!nc.isClosed() && (linkUp(nc) ?? this.online)) {
      // Drain delivers what is already received and sends what is queued; bounded, because a
      // drain waits for a server round trip that never comes if the server goes away meanwhile.
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)));
      await Promise.race([nc.drain().catch(() => undefined), bound]);
      clearTimeout(timer);
    }
    // Down (or the drain timed out): close at once, the client's buffer would be discarded anyway.
    if (!nc.isClosed()) await nc.close().catch(() => undefined);
    await nc.closed();
    await this.statusLoop;
  }

  private publish(subject: string, data: Uint8Array): void {
    const max = this.nc!.info?.max_payload;
    if (max !== undefined && data.byteLength > max) throw new RangeError(`nats transport: frame of ${data.byteLength} bytes exceeds the server's max_payload of ${max} bytes`);
    // A copy: the client keeps a reference to the payload until it writes its outbound buffer
    // (a later turn), and the caller may reuse its buffer as soon as send returns.
    this.nc!.publish(subject, new Uint8Array(data));
  }

  /** Maps the client's status events to TransportStatus until the connection closes. */
  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status() as AsyncIterable<Status>) {
      switch (s.type) {
        case 'disconnect':
          this.online = false;
          this.report({ type: 'disconnected', server: s.server });
          break;
        case 'reconnecting':
          this.report({ type: 'reconnecting', server: nc.getServer() });
          break;
        case 'reconnect':
          this.online = true;
          this.report({ type: 'reconnected', server: s.server });
          break;
        case 'error':
          this.report({ type: 'error', error: s.error });
          break;
        case 'slowConsumer':
          this.report({ type: 'error', error: new Error(`nats transport: slow consumer on ${s.sub.getSubject()} (${s.pending} pending)`) });
          break;
        default:
          // ping, update, ldm, staleConnection, forceReconnect: followed by the events above when they matter;
          // 'close' is reported from nc.closed(), which carries the reason.
          break;
      }
    }
  }

  /** Calls onStatus (closed at most once); a throwing status handler is reported once as an 'error' status, then ignored. */
  private report(status: TransportStatus): void {
    if (this.closedReported) return;
    if (status.type === 'closed') this.closedReported = true;
    try {
      this.handlers?.onStatus(status);
    } catch (error) {
      if (status.type === 'error') return;
      this.report({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
}

/** A JetStream KV bucket as a ClusterKv: JSON values, deletes read as absent, CAS losses as null. */
class NatsKv implements ClusterKv {
  constructor(
    readonly bucket: string,
    private readonly kv: KV,
  ) {}

  async get<V = unknown>(key: string): Promise<KvEntry<V> | undefined> {
    checkKvKey(key);
    const entry = await this.kv.get(key);
    if (entry === null || entry.operation !== 'PUT') return undefined;
    return { key, value: entry.json<V>(), revision: entry.revision };
  }

  async put(key: string, value: unknown): Promise<number> {
    checkKvKey(key);
    return this.kv.put(key, encodeJson(key, value));
  }

  async create(key: string, value: unknown): Promise<number | null> {
    checkKvKey(key);
    return lostRace(this.kv.create(key, encodeJson(key, value)));
  }

  async update(key: string, value: unknown, revision: number): Promise<number | null> {
    checkKvKey(key);
    if (!Number.isSafeInteger(revision) || revision <= 0) throw new TypeError(`cluster kv: revision must be a positive integer, got ${String(revision)}`);
    return lostRace(this.kv.update(key, encodeJson(key, value), revision));
  }

  async delete(key: string): Promise<void> {
    checkKvKey(key);
    await this.kv.delete(key);
  }

  async keys(prefix = ''): Promise<string[]> {
    // All keys, filtered here: a prefix need not end on a token boundary, which KV filters require.
    const out: string[] = [];
    for await (const key of await this.kv.keys()) if (key.startsWith(prefix)) out.push(key);
    return out;
  }
}

/** The JSON of `value`; TypeError when it has none (undefined, a function, a symbol). */
function encodeJson(key: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`cluster kv: the value of '${key}' is not JSON data (${typeof value})`);
  return json;
}

/** The revision written, or null when the compare-and-set lost; other errors are rethrown. */
async function lostRace(write: Promise<number>): Promise<number | null> {
  try {
    return await write;
  } catch (error) {
    const code = apiErrorCode(error);
    if (code !== undefined && WRONG_LAST_SEQUENCE.has(code)) return null;
    throw error;
  }
}
