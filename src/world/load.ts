import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { WorldConfigError } from './errors.js';
import { WorldBuilder, describe } from './world-graph.js';
import type { BuiltWorld, Locate } from './world-graph.js';
import type { AgentSpec, EdgeOptions, JsonValue } from './types.js';

/**
 * Worlds from data. The shape (YAML shown; JSON is the same structure):
 *
 * ```yaml
 * entities:                      # required, a list
 *   - id: web-1                  # required, unique non-empty string
 *     kind: host                 # required, non-empty string
 *     state: { os: linux }       # optional, any JSON value
 * edges:                         # optional, a list
 *   - from: web-1                # required, an entity id
 *     to: db-1                   # required, an entity id (one edge per ordered pair)
 *     requires: [db-password]    # optional, credential/capability names (default: open)
 *     distance: 2                # optional, positive number (default 1)
 * agents:                        # optional, a list
 *   - id: red-1                  # required, unique non-empty string
 *     position: web-1            # required, an entity id
 *     credentials: [vpn]         # optional, strings
 *     capabilities: [ssh]        # optional, strings
 * ```
 *
 * Every problem is collected (unknown keys, missing keys, wrong kinds, bad distances,
 * duplicate ids and edges, unknown entities) and thrown as one WorldConfigError, each with
 * its place (`edges[40].to`) and, for text, line and column.
 */

const KEYS = {
  top: ['entities', 'edges', 'agents'],
  entity: ['id', 'kind', 'state'],
  edge: ['from', 'to', 'requires', 'distance'],
  agent: ['id', 'position', 'credentials', 'capabilities'],
} as const;

export interface LoadWorldOptions {
  /** The file name for messages. */
  readonly file?: string;
  /** @internal Line and column lookup (set by parseWorld). */
  readonly locate?: Locate;
}

/** Builds a world from a parsed configuration object (see the shape above). */
export function loadWorld(config: unknown, options: LoadWorldOptions = {}): BuiltWorld {
  const builder = new WorldBuilder(options);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    builder.problem('wrong-kind', [], `expected a mapping with 'entities' (got ${describe(config)})`);
    return builder.build();
  }
  const top = config as Record<string, unknown>;
  unknownKeys(builder, top, KEYS.top, []);
  const list = (key: string, required: boolean): unknown[] => {
    const value = top[key];
    if (value === undefined) {
      if (required) builder.problem('missing-key', [key], `missing '${key}' (a list)`);
      return [];
    }
    if (!Array.isArray(value)) {
      builder.problem('wrong-kind', [key], `expected a list (got ${describe(value)})`);
      return [];
    }
    return value;
  };
  list('entities', true).forEach((entry, i) => {
    if (!isRecord(entry)) {
      builder.skipEntity();
      builder.problem('wrong-kind', ['entities', i], `expected an entity mapping (got ${describe(entry)})`);
      return;
    }
    unknownKeys(builder, entry, KEYS.entity, ['entities', i]);
    builder.addEntity(entry.id as string, entry.kind as string, entry.state as JsonValue | undefined);
  });
  list('edges', false).forEach((entry, i) => {
    if (!isRecord(entry)) {
      builder.skipEdge();
      builder.problem('wrong-kind', ['edges', i], `expected an edge mapping (got ${describe(entry)})`);
      return;
    }
    unknownKeys(builder, entry, KEYS.edge, ['edges', i]);
    builder.addEdge(entry.from as string, entry.to as string, { requires: entry.requires, distance: entry.distance } as EdgeOptions);
  });
  list('agents', false).forEach((entry, i) => {
    if (isRecord(entry)) unknownKeys(builder, entry, KEYS.agent, ['agents', i]);
    const agent = isRecord(entry) ? { ...entry, credentials: entry.credentials ?? [], capabilities: entry.capabilities ?? [] } : entry;
    builder.addAgent(agent as unknown as AgentSpec);
  });
  return builder.build();
}

export type WorldFormat = 'yaml' | 'json';

/**
 * Builds a world from YAML or JSON text. `format` defaults from the file extension (.json is
 * JSON, anything else YAML) and, without a file, from the content (a leading `{` is JSON).
 * Problems carry line and column.
 */
export function parseWorld(text: string, options: { file?: string; format?: WorldFormat } = {}): BuiltWorld {
  const file = options.file;
  const format = options.format ?? (file !== undefined ? (extname(file).toLowerCase() === '.json' ? 'json' : 'yaml') : /^\s*\{/.test(text) ? 'json' : 'yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, schema: format === 'json' ? 'json' : 'core', prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new WorldConfigError(
      doc.errors.map((error) => {
        const pos = error.linePos?.[0];
        const what = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return { kind: 'syntax' as const, file, path: '(text)', line: pos?.line, column: pos?.col, message: `not well-formed ${format === 'json' ? 'JSON' : 'YAML'}: ${what}` };
      }),
      file,
    );
  }
  const config = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  return loadWorld(config, { ...(file !== undefined ? { file } : {}), locate: (path) => locate(doc, lineCounter, path) });
}

/** Reads a world file (YAML, or JSON by its `.json` extension). */
export function loadWorldFile(path: string): BuiltWorld {
  return parseWorld(readFileSync(path, 'utf8'), { file: path });
}

/** Line and column of the value at `path`, or of the nearest ancestor that exists. */
function locate(doc: Document, lineCounter: LineCounter, path: readonly (string | number)[]): { line: number; column: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (node !== undefined && node !== null && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
      const { line, col } = lineCounter.linePos(node.range[0] as number);
      return { line, column: col };
    }
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(builder: WorldBuilder, entry: Record<string, unknown>, known: readonly string[], place: (string | number)[]): void {
  for (const key of Object.keys(entry)) {
    if (!known.includes(key)) builder.problem('unknown-key', [...place, key], `unknown key '${key}' (expected one of: ${known.join(', ')})`);
  }
}
