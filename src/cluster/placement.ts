import type { ActorRef } from '../actor-ref.js';
import type { RuntimeEvent } from '../events.js';
import type { ClusterNode } from '../transport/cluster-node.js';
import type { ClusterKv } from '../transport/kv.js';
import { PlaceUnit, RemoveUnit } from './tree-placement.js';
import type { TreePlacement } from './tree-placement.js';

/**
 * Subtree placement over a cluster (issue 5, ADR 0009). The units (the root's children in a
 * tree config: the mesh's sectors) are assigned round-robin over the starting nodes; the
 * cluster KV bucket `placement` holds, per unit, the node that runs it. When a node is
 * declared dead (or leaves), each of its units is claimed by exactly one survivor: a
 * compare-and-set on the unit's entry, so two survivors can never both win. The survivor a
 * unit's name hashes to claims it at once, the others only after `claimGraceMs` (in case that
 * one is gone too), which spreads the orphans evenly. The winner spawns the unit under its
 * root (or stand-in) and tells every node, whose roots then count it among their children.
 *
 * A node that comes back (a new incarnation) takes nothing back: it reads the bucket and runs
 * only what is still its own. A node that finds it runs a unit the bucket gives to another
 * (after a partition healed) retires its copy.
 */
export interface ClusterPlacementOptions {
  /** The units, in config order (the names of the root's children). */
  readonly units: readonly string[];
  /** The root's name (its path is /user/<rootName> on every node). */
  readonly rootName: string;
  /** The node that runs the real root. */
  readonly rootNode: string;
  /** The nodes the units are first spread over (round-robin, in this order). */
  readonly nodes: readonly string[];
  /** How long a survivor that is not a unit's preferred claimer waits before claiming it, ms (default 750). */
  readonly claimGraceMs?: number;
  /** The KV bucket (default 'placement'). */
  readonly bucket?: string;
  /**
   * The run this placement belongs to: entries written under another run id are left over
   * and start again from the first assignment. Nodes restarting within one run keep it, so a
   * node that comes back takes nothing back. Default: none (entries are kept across runs).
   */
  readonly runId?: string;
}

/** What a unit's entry in the bucket holds. */
interface UnitEntry {
  readonly node: string;
  /** The node it was taken over from (absent for the first assignment). */
  readonly from?: string;
  /** The run that wrote it (ClusterPlacementOptions.runId). */
  readonly run?: string;
}

/** A notice between the placement services of the nodes. */
type PlacementNotice = { readonly type: 'placed'; readonly unit: string; readonly node: string };

const NOTICE_PATH = '/system/placement';

/** The bucket key of the root itself: claimed like a unit when the root's node dies. */
const ROOT = '_root';

/** FNV-1a: a stable spread of unit names over survivors. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class ClusterPlacement implements TreePlacement {
  private readonly owners = new Map<string, string>();
  private remote: ActorRef<unknown>[] = [];
  private readonly remoteByName = new Map<string, ActorRef<unknown>>();
  private root: ActorRef<unknown> | null = null;
  private realRoot: ActorRef<unknown> | null = null;
  /** The node that runs the real root now (options.rootNode until it dies). */
  private rootOwner: string;
  private readonly claiming = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  private constructor(
    private readonly node: ClusterNode,
    private readonly kv: ClusterKv,
    private readonly options: ClusterPlacementOptions,
  ) {
    this.rootOwner = options.rootNode;
  }

  /**
   * Reads (or makes) the assignment and starts following the cluster. Spawn the tree with
   * `placement` set to the result, then `bind` its root.
   */
  static async start(node: ClusterNode, options: ClusterPlacementOptions): Promise<ClusterPlacement> {
    if (options.units.length === 0) throw new RangeError('ClusterPlacement: no units to place');
    if (options.nodes.length === 0) throw new RangeError('ClusterPlacement: no nodes to place units on');
    if (!options.nodes.includes(options.rootNode)) throw new RangeError(`ClusterPlacement: rootNode '${options.rootNode}' is not one of the nodes (${options.nodes.join(', ')})`);
    if (!options.nodes.includes(node.nodeId)) throw new RangeError(`ClusterPlacement: this node '${node.nodeId}' is not one of the nodes (${options.nodes.join(', ')})`);
    const kv = await node.kv(options.bucket ?? 'placement');
    const placement = new ClusterPlacement(node, kv, options);
    await placement.load();
    placement.follow();
    return placement;
  }

  get rootHere(): boolean {
    return this.rootOwner === this.node.nodeId;
  }

  rootRef(): ActorRef<unknown> {
    this.realRoot ??= this.node.ref(`am://${this.node.system.name}@${this.rootOwner}/user/${this.options.rootName}`);
    return this.realRoot;
  }

  /** The node that runs the real root now. */
  get rootNode(): string {
    return this.rootOwner;
  }

  isLocal(unit: string): boolean {
    return this.owners.get(unit) === this.node.nodeId;
  }

  remoteUnits(): readonly ActorRef<unknown>[] {
    return this.remote;
  }

  remoteUnit(unit: string): ActorRef<unknown> | undefined {
    return this.remoteByName.get(unit);
  }

  /** The node that runs `unit` now (as this node knows it); `_root` names the root. */
  ownerOf(unit: string): string | undefined {
    return unit === ROOT ? this.rootOwner : this.owners.get(unit);
  }

  /** Units by node, as this node knows them. */
  assignment(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [unit, owner] of this.owners) (out[owner] ??= []).push(unit);
    return out;
  }

  /** The spawned tree's root (or stand-in) on this node: it gets PlaceUnit / RemoveUnit. */
  bind(root: ActorRef<unknown>): void {
    this.root = root;
  }

  /** Removes every unit's entry from the bucket (the end of a run: the next one starts from the first assignment). */
  async clear(): Promise<void> {
    for (const unit of this.options.units) await this.kv.delete(unit);
  }

  /** Stops following the cluster (timers, subscriptions). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** The first assignment, or what the bucket already says (a restarted node takes nothing back). */
  private async load(): Promise<void> {
    const { units, nodes } = this.options;
    for (let i = 0; i < units.length; i++) this.owners.set(units[i]!, await this.ownerAtStart(units[i]!, nodes[i % nodes.length]!));
    // The root's own entry: written by its node, taken over like a unit's when that node dies.
    this.rootOwner = await this.ownerAtStart(ROOT, this.options.rootNode);
    this.rebuild();
  }

  /**
   * Who runs `key` at start: what its entry says if the entry is this run's; otherwise its
   * first owner `first`, who writes the entry (create when absent; compare-and-set over one
   * left by another run or naming a node outside the cluster). The others count on that and
   * hear of anything else through notices and resyncs.
   */
  private async ownerAtStart(key: string, first: string): Promise<string> {
    const self = this.node.nodeId;
    const run = this.options.runId;
    const mine: UnitEntry = run === undefined ? { node: self } : { node: self, run };
    const stale = (entry: UnitEntry): boolean => entry.run !== run || !this.options.nodes.includes(entry.node);
    let entry = await this.kv.get<UnitEntry>(key);
    if (entry === undefined && first === self && (await this.kv.create(key, mine)) === null) entry = await this.kv.get<UnitEntry>(key);
    if (entry !== undefined && stale(entry.value) && first === self) {
      const won = await this.kv.update(key, mine, entry.revision);
      entry = won === null ? await this.kv.get<UnitEntry>(key) : undefined;
    }
    return entry === undefined || stale(entry.value) ? first : entry.value.node;
  }

  /** Follows membership (node-down / node-left) and the other nodes' notices. */
  private follow(): void {
    const system = this.node.system;
    const sub = system.events$.subscribe((event: RuntimeEvent) => {
      if (this.stopped) return;
      if (event.type === 'node-down' || event.type === 'node-left') this.nodeGone(String((event as { node?: unknown }).node));
      // Someone (back) up, or this node back on the network: what moved meanwhile is in the bucket.
      else if (event.type === 'node-up' || (event.type === 'cluster-transport' && (event as { status?: unknown }).status === 'reconnected')) void this.resync();
    });
    void system.whenTerminated.then(() => {
      sub.unsubscribe();
      this.stop();
    });
    system.spawnSystemActor<PlacementNotice>(() => (notice) => this.noticed(notice), { name: 'placement' });
  }

  private nodeGone(dead: string): void {
    const orphans = [...this.owners].filter(([, owner]) => owner === dead).map(([unit]) => unit);
    if (this.rootOwner === dead) orphans.unshift(ROOT);
    if (orphans.length === 0) return;
    const survivors = this.node.upNodes().filter((n) => n !== dead);
    for (const unit of orphans) {
      const preferred = survivors[hash(unit) % survivors.length];
      const delay = preferred === this.node.nodeId ? 0 : (this.options.claimGraceMs ?? 750);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.claim(unit, dead);
      }, delay);
      this.timers.add(timer);
    }
  }

  /** Takes `unit` over from `dead` if nobody has yet: compare-and-set on its entry. */
  private async claim(unit: string, dead: string): Promise<void> {
    if (this.stopped || this.claiming.has(unit) || this.ownerOf(unit) !== dead) return;
    this.claiming.add(unit);
    try {
      const entry = await this.kv.get<UnitEntry>(unit);
      if (entry !== undefined && entry.value.node !== dead) {
        this.moved(unit, entry.value.node);
        return;
      }
      const self = this.node.nodeId;
      const value: UnitEntry = this.options.runId === undefined ? { node: self, from: dead } : { node: self, from: dead, run: this.options.runId };
      const won = entry === undefined ? await this.kv.create(unit, value) : await this.kv.update(unit, value, entry.revision);
      if (won === null) {
        const now = await this.kv.get<UnitEntry>(unit);
        if (now !== undefined) this.moved(unit, now.value.node);
        return;
      }
      this.moved(unit, self);
      this.publish('placement-claimed', { unit, node: self, from: dead });
      for (const other of this.node.upNodes()) {
        if (other !== self) this.node.ref<PlacementNotice>(`am://${this.node.system.name}@${other}${NOTICE_PATH}`).tell({ type: 'placed', unit, node: self });
      }
    } catch (error) {
      this.node.system.log.warn({ err: error, unit }, 'placement: claim failed; another survivor will take it');
    } finally {
      this.claiming.delete(unit);
    }
  }

  /** Reads every unit's entry again and follows what moved. */
  private async resync(): Promise<void> {
    try {
      for (const unit of [ROOT, ...this.options.units]) {
        if (this.stopped) return;
        const entry = await this.kv.get<UnitEntry>(unit);
        if (entry !== undefined && entry.value.run === this.options.runId && this.options.nodes.includes(entry.value.node)) this.moved(unit, entry.value.node);
      }
    } catch (error) {
      this.node.system.log.warn({ err: error }, 'placement: resync failed; the next membership change retries');
    }
  }

  private noticed(notice: PlacementNotice): void {
    if (notice?.type !== 'placed' || typeof notice.unit !== 'string' || typeof notice.node !== 'string' || (notice.unit !== ROOT && !this.owners.has(notice.unit))) return;
    this.moved(notice.unit, notice.node);
  }

  /** `unit` runs on `owner` now: spawn it here, retire it here, or point the root at it. */
  private moved(unit: string, owner: string): void {
    if (unit === ROOT) {
      // The root moved: the stand-in here becomes it (or stops being it) at its next message.
      if (this.rootOwner === owner) return;
      this.rootOwner = owner;
      this.realRoot = null;
      if (owner === this.node.nodeId) this.publish('placement-root-here', { node: owner });
      return;
    }
    const before = this.owners.get(unit);
    if (before === owner) return;
    this.owners.set(unit, owner);
    this.rebuild();
    const self = this.node.nodeId;
    if (owner === self) this.root?.tell(new PlaceUnit(unit));
    else if (before === self) {
      this.root?.tell(new RemoveUnit(unit));
      this.publish('placement-lost', { unit, node: owner });
    }
  }

  private rebuild(): void {
    const self = this.node.nodeId;
    const cluster = this.node.system.name;
    const root = this.options.rootName;
    this.remoteByName.clear();
    for (const [unit, owner] of this.owners) {
      if (owner !== self) this.remoteByName.set(unit, this.node.ref(`am://${cluster}@${owner}/user/${root}/${unit}`));
    }
    this.remote = [...this.remoteByName.values()];
  }

  private publish(type: string, fields: Record<string, unknown>): void {
    const system = this.node.system;
    system.log.info(fields, type);
    if (system.eventsObserved) system.publish({ type, timestamp: Date.now(), path: '/system/placement', ...fields });
  }
}
