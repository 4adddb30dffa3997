import { Packr } from 'msgpackr';
import type { ActorSystem } from '../system.js';
import { FrameError, decodeFrame, encodeFrame } from './frame.js';
import type { FrameSigner, FrameVerifier } from './signing.js';
import type { Transport } from './transport.js';

/**
 * Membership by heartbeats (ADR 0009): every node broadcasts a heartbeat every `heartbeatMs`;
 * a node not heard from for `missedHeartbeats` beats is declared dead (`node-down`), one heard
 * again (or for the first time) is up (`node-up`), one that says goodbye has left
 * (`node-left`). While this node's own transport is disconnected it declares nobody dead: it
 * cannot tell their silence from its own deafness; after it reconnects, a full timeout passes
 * before anyone is judged. Heartbeats are frames like any other: signed when signing is on,
 * refused (and reported) when they fail verification.
 */
export interface MembershipOptions {
  readonly heartbeatMs: number;
  readonly missedHeartbeats: number;
  readonly maxFrameBytes: number;
  readonly signer?: FrameSigner;
  readonly verifier?: FrameVerifier;
  readonly requireSigned?: boolean;
}

/** What membership tells the rest of the node. */
export interface MembershipListener {
  up(node: string): void;
  down(node: string, reason: 'missed-heartbeats' | 'left'): void;
  /** A broadcast frame failed to decode or verify. */
  refused(error: unknown, bytes: number): void;
}

export type MemberStatus = 'up' | 'down' | 'left';

/** A node as this node sees it. */
export interface MemberInfo {
  readonly node: string;
  readonly status: MemberStatus;
  /** The node's start time (epoch ms): a restarted node has a new one. */
  readonly incarnation: number;
  /** When it was last heard from (epoch ms; this node: now). */
  readonly lastSeenAt: number;
}

interface Member {
  status: MemberStatus;
  incarnation: number;
  lastSeenAt: number;
}

const HEARTBEAT = 0;
const LEAVE = 1;

export class Membership {
  private readonly members = new Map<string, Member>();
  private readonly packr = new Packr({ useRecords: false });
  private readonly incarnation = Date.now();
  private seq = 0;
  private beat: NodeJS.Timeout | null = null;
  private lastTick = 0;
  /** No one is judged before this time (epoch ms): start, and after a reconnect. */
  private judgeAfter = 0;
  private deaf = false;

  constructor(
    private readonly system: ActorSystem,
    private readonly transport: Transport,
    private readonly options: MembershipOptions,
    private readonly listener: MembershipListener,
  ) {}

  private get timeoutMs(): number {
    return this.options.heartbeatMs * this.options.missedHeartbeats;
  }

  /** Starts beating and judging. */
  start(): void {
    this.judgeAfter = Date.now() + this.timeoutMs;
    this.send(HEARTBEAT);
    this.lastTick = Date.now();
    this.beat = setInterval(() => {
      const now = Date.now();
      // This process stalled (a long synchronous job, a GC pause): the others' heartbeats sat
      // unread in our queue, so their silence proves nothing yet. Judge again a timeout later.
      if (now - this.lastTick > 2 * this.options.heartbeatMs) this.forgive(now);
      this.lastTick = now;
      this.send(HEARTBEAT);
      this.judge();
    }, this.options.heartbeatMs);
    this.beat.unref();
  }

  /** The transport lost (false) or regained (true) its connection. */
  connection(connected: boolean): void {
    if (connected && this.deaf) {
      this.forgive(Date.now());
      this.send(HEARTBEAT);
    }
    this.deaf = !connected;
  }

  /** Everyone up gets a fresh start: their silence was ours. */
  private forgive(now: number): void {
    this.judgeAfter = now + this.timeoutMs;
    for (const member of this.members.values()) if (member.status === 'up') member.lastSeenAt = now;
  }

  /** Says goodbye (others mark this node as left at once) and stops beating. */
  stop(): void {
    if (this.beat !== null) clearInterval(this.beat);
    this.beat = null;
    this.send(LEAVE);
  }

  /** The nodes seen so far, this one included. */
  list(): MemberInfo[] {
    const out: MemberInfo[] = [{ node: this.system.node, status: 'up', incarnation: this.incarnation, lastSeenAt: Date.now() }];
    for (const [node, m] of this.members) out.push({ node, status: m.status, incarnation: m.incarnation, lastSeenAt: m.lastSeenAt });
    return out;
  }

  /** The nodes up now, this one included, sorted. */
  upNodes(): string[] {
    const out = [this.system.node];
    for (const [node, m] of this.members) if (m.status === 'up') out.push(node);
    return out.sort();
  }

  /** A broadcast frame. Never throws. */
  onBroadcast(data: Uint8Array): void {
    let from: string;
    let body: unknown;
    try {
      const frame = decodeFrame(data, { maxBytes: this.options.maxFrameBytes, verifier: this.options.verifier, requireSigned: this.options.requireSigned ?? this.options.verifier !== undefined });
      from = frame.from;
      body = this.packr.unpack(frame.payload);
    } catch (error) {
      this.listener.refused(error instanceof FrameError ? error : new FrameError('undecodable', data.length, `heartbeat: ${(error as Error).message}`), data.length);
      return;
    }
    if (from === this.system.node) return;
    if (!Array.isArray(body) || typeof body[1] !== 'number') {
      this.listener.refused(new FrameError('undecodable', data.length, 'heartbeat: not [kind, incarnation, seq]', from), data.length);
      return;
    }
    const [kind, incarnation] = body as [number, number];
    if (kind === LEAVE) this.left(from, incarnation);
    else this.heard(from, incarnation);
  }

  private heard(node: string, incarnation: number): void {
    const now = Date.now();
    const member = this.members.get(node);
    if (member !== undefined && member.status === 'up' && member.incarnation === incarnation) {
      member.lastSeenAt = now;
      return;
    }
    // Old heartbeats of a node that has since restarted, or that left, do not bring it back.
    if (member !== undefined && incarnation < member.incarnation) return;
    if (member !== undefined && member.status === 'left' && member.incarnation === incarnation) return;
    const restarted = member !== undefined && member.status === 'up' && member.incarnation !== incarnation;
    if (restarted) this.listener.down(node, 'missed-heartbeats'); // the old incarnation is gone
    this.members.set(node, { status: 'up', incarnation, lastSeenAt: now });
    this.publish('node-up', node, { incarnation, restarted });
    this.listener.up(node);
    // A newcomer hears from us now, not a heartbeat period later: joining takes one round trip.
    this.send(HEARTBEAT);
  }

  private left(node: string, incarnation: number): void {
    const member = this.members.get(node);
    if (member !== undefined && member.incarnation > incarnation) return;
    const wasUp = member?.status === 'up';
    this.members.set(node, { status: 'left', incarnation, lastSeenAt: Date.now() });
    if (wasUp) {
      this.publish('node-left', node, { incarnation });
      this.listener.down(node, 'left');
    }
  }

  /** Declares dead every node silent for the timeout (unless this node is deaf itself). */
  private judge(): void {
    const now = Date.now();
    if (this.deaf || now < this.judgeAfter) return;
    for (const [node, member] of this.members) {
      if (member.status !== 'up' || now - member.lastSeenAt <= this.timeoutMs) continue;
      member.status = 'down';
      this.publish('node-down', node, { incarnation: member.incarnation, silentMs: now - member.lastSeenAt, reason: 'missed-heartbeats' });
      this.listener.down(node, 'missed-heartbeats');
    }
  }

  private send(kind: number): void {
    const payload = this.packr.pack([kind, this.incarnation, ++this.seq]);
    this.transport.broadcast(encodeFrame(this.system.node, payload, this.options.signer));
  }

  private publish(type: string, node: string, fields: Record<string, unknown>): void {
    this.system.log.info({ node, ...fields }, type);
    if (this.system.eventsObserved) this.system.publish({ type, timestamp: Date.now(), path: '/system/cluster', node, ...fields });
  }
}
