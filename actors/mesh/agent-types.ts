/**
 * The actor types that are mesh agents (leaves that answer waves, heartbeats, tasks and
 * questions): the plain agent and the wasm agent (issue 8), which behaves as one and also
 * decides through a WebAssembly micro-agent. The scenario, the console and the executor
 * count and address agents by these types.
 */
export const AGENT_TYPES: ReadonlySet<string> = new Set(['agent', 'wasm-agent']);

/** True when `type` (a registered actor type name) is a mesh agent. */
export function isAgentType(type: string | undefined): boolean {
  return type !== undefined && AGENT_TYPES.has(type);
}
