/**
 * Name templates of replicated nodes: `agent-{i}` names replicas agent-0, agent-1, ...;
 * `agent-{i:1}` counts from 1 (agent-1, agent-2, ...). `{i}` may appear more than once.
 * Any other placeholder, or a stray brace, is an error (actor names cannot hold braces).
 */

export interface NameTemplate {
  /** True when the template has at least one `{i}` placeholder. */
  readonly indexed: boolean;
  /** The name of replica `index` (0-based). */
  expand(index: number): string;
}

/** Parses a template; returns the reason it is wrong instead when it is. */
export function parseNameTemplate(template: string): NameTemplate | { error: string } {
  const literals: string[] = [];
  const offsets: number[] = [];
  let rest = template;
  for (;;) {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (open < 0) {
      if (close >= 0) return { error: `'}' without '{' in name template '${template}'` };
      literals.push(rest);
      break;
    }
    if (close >= 0 && close < open) return { error: `'}' without '{' in name template '${template}'` };
    const end = rest.indexOf('}', open);
    if (end < 0) return { error: `'{' without '}' in name template '${template}'` };
    const placeholder = rest.slice(open + 1, end);
    const match = /^i(?::(\d+))?$/.exec(placeholder.trim());
    if (match === null) {
      return { error: `unknown placeholder '{${placeholder}}' in name template '${template}' (known: {i} counting from 0, {i:N} counting from N)` };
    }
    literals.push(rest.slice(0, open));
    offsets.push(match[1] === undefined ? 0 : Number(match[1]));
    rest = rest.slice(end + 1);
  }
  if (offsets.length === 0) return { indexed: false, expand: () => template };
  return {
    indexed: true,
    expand(index) {
      let name = literals[0]!;
      for (let k = 0; k < offsets.length; k++) name += String(index + offsets[k]!) + literals[k + 1]!;
      return name;
    },
  };
}
