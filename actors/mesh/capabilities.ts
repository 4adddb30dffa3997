import type { ImpedanceClass } from '../impedance/index.js';

/**
 * What an agent can do (MESH-30K 2.3's `capabilities`, used by 4.2/4.3 routing).
 *
 * The document names no capabilities, so the default is this module's choice, one small
 * set per impedance class, picked by what that kind of deployment is good at:
 *
 *   A_EDGE        classify, route            cheap, fast, little compute: triage work
 *   B_SERVERLESS  summarize, transform       seconds of stateless compute
 *   C_PERSISTENT  memory, plan               long-lived state, minutes of compute
 *   D_GPU         inference, embed, vision   model work
 *   E_LOCAL       files, tools               on a machine with local resources
 *   F_HUMAN       approve, review            a person in the loop
 *
 * A tree file overrides them per agent node: `props: { capabilities: [...] }` (every
 * replica of the node gets the list). `checkAgentProps` refuses anything else with an
 * AgentPropsError naming the agent, the key and the value.
 */

export const DEFAULT_CAPABILITIES: Readonly<Record<ImpedanceClass, readonly string[]>> = Object.freeze({
  A_EDGE: Object.freeze(['classify', 'route']),
  B_SERVERLESS: Object.freeze(['summarize', 'transform']),
  C_PERSISTENT: Object.freeze(['memory', 'plan']),
  D_GPU: Object.freeze(['inference', 'embed', 'vision']),
  E_LOCAL: Object.freeze(['files', 'tools']),
  F_HUMAN: Object.freeze(['approve', 'review']),
});

/** What an agent node's `props` may hold. */
export interface AgentProps {
  /** Replaces the class's default capabilities: a non-empty list of distinct non-empty strings. */
  readonly capabilities?: readonly string[];
}

const AGENT_PROP_KEYS: readonly string[] = ['capabilities'];

/** An agent's props are not an AgentProps: names the agent, the key and the value it got. */
export class AgentPropsError extends TypeError {
  constructor(
    /** Path of the agent being spawned. */
    readonly path: string,
    /** The offending key, e.g. `props.capabilities[1]`. */
    readonly key: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`agent '${path}': ${key} must be ${expected} (got ${show(value)})`);
    this.name = 'AgentPropsError';
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * The capabilities an agent node's `props` give, or undefined when they give none (the
 * class default applies). Throws AgentPropsError for anything that is not an AgentProps.
 */
export function checkAgentProps(props: unknown, path: string): readonly string[] | undefined {
  if (props === undefined || props === null) return undefined;
  if (typeof props !== 'object' || Array.isArray(props)) throw new AgentPropsError(path, 'props', props, 'an object such as { capabilities: [...] }');
  for (const key of Object.keys(props)) if (!AGENT_PROP_KEYS.includes(key)) throw new AgentPropsError(path, `props.${key}`, (props as Record<string, unknown>)[key], `absent (agent props know only: ${AGENT_PROP_KEYS.join(', ')})`);
  const caps = (props as AgentProps).capabilities;
  if (caps === undefined) return undefined;
  if (!Array.isArray(caps) || caps.length === 0) throw new AgentPropsError(path, 'props.capabilities', caps, 'a non-empty array of capability names');
  const seen = new Set<string>();
  caps.forEach((c: unknown, i) => {
    if (typeof c !== 'string' || c.trim().length === 0) throw new AgentPropsError(path, `props.capabilities[${i}]`, c, 'a non-empty string');
    if (seen.has(c)) throw new AgentPropsError(path, `props.capabilities[${i}]`, c, 'listed once (it is a duplicate)');
    seen.add(c);
  });
  return Object.freeze([...(caps as string[])]);
}
