import { checkKvKey } from './kv.js';
import type { ClusterKv, KvEntry } from './kv.js';
import type { Transport, TransportHandlers, TransportStatus } from './transport.js';

/** Cluster names, node ids and bucket names: one subject token, as on NATS (so a cluster moves between transports unchanged). */
const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Throws TypeError naming `what` and the value when `value` is not a subject token. */
function checkToken(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new TypeError(`memory transport: invalid ${what} ${JSON.stringify(value)} (letters, digits, '-' and '_' only)`);
  }
}

/**
 * The in-memory network: nodes of a cluster in one process (the default transport: tests and
 * the demo). Frames are still encoded bytes and arrive on a later microtask, never inside the
 * sender's call, so everything above behaves as over a wire (copies, no re-entrancy). A hub
 * can take a node off the network and back (`disconnect`, `reconnect`) to rehearse an outage.
 */
export class MemoryHub {
  private readonly nodes = new Map<string, MemoryTransport>();
  private readonly buckets = new Map<string, MemoryKv>();

  /** @internal */
  join(key: string, transport: MemoryTransport): void {
    if (this.nodes.has(key)) throw new Error(`memory transport: node '${key.split('\u0000')[1]}' is already on this hub in cluster '${key.split('\u0000')[0]}'`);
    this.nodes.set(key, transport);
  }

  /** @internal */
  leave(key: string, transport: MemoryTransport): void {
    if (this.nodes.get(key) === transport) this.nodes.delete(key);
  }

  /** @internal */
  route(key: string): MemoryTransport | undefined {
    return this.nodes.get(key);
  }

  /** @internal */
  members(cluster: string): MemoryTransport[] {
    const out: MemoryTransport[] = [];
    for (const [key, transport] of this.nodes) if (key.startsWith(cluster + '\u0000')) out.push(transport);
    return out;
  }

  /** @internal */
  bucket(cluster: string, name: string): MemoryKv {
    const key = `${cluster}\u0000${name}`;
    let kv = this.buckets.get(key);
    if (kv === undefined) this.buckets.set(key, (kv = new MemoryKv(name)));
    return kv;
  }

  /** Takes a node off the network: its sends fail, frames to it are dropped, it sees 'disconnected'. */
  disconnect(cluster: string, nodeId: string): void {
    this.route(`${cluster}\u0000${nodeId}`)?.setOnline(false);
  }

  /** Puts a node back: it sees 'reconnected'. */
  reconnect(cluster: string, nodeId: string): void {
    this.route(`${cluster}\u0000${nodeId}`)?.setOnline(true);
  }
}

/** The hub nodes share when none is given: one process, one network. */
export const defaultHub = new MemoryHub();

export class MemoryTransport implements Transport {
  readonly kind = 'memory';
  private handlers: TransportHandlers | null = null;
  private key = '';
  private cluster = '';
  private online = false;
  private closed = false;

  constructor(private readonly hub: MemoryHub = defaultHub) {}

  get connected(): boolean {
    return this.online && !this.closed;
  }

  async start(cluster: string, nodeId: string, handlers: TransportHandlers): Promise<void> {
    checkToken(cluster, 'cluster');
    checkToken(nodeId, 'node id');
    if (this.handlers !== null) throw new Error('memory transport: already started');
    if (this.closed) throw new Error('memory transport: closed');
    const key = `${cluster}\u0000${nodeId}`;
    this.hub.join(key, this);
    this.key = key;
    this.cluster = cluster;
    this.handlers = handlers;
    this.online = true;
    this.status({ type: 'connected', server: 'memory' });
  }

  send(to: string, data: Uint8Array): boolean {
    if (!this.connected || typeof to !== 'string' || !TOKEN.test(to)) return false;
    const target = this.hub.route(`${this.cluster}\u0000${to}`);
    // Like NATS: a frame to a node nobody listens for is gone (membership tells who is there).
    if (target !== undefined) {
      // new Uint8Array copies; data.slice() would not when data is a Buffer (msgpackr's output).
      const copy = new Uint8Array(data);
      queueMicrotask(() => target.deliver(copy, false));
    }
    return true;
  }

  broadcast(data: Uint8Array): boolean {
    if (!this.connected) return false;
    for (const target of this.hub.members(this.cluster)) {
      const copy = new Uint8Array(data);
      queueMicrotask(() => target.deliver(copy, true));
    }
    return true;
  }

  async flush(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async kv(bucket: string): Promise<ClusterKv> {
    checkToken(bucket, 'bucket name');
    if (this.closed) throw new Error('memory transport: closed');
    if (this.handlers === null) throw new Error('memory transport: start() first (a bucket belongs to a cluster)');
    return this.hub.bucket(this.cluster, bucket);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.leave(this.key, this);
    this.status({ type: 'closed' });
  }

  /** @internal */
  deliver(data: Uint8Array, broadcast: boolean): void {
    if (!this.connected || this.handlers === null) return;
    try {
      if (broadcast) this.handlers.onBroadcast(data);
      else this.handlers.onFrame(data);
    } catch (error) {
      // As on NATS: a throwing handler is reported, and the node keeps receiving.
      this.status({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  /** @internal */
  setOnline(online: boolean): void {
    if (this.closed || this.online === online) return;
    this.online = online;
    this.status(online ? { type: 'reconnected', server: 'memory' } : { type: 'disconnected', server: 'memory' });
  }

  /** Calls onStatus; a throwing status handler is reported once as an 'error' status, then ignored. */
  private status(status: TransportStatus): void {
    try {
      this.handlers?.onStatus(status);
    } catch (error) {
      if (status.type === 'error') return;
      this.status({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
}

/**
 * A bucket in memory: values are stored as JSON, exactly as the NATS bucket encodes them, so
 * what works here works there (a Date reads back as a string, undefined is refused).
 */
export class MemoryKv implements ClusterKv {
  private readonly entries = new Map<string, { json: string; revision: number }>();
  private revision = 0;

  constructor(readonly bucket: string) {}

  async get<V = unknown>(key: string): Promise<KvEntry<V> | undefined> {
    checkKvKey(key);
    const entry = this.entries.get(key);
    return entry === undefined ? undefined : { key, value: JSON.parse(entry.json) as V, revision: entry.revision };
  }

  async put(key: string, value: unknown): Promise<number> {
    checkKvKey(key);
    return this.write(key, encodeJson(key, value));
  }

  async create(key: string, value: unknown): Promise<number | null> {
    checkKvKey(key);
    const json = encodeJson(key, value);
    if (this.entries.has(key)) return null;
    return this.write(key, json);
  }

  async update(key: string, value: unknown, revision: number): Promise<number | null> {
    checkKvKey(key);
    if (!Number.isSafeInteger(revision) || revision <= 0) throw new TypeError(`cluster kv: revision must be a positive integer, got ${String(revision)}`);
    const json = encodeJson(key, value);
    if (this.entries.get(key)?.revision !== revision) return null;
    return this.write(key, json);
  }

  private write(key: string, json: string): number {
    this.entries.set(key, { json, revision: ++this.revision });
    return this.revision;
  }

  async delete(key: string): Promise<void> {
    checkKvKey(key);
    this.entries.delete(key);
  }

  async keys(prefix = ''): Promise<string[]> {
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix));
  }
}

/** The JSON of `value`; TypeError when it has none (undefined, a function, a symbol), as on NATS. */
function encodeJson(key: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`cluster kv: the value of '${key}' is not JSON data (${typeof value})`);
  return json;
}
