/**
 * Human-readable lines for the console's results (`actormesh console` without --json): the
 * part 7.1 status box and one short block per command. Paths are shown relative to the
 * root actor, as the user types them.
 */
import type { BroadcastResult, DelegationResult, HealResult } from '../../actors/mesh/console.js';
import type { MeshStatus } from '../../actors/mesh/status.js';
import type { Answer, FreezeState } from '../../actors/mesh-types.js';

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const pct = (r: number): string => `${(r * 100).toFixed(1)}%`;

/** Lines in a box of one width; `null` is a separator. */
export function renderBox(lines: readonly (string | null)[]): string {
  const width = Math.max(0, ...lines.map((l) => (l === null ? 0 : l.length)));
  const out = [`┌${'─'.repeat(width + 2)}┐`];
  for (const l of lines) out.push(l === null ? `├${'─'.repeat(width + 2)}┤` : `│ ${l.padEnd(width)} │`);
  out.push(`└${'─'.repeat(width + 2)}┘`);
  return out.join('\n');
}

/** `3h 27m`, `2m 5s`, `4s`, `120ms`: how long ago, coarsely. */
export function formatAgo(ms: number): string {
  if (!(ms >= 0)) throw new RangeError(`formatAgo: ms must be a number >= 0 (got ${ms})`);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** What the console knows beside MeshStatus: frozen coordinators (relative paths) and the last broadcast. */
export interface StatusExtras {
  readonly frozen: readonly string[];
  /** ms since the last broadcast finished; null when there was none this session. */
  readonly lastBroadcastAgoMs: number | null;
}

/** The lines of the part 7.1 status box every view shows; `span` names what the conflict count covers. */
export function meshStatusLines(s: MeshStatus, span: string): (string | null)[] {
  return [
    'MESH-30K STATUS',
    null,
    `Agents: ${fmtInt(s.agentsActive)} / ${fmtInt(s.agentsTotal)} active (${pct(s.activeRate)})`,
    `Sectors: ${s.sectorsHealthy}/${s.sectorsTotal} healthy`,
    `Median Impedance: ${s.medianImpedanceMs === null ? '-' : `${fmtInt(s.medianImpedanceMs)}ms`} (simulated)`,
    `Conflicts (${span}): ${fmtInt(s.conflicts)}`,
    `Mode: ${s.mode}`,
    `Breakers open: ${s.breakersOpen.cluster} cluster, ${s.breakersOpen.sector} sector, global ${s.breakersOpen.global ? 'OPEN' : 'closed'}`,
  ];
}

/** The part 7.1 status box for a MeshStatus measured by the console. */
export function formatConsoleStatus(s: MeshStatus, extras: StatusExtras): string {
  return renderBox([
    ...meshStatusLines(s, 'this session'),
    `Frozen: ${extras.frozen.length === 0 ? 'none' : extras.frozen.join(', ')}`,
    `Last broadcast: ${extras.lastBroadcastAgoMs === null ? 'none yet' : `${formatAgo(extras.lastBroadcastAgoMs)} ago`}`,
  ]);
}

/** `Broadcast complete: ...` lines; `rel` shows a path relative to the root. */
export function formatBroadcast(r: BroadcastResult, delays: { readonly p50Ms: number | null; readonly p95Ms: number | null }, rel: (path: string) => string): string[] {
  const c = r.counts;
  const judged = r.minimumResponseRate === null ? '' : ` (minimum ${pct(r.minimumResponseRate)})`;
  const lines = [
    `Broadcast complete (${r.cascade}, wave ${r.waveId}, ${Math.round(r.ms)} ms): ${r.status}, response rate ${pct(r.responseRate)}${judged}`,
    `- ${fmtInt(r.acked)} of ${fmtInt(r.agents)} agents acknowledged (ready ${fmtInt(c.ready)}, transit ${fmtInt(c.transit)}, conflict ${fmtInt(c.conflict)}), ${fmtInt(r.missing)} missing`,
  ];
  for (const phase of r.phases ?? []) {
    lines.push(`- phase ${phase.index + 1} ${phase.cls}: ${fmtInt(phase.acked)} of ${fmtInt(phase.targets.length)} acknowledged, ${pct(phase.responseRate)} ${phase.met ? 'met' : 'short of'} ${pct(phase.threshold)}`);
  }
  if (r.unplanned !== undefined && r.unplanned.length > 0) lines.push(`- not in the priority order: ${fmtInt(r.unplanned.length)} agent${r.unplanned.length === 1 ? '' : 's'}`);
  if (delays.p50Ms !== null) lines.push(`- agent replies: p50 ${delays.p50Ms} ms, p95 ${delays.p95Ms} ms`);
  if (r.refusedBy.length > 0) lines.push(`- refused by frozen: ${r.refusedBy.map(rel).join(', ')}`);
  return lines;
}

/** `agent (class, ms): answer`. */
export function formatAnswer(a: Answer, ms: number, rel: (path: string) => string): string[] {
  return [`${rel(a.from)} (${a.cls}, ${ms} ms): ${a.answer}`];
}

/** `Delegated to agent ...` and how long the result took (part 7.1's delegate example). */
export function formatDelegation(d: DelegationResult, ms: number, rel: (path: string) => string): string[] {
  const how = d.routing === 'impedance' ? `lowest impedance of ${d.cls}, score ${d.score === null ? '-' : Math.round(d.score * 100) / 100}` : `first ${d.cls} agent (no impedance profile yet)`;
  const lines = [`Delegated to agent ${rel(d.agent)} (${how})`];
  if (d.skipped.length > 0) lines.push(`- skipped (frozen on the way): ${d.skipped.map(rel).join(', ')}`);
  lines.push(`Result ready in ${ms} ms`);
  return lines;
}

/** `Healing path:` with the breakers reset and the quarantined mail replayed. */
export function formatHeal(h: HealResult, rel: (path: string) => string): string[] {
  return [
    `Healing ${rel(h.path)}:`,
    `- circuit breakers reset: ${h.breakersReset.length === 0 ? 'none were open' : h.breakersReset.map(rel).join(', ')}`,
    `- quarantined messages replayed: ${fmtInt(h.replayed)}`,
  ];
}

/** `FROZEN path ...` with how to resume, or `THAWED path ...`. */
export function formatFreeze(f: FreezeState, rel: (path: string) => string): string[] {
  const p = rel(f.path);
  return f.frozen ? [`FROZEN ${p}: it refuses new work (waves, asks, tasks)`, `To resume: thaw ${p}`] : [`THAWED ${p}: it takes work again`];
}
