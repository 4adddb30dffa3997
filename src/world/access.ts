import { holdingsOf } from './types.js';
import type { AgentSpec, EdgeAttributes, Holdings } from './types.js';

/**
 * Who is traversing: an agent (its credentials and capabilities), a set of held names, or
 * 'any' (every edge, gates ignored: the structural graph).
 */
export type Access = Pick<AgentSpec, 'credentials' | 'capabilities'> | Holdings | 'any';

/** A predicate over edges for `access`. */
export function edgeFilter(access: Access): (edge: EdgeAttributes) => boolean {
  if (access === 'any') return () => true;
  const held: Holdings = access instanceof Set ? access : holdingsOf(access as Pick<AgentSpec, 'credentials' | 'capabilities'>);
  return (edge) => {
    const requires = edge.requires;
    for (let i = 0; i < requires.length; i++) if (!held.has(requires[i]!)) return false;
    return true;
  };
}
