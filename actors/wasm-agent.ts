import type { FunctionBehavior, Receive } from '../src/behavior.js';
import type { ActorContext } from '../src/context.js';
import type { ActorRef } from '../src/actor-ref.js';
import type { ActorSystem } from '../src/system.js';
import type { CallLimits, MicroAgentDescriptor, WasmRunner, WasmRunnerOptions } from '../src/wasm/index.js';
import { MICRO_AGENTS } from '../src/wasm/agents/index.js';
import { agent } from './mesh-types.js';
import type { AgentMsg } from './mesh-types.js';

/**
 * The wasm agent (issue 8): a MESH-30K agent whose decisions run as a WebAssembly
 * micro-agent (asm/) in the system's WasmRunner. In a tree file:
 *
 *   - type: wasm-agent
 *     name: agent-{i}
 *     replicas: 30
 *     props: { module: conflict, timeoutMs: 50, fuel: 100000, maxMemoryPages: 32 }
 *
 * It answers every agent message as the plain agent does (ping, waves, heartbeats, tasks,
 * questions, think), so the mesh runs unchanged with wasm agents in it, and also
 *
 *   { type: 'decide', rows: number[][], replyTo }  ->  { type: 'decided', from, module, outputs: number[][] }
 *
 * Why the instance is not in the actor: one wasm instance per actor does not scale (V8
 * refused new instances past about 13,000 in one process here); the agent keeps its own
 * state (decisions made, the last outputs) and the runner's workers hold the instances.
 * A trap, an exceeded limit or a refused input is a failure of the agent (the decide
 * handler rejects): its supervisor decides, as for any agent, and the asker hears at once.
 */

/** Props of a wasm agent: the micro-agent to use, its limits, and the plain agent's props. */
export interface WasmAgentProps extends CallLimits {
  /** A micro-agent the system's runner knows (e.g. 'impedance', 'routing', 'conflict'). */
  readonly module: string;
  /** Capabilities, as for a plain agent. */
  readonly capabilities?: readonly string[];
}

export interface Decide {
  readonly type: 'decide';
  /** One row per decision, each of the micro-agent's input width. */
  readonly rows: readonly (readonly number[])[];
  readonly replyTo: ActorRef<Decided>;
}

export interface Decided {
  readonly type: 'decided';
  readonly from: string;
  readonly module: string;
  readonly outputs: number[][];
}

export type WasmAgentMsg = AgentMsg | Decide | WasmAgentStats;

/** Raised when a wasm agent is started with bad props. */
export class WasmAgentPropsError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`wasm agent '${path}': ${message}`);
    this.name = 'WasmAgentPropsError';
  }
}

/**
 * The wasm agents' runner for one system, opened on the first decision (a mesh without
 * wasm agents, or whose wasm agents never decide, starts no worker thread) and closed when
 * the system terminates. What it knows is known at once (names, widths), so an agent's props
 * are checked when it starts, before any runner exists.
 */
export class WasmHost {
  private readonly byName: ReadonlyMap<string, MicroAgentDescriptor>;
  private opening: Promise<WasmRunner> | undefined;

  constructor(
    agents: readonly MicroAgentDescriptor[],
    private readonly options: WasmRunnerOptions = {},
  ) {
    this.byName = new Map(agents.map((a) => [a.name, a]));
  }

  /** The micro-agents' names. */
  get agents(): readonly string[] {
    return [...this.byName.keys()];
  }

  /** The descriptor of `name`, or undefined. */
  descriptor(name: string): MicroAgentDescriptor | undefined {
    return this.byName.get(name);
  }

  /** The runner, opened on first use (the same promise for every caller). */
  runner(): Promise<WasmRunner> {
    // Loaded here, not at the top: piscina and the pool cost nothing until a wasm agent decides.
    this.opening ??= import('../src/wasm/runner.js').then(({ WasmRunner }) => WasmRunner.open([...this.byName.values()], this.options));
    return this.opening;
  }

  /** Closes the runner if it was opened. */
  async close(): Promise<void> {
    const opening = this.opening;
    if (opening === undefined) return;
    const runner = await opening.catch(() => undefined);
    await runner?.close();
  }
}

const hosts = new WeakMap<ActorSystem, WasmHost>();

/**
 * Gives `system`'s wasm agents their micro-agents and runner options (default: the three
 * real micro-agents of asm/, events on the system). Call before spawning wasm agents; the
 * runner is closed when the system terminates.
 */
export function configureWasm(system: ActorSystem, options: { readonly agents?: readonly MicroAgentDescriptor[]; readonly runner?: WasmRunnerOptions } = {}): WasmHost {
  const previous = hosts.get(system);
  if (previous !== undefined) void previous.close();
  const host = new WasmHost(options.agents ?? Object.values(MICRO_AGENTS), { system, ...options.runner });
  hosts.set(system, host);
  void system.whenTerminated.then(() => host.close());
  return host;
}

/** The wasm host of `system` (a default one is configured on first use). */
export function wasmHostOf(system: ActorSystem): WasmHost {
  return hosts.get(system) ?? configureWasm(system);
}

const LIMIT_KEYS = ['timeoutMs', 'fuel', 'maxMemoryPages'] as const;

function checkProps(props: unknown, path: string, host: WasmHost): WasmAgentProps {
  if (props === null || typeof props !== 'object') throw new WasmAgentPropsError(path, `props must be an object with a 'module' (got ${props === null ? 'null' : typeof props})`);
  const p = props as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (key !== 'module' && key !== 'capabilities' && !(LIMIT_KEYS as readonly string[]).includes(key)) {
      throw new WasmAgentPropsError(path, `unknown prop '${key}' (expected module, capabilities, ${LIMIT_KEYS.join(', ')})`);
    }
  }
  if (typeof p['module'] !== 'string' || host.descriptor(p['module']) === undefined) {
    throw new WasmAgentPropsError(path, `props.module must name a micro-agent (${host.agents.join(', ')}), got ${JSON.stringify(p['module']) ?? String(p['module'])}`);
  }
  for (const key of LIMIT_KEYS) {
    const v = p[key];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && (Number.isFinite(v) || (key === 'timeoutMs' && v === Number.POSITIVE_INFINITY)))) {
      throw new WasmAgentPropsError(path, `props.${key} must be a positive number, got ${JSON.stringify(v) ?? String(v)}`);
    }
  }
  return p as unknown as WasmAgentProps;
}

/** Asks `ref` for its own counters. */
export interface WasmAgentStats {
  readonly type: 'wasm-stats';
  readonly replyTo: ActorRef<{ readonly type: 'wasm-stats'; readonly from: string; readonly module: string; readonly decisions: number }>;
}

/** The wasm agent behaviour (registered as 'wasm-agent' by registerMeshTypes). */
export const wasmAgent: FunctionBehavior<WasmAgentMsg, unknown> = function wasmAgent(ctx, props) {
  const host = wasmHostOf(ctx.system);
  const { module, capabilities, ...limits } = checkProps(props, ctx.path, host);
  const descriptor = host.descriptor(module)!;
  const base = agent(ctx as unknown as ActorContext<AgentMsg>, capabilities === undefined ? undefined : { capabilities }) as Receive<AgentMsg>;
  // The agent's own state: kept here, never in a wasm instance.
  let decisions = 0;
  let plain: Receive<AgentMsg> = base;
  return (message: WasmAgentMsg, c: ActorContext<WasmAgentMsg>) => {
    switch (message.type) {
      case 'decide':
        return decide(message);
      case 'wasm-stats':
        message.replyTo.tell({ type: 'wasm-stats', from: ctx.path, module, decisions });
        return undefined;
      default: {
        // The plain agent may return its next handler (after its first wave): keep it.
        const next = plain(message, c as unknown as ActorContext<AgentMsg>);
        if (typeof next === 'function') plain = next;
        return undefined;
      }
    }
  };

  async function decide(message: Decide): Promise<void> {
    const rows = message.rows;
    if (!Array.isArray(rows) || rows.length === 0) throw new WasmAgentPropsError(ctx.path, `decide needs a non-empty array of rows (got ${Array.isArray(rows) ? 'an empty array' : typeof rows})`);
    const width = descriptor.inWidth;
    const input = new Float64Array(rows.length * width);
    rows.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== width) throw new WasmAgentPropsError(ctx.path, `decide: row ${r} must have ${width} numbers for '${module}' (got ${Array.isArray(row) ? `${row.length}` : typeof row})`);
      input.set(row, r * width);
    });
    const runner = await host.runner();
    const output = await runner.decide(module, input, rows.length, limits);
    decisions += rows.length;
    const outputs: number[][] = [];
    for (let r = 0; r < rows.length; r++) outputs.push(Array.from(output.subarray(r * descriptor.outWidth, (r + 1) * descriptor.outWidth)));
    message.replyTo.tell({ type: 'decided', from: ctx.path, module, outputs });
  }
};
// The name events give as actorType (actor-started): the registered type name, as the mesh's
// own types do, so the scenario and the console recognise wasm agents as agents.
Object.defineProperty(wasmAgent, 'name', { value: 'wasm-agent' });
