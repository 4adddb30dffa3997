import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { TreeConfigError } from './errors.js';
import type { TreeProblem } from './errors.js';
import type { TreeConfig } from './schema.js';

/**
 * Reading tree files. YAML and JSON both go through the `yaml` package (JSON is read with
 * its JSON schema), so both give line and column numbers. A configuration object read
 * from a file remembers its source (a WeakMap keyed by the object), so `validateTree` and
 * `spawnTree` can point at lines without being handed the file again.
 */

/** A segment of a path inside a configuration: a key or a list index. */
export type PathSegment = string | number;

/** Where a configuration object came from, and how to find a path in its text. */
export interface TreeSource {
  readonly file: string | undefined;
  /** 1-based line and column of the value at `path` (or of its key, with `key`); the nearest existing ancestor when the path does not exist. */
  locate(path: readonly PathSegment[], key?: boolean): { line: number; column: number } | undefined;
}

const sources = new WeakMap<object, TreeSource>();

/** The source of a configuration object read by `loadTreeFile` or `parseTree`, if any. */
export function sourceOf(config: unknown): TreeSource | undefined {
  return typeof config === 'object' && config !== null ? sources.get(config) : undefined;
}

/** Formats a path for messages: `root.children[2].replicas`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : '.' + segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(top)' : out;
}

export type TreeFormat = 'yaml' | 'json';

/**
 * Parses tree text. `format` defaults from the file extension (.json is JSON, anything else
 * YAML) and, without one, from the content (a leading `{` is JSON). Throws TreeConfigError
 * (kind `syntax`, with line and column) when the text is not well-formed; the shape and the
 * rules are checked later by `validateTree`.
 */
export function parseTree(text: string, options: { file?: string; format?: TreeFormat } = {}): TreeConfig {
  const file = options.file;
  const format = options.format ?? (file !== undefined && extname(file).toLowerCase() === '.json' ? 'json' : file === undefined && /^\s*\{/.test(text) ? 'json' : 'yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, schema: format === 'json' ? 'json' : 'core', prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems: TreeProblem[] = doc.errors.map((error) => {
      const pos = error.linePos?.[0];
      const what = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return { kind: 'syntax', file, path: '(text)', line: pos?.line, column: pos?.col, message: `not well-formed ${format === 'json' ? 'JSON' : 'YAML'}: ${what}` };
    });
    throw new TreeConfigError(problems, file);
  }
  const config = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    const kind = config === null || config === undefined ? 'nothing' : Array.isArray(config) ? 'a list' : `a ${typeof config}`;
    throw new TreeConfigError([{ kind: 'wrong-kind', file, path: '(top)', line: 1, column: 1, message: `expected a mapping with a 'root' key (got ${kind})` }], file);
  }
  sources.set(config, { file, locate: (path, key) => locate(doc, lineCounter, path, key === true) });
  return config as TreeConfig;
}

/**
 * Reads a tree file (YAML, or JSON by its `.json` extension or its content). Throws
 * TreeConfigError for text that is not well-formed, and the file system's error when the
 * file cannot be read.
 */
export function loadTreeFile(path: string): TreeConfig {
  const text = readFileSync(path, 'utf8');
  const format: TreeFormat | undefined = extname(path).toLowerCase() === '.json' ? 'json' : /\.ya?ml$/i.test(path) ? 'yaml' : /^\s*\{/.test(text) ? 'json' : 'yaml';
  return parseTree(text, { file: path, format });
}

/** Walks the document along `path`; the deepest node found gives the position. */
function locate(doc: Document, lines: LineCounter, path: readonly PathSegment[], wantKey: boolean): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let found: YamlNode | null = (doc.contents as YamlNode | null) ?? null;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? item.key.value === segment || String(item.key.value) === String(segment) : item.key === segment));
      if (pair === undefined) break;
      if (last && wantKey && isScalar(pair.key)) {
        found = pair.key;
        break;
      }
      node = pair.value;
      if (node !== null && typeof node === 'object') found = node as YamlNode;
      else if (isScalar(pair.key)) found = pair.key; // `key:` with no value
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      node = item;
      found = item as YamlNode;
    } else {
      break;
    }
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}
