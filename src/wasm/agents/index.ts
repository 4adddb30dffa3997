import type { MicroAgentDescriptor } from '../abi.js';
import { CONFLICT_AGENT } from './conflict.js';
import { IMPEDANCE_AGENT } from './impedance.js';
import { ROUTING_AGENT } from './routing.js';

/**
 * The WebAssembly micro-agents of the MESH-30K mesh (issue 8), by module name: asm/NAME.ts
 * builds to dist/asm/NAME.wasm (asm/build.mjs), and each descriptor carries its JavaScript twin.
 */
export const MICRO_AGENTS: Readonly<Record<string, MicroAgentDescriptor>> = Object.freeze({
  [IMPEDANCE_AGENT.name]: IMPEDANCE_AGENT,
  [ROUTING_AGENT.name]: ROUTING_AGENT,
  [CONFLICT_AGENT.name]: CONFLICT_AGENT,
});

export { CONFLICT_AGENT, conflictRows, conflictTypeCode } from './conflict.js';
export { IMPEDANCE_AGENT, IMPEDANCE_RECENT_MS, impedanceRows } from './impedance.js';
export { ROUTING_AGENT, ROUTING_SLOTS, ROUTING_SLOT_WIDTH, routingRows } from './routing.js';
