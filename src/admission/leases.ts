/**
 * ArtifactLeases: the ready artifacts, each with an optional lease (an expiry time and a
 * holder). A plain data structure with no timers and no clock: its owner (the admission
 * controller) passes `nowMs`, calls `expire` when it chooses (e.g. at `nextExpiryMs()`),
 * and re-plans the jobs that depended on an artifact that expired or was revoked. The
 * planner takes `snapshot(nowMs)` as its `ready` list.
 *
 * An artifact is ready at nowMs while it has no expiry or `validUntilMs > nowMs` (the same
 * rule as the planner's).
 */
import { AdmissionRequestError } from './errors.js';
import { validateArtifact } from './planner.js';
import type { ReadyArtifact } from './types.js';

export class ArtifactLeases {
  private readonly artifacts = new Map<string, ReadyArtifact>();

  /**
   * Marks an artifact ready (or renews it): a later `ready` for the same key replaces the
   * lease, expiry and holder included. Throws AdmissionRequestError on a malformed artifact.
   */
  ready(artifact: ReadyArtifact): void {
    validateArtifact(artifact, 'artifact');
    // A copy: the caller's object may change later; what we hold must not.
    const copy: ReadyArtifact = {
      key: artifact.key,
      ...(artifact.validUntilMs !== undefined ? { validUntilMs: artifact.validUntilMs } : {}),
      ...(artifact.holderId !== undefined ? { holderId: artifact.holderId } : {}),
    };
    this.artifacts.set(artifact.key, copy);
  }

  /** Removes an artifact now, whatever its lease. Returns whether it was held. */
  revoke(key: string): boolean {
    return this.artifacts.delete(key);
  }

  /** Removes the artifacts whose lease ended (validUntilMs <= nowMs); returns their keys, sorted. */
  expire(nowMs: number): string[] {
    checkNow(nowMs, 'expire');
    const expired: string[] = [];
    for (const [key, artifact] of this.artifacts) {
      if (artifact.validUntilMs !== undefined && artifact.validUntilMs <= nowMs) expired.push(key);
    }
    for (const key of expired) this.artifacts.delete(key);
    return expired.sort(compareStrings);
  }

  /** The artifacts ready at nowMs (copies, sorted by key): the planner's `ready`. */
  snapshot(nowMs: number): ReadyArtifact[] {
    checkNow(nowMs, 'snapshot');
    const out: ReadyArtifact[] = [];
    for (const artifact of this.artifacts.values()) if (live(artifact, nowMs)) out.push({ ...artifact });
    return out.sort((a, b) => compareStrings(a.key, b.key));
  }

  /** Whether the artifact is ready at nowMs (held and its lease, if any, not ended). */
  isReady(key: string, nowMs: number): boolean {
    checkNow(nowMs, 'isReady');
    const artifact = this.artifacts.get(key);
    return artifact !== undefined && live(artifact, nowMs);
  }

  /**
   * Who keeps what resident (observability): holder id -> its artifact keys (sorted), for
   * held artifacts that name a holder. With nowMs, only artifacts ready at nowMs count;
   * without, every artifact not yet removed (an ended lease counts until `expire`).
   */
  holders(nowMs?: number): Map<string, string[]> {
    if (nowMs !== undefined) checkNow(nowMs, 'holders');
    const byHolder = new Map<string, string[]>();
    for (const artifact of this.artifacts.values()) {
      if (artifact.holderId === undefined || (nowMs !== undefined && !live(artifact, nowMs))) continue;
      let keys = byHolder.get(artifact.holderId);
      if (keys === undefined) byHolder.set(artifact.holderId, (keys = []));
      keys.push(artifact.key);
    }
    for (const keys of byHolder.values()) keys.sort(compareStrings);
    return new Map([...byHolder].sort(([a], [b]) => compareStrings(a, b)));
  }

  /**
   * The earliest lease end among held artifacts, or undefined when none expires: when the
   * owner should next call `expire` (an addition to the brief, so the controller can set
   * one timer instead of polling).
   */
  nextExpiryMs(): number | undefined {
    let next: number | undefined;
    for (const artifact of this.artifacts.values()) {
      if (artifact.validUntilMs !== undefined && (next === undefined || artifact.validUntilMs < next)) next = artifact.validUntilMs;
    }
    return next;
  }

  /** Artifacts held (ended leases included until `expire`). */
  get size(): number {
    return this.artifacts.size;
  }
}

function live(artifact: ReadyArtifact, nowMs: number): boolean {
  return artifact.validUntilMs === undefined || artifact.validUntilMs > nowMs;
}

function checkNow(nowMs: number, method: string): void {
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) throw new AdmissionRequestError(`${method}(nowMs)`, nowMs, 'must be a finite number');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
