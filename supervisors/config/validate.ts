import { InvalidActorNameError, validateActorName } from '../../src/index.js';
import type { MailboxOptions } from '../../src/index.js';
import { BREAKER_DEFAULTS } from '../circuit-breaker.js';
import type { BreakerOptions } from '../circuit-breaker.js';
import type { RestartType } from '../strategies.js';
import type { TreeProblem, TreeProblemKind } from './errors.js';
import { TREE_SCHEMA } from './schema.js';
import type { StrategyConfig, TreeConfig, TreeDefaults } from './schema.js';
import { formatPath, sourceOf } from './source.js';
import type { PathSegment, TreeSource } from './source.js';
import { parseNameTemplate } from './templates.js';

/**
 * validateTree: every problem of a tree configuration, before anything starts.
 *
 * Two passes, both always run so that one call reports everything:
 *   1. shape, against the JSON Schema in schema.ts (every error): unknown keys (with
 *      the closest known key), missing keys, wrong kinds of values, numbers out of range
 *      (negative, not an integer), values outside a fixed set;
 *   2. rules the schema cannot say: actor types that are not registered (the known ones
 *      listed), name templates (unknown placeholder, replicas > 1 without `{i}`), names
 *      that are not valid actor names once expanded, duplicate names among siblings after
 *      expansion, settings that conflict once defaults are applied (backoff maxMs < minMs,
 *      breaker maxResetTimeoutMs < resetTimeoutMs), and breaker layouts the breaker
 *      hierarchy cannot express.
 * Each problem names the file, the path inside it, the line and column when the source is
 * known (configs read by loadTreeFile / parseTree), and what was expected.
 * On success the same analysis yields the plan that spawnTree follows.
 */

export interface ValidateOptions {
  /** The file name for messages (default: the file the config was read from, if any). */
  readonly file?: string;
  /** Actor type names that exist (`system.registeredTypes`). Types are not checked when omitted. */
  readonly registeredTypes?: readonly string[];
  /**
   * Types whose definition the tree builder can wrap (registered with registerTreeType). A
   * node with children must be one of them; not checked when omitted.
   */
  readonly typesWithDefinitions?: readonly string[];
}

/** One node of the tree after defaults are applied and its template expanded. */
export interface PlanNode {
  /** Where the node is in the configuration: `root.children[0]`. */
  readonly configPath: string;
  /** Depth in the tree (root 0). */
  readonly depth: number;
  readonly type: string;
  /** The names of its replicas, in spawn order. */
  readonly names: readonly string[];
  readonly props: unknown;
  /** The merged strategy settings, or undefined for the type's (or the kernel's) default. */
  readonly strategy: StrategyConfig | undefined;
  readonly mailbox: MailboxOptions | undefined;
  readonly restart: RestartType;
  readonly shutdownMs: number | undefined;
  readonly stashCapacity: number | undefined;
  /** Breaker thresholds when the node has a breaker (defaults merged in). */
  readonly breaker: Partial<BreakerOptions> | undefined;
  /** 'sector' for a breaker with no breaker above it, 'cluster' for one under a sector breaker. */
  readonly breakerLevel: 'sector' | 'cluster' | undefined;
  /** For a cluster breaker: how many levels above this node the sector breaker's node is. */
  readonly breakerUp: number;
  readonly children: readonly PlanNode[];
  /** Actors one replica of this node stands for: itself and everything below. */
  readonly subtree: number;
}

export interface TreePlan {
  readonly root: PlanNode;
  /** Actors in the whole tree. */
  readonly actors: number;
  /** Breaker thresholds by level (one set per level: the breaker hierarchy takes one). */
  readonly breakerLevels: { readonly sector?: Partial<BreakerOptions>; readonly cluster?: Partial<BreakerOptions> };
}

export interface TreeAnalysis {
  readonly problems: TreeProblem[];
  /** Present when there are no problems. */
  readonly plan: TreePlan | undefined;
}

/** Every problem of `config` (empty when it can be spawned). */
export function validateTree(config: unknown, options: ValidateOptions = {}): TreeProblem[] {
  return analyzeTree(config, options).problems;
}

/** The shape check alone (pass 1: the JSON Schema), without the rules of pass 2. */
export function schemaProblems(config: unknown, options: { file?: string } = {}): TreeProblem[] {
  const source = sourceOf(config);
  const report = new Reporter(options.file ?? source?.file, source);
  schemaPass(config, report);
  return report.sorted();
}

/** The problems and, when there are none, the plan. */
export function analyzeTree(config: unknown, options: ValidateOptions = {}): TreeAnalysis {
  const source = sourceOf(config);
  const report = new Reporter(options.file ?? source?.file, source);
  schemaPass(config, report);
  const plan = rulesPass(config, options, report);
  const problems = report.sorted();
  return { problems, plan: problems.length === 0 ? plan : undefined };
}

// ---------------------------------------------------------------- reporting

class Reporter {
  private readonly problems: TreeProblem[] = [];
  /** Paths with a shape problem: the rules pass does not pile a second message on them. */
  private readonly shapeBad: string[] = [];

  constructor(
    readonly file: string | undefined,
    private readonly source: TreeSource | undefined,
  ) {}

  add(kind: TreeProblemKind, path: readonly PathSegment[], message: string, atKey = false): void {
    const pos = this.source?.locate(path, atKey);
    this.problems.push({ kind, file: this.file, path: formatPath(path), line: pos?.line, column: pos?.column, message });
  }

  shape(kind: TreeProblemKind, path: readonly PathSegment[], message: string, atKey = false): void {
    this.shapeBad.push(formatPath(path));
    this.add(kind, path, message, atKey);
  }

  /** True when `path` or anything under it had a shape problem. */
  badUnder(path: readonly PathSegment[]): boolean {
    const prefix = formatPath(path);
    return this.shapeBad.some((bad) => bad === prefix || bad.startsWith(prefix + '.') || bad.startsWith(prefix + '['));
  }

  sorted(): TreeProblem[] {
    return this.problems
      .map((problem, order) => ({ problem, order }))
      .sort((a, b) => (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity) || (a.problem.column ?? 0) - (b.problem.column ?? 0) || a.order - b.order)
      .map((entry) => entry.problem);
  }
}

// ---------------------------------------------------------------- pass 1: shape (JSON Schema)

/**
 * The subset of JSON Schema TREE_SCHEMA uses, checked by walking the schema (no code
 * generation): $ref to #/definitions, type, enum, minimum, maximum, exclusiveMinimum,
 * minLength, properties, required, additionalProperties: false, items. Ajv 8 compiles the
 * same schema in 115-145 ms on the 2-core reference machine, half of spawnTree's 300 ms
 * budget for the 30k mesh and paid by every CLI run; this walk takes well under a
 * millisecond, and test/supervisors/config.test.ts checks that it agrees with Ajv.
 */
interface Schema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly minLength?: number;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: Schema;
  readonly description?: string;
}

const ROOT_SCHEMA = TREE_SCHEMA as unknown as Schema & { readonly definitions: Readonly<Record<string, Schema>> };

function resolveRef(schema: Schema): Schema {
  if (schema.$ref === undefined) return schema;
  const name = /^#\/definitions\/(.+)$/.exec(schema.$ref)?.[1];
  const target = name === undefined ? undefined : ROOT_SCHEMA.definitions[name];
  if (target === undefined) throw new Error(`tree schema: unresolved $ref '${schema.$ref}'`);
  return target;
}

function typeMatches(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObj(value);
    case 'null':
      return value === null;
    default:
      return false;
  }
}

function schemaPass(config: unknown, report: Reporter): void {
  checkShape(config, ROOT_SCHEMA, [], report);
}

/** Checks `value` against `schema`; one problem per value at most, then its parts. */
function checkShape(value: unknown, given: Schema, path: PathSegment[], report: Reporter): void {
  const schema = resolveRef(given);
  const purpose = schema.description !== undefined ? ` (${schema.description})` : '';
  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
    if (!types.some((type) => typeMatches(value, type))) {
      const numeric = typeof value === 'number' && types.some((type) => type === 'integer' || type === 'number');
      report.shape(numeric ? 'bad-number' : 'wrong-kind', path, `expected ${describeSchema(schema)} (got ${describeValue(value)})${numeric ? '' : purpose}`);
      return;
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    const allowed = schema.enum.map(String);
    const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
    report.shape('bad-value', path, `expected one of ${allowed.join(', ')} (got ${describeValue(value)})${guess !== undefined ? `; did you mean '${guess}'?` : ''}`);
    return;
  }
  if (typeof value === 'number') {
    const low = schema.minimum !== undefined && value < schema.minimum;
    const lowExclusive = schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum;
    const high = schema.maximum !== undefined && value > schema.maximum;
    if (low || lowExclusive || high) {
      report.shape('bad-number', path, `expected ${describeSchema(schema)} (got ${describeValue(value)})`);
      return;
    }
  }
  if (typeof value === 'string' && schema.minLength !== undefined && value.length < schema.minLength) {
    report.shape('bad-value', path, `expected a non-empty string${purpose}`);
    return;
  }
  if (isObj(value)) {
    const properties = schema.properties ?? {};
    for (const key of schema.required ?? []) {
      if (value[key] === undefined) {
        const sub = properties[key];
        report.shape('missing-key', [...path, key], `missing required key '${key}'${sub?.description !== undefined ? ` (${sub.description})` : ''}`);
      }
    }
    const known = Object.keys(properties);
    for (const [key, item] of Object.entries(value)) {
      const sub = properties[key];
      if (sub !== undefined) {
        if (item !== undefined) checkShape(item, sub, [...path, key], report);
      } else if (schema.additionalProperties === false) {
        const guess = closest(key, known);
        report.shape('unknown-key', [...path, key], `unknown key '${key}'${guess !== undefined ? `; did you mean '${guess}'?` : ''} (expected one of: ${known.join(', ')})`, true);
      }
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    for (let i = 0; i < value.length; i++) checkShape(value[i], schema.items, [...path, i], report);
  }
}

const KIND_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'null',
};

/** "an integer >= 0", "a number > 0", "a list", "true or false, or a mapping (key: value)". */
function describeSchema(schema: Schema): string {
  const types = Array.isArray(schema.type) ? schema.type : schema.type !== undefined ? [schema.type] : [];
  let text = types.map((t) => KIND_WORDS[t] ?? t).join(', or ');
  const bounds: string[] = [];
  if (schema.minimum !== undefined) bounds.push(`>= ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) bounds.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) bounds.push(`<= ${schema.maximum}`);
  if (bounds.length > 0) text += ' ' + bounds.join(' and ');
  return text === '' ? 'another value' : text;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value.length > 60 ? value.slice(0, 57) + '...' : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Edit distance where two swapped neighbours count as one edit (the commonest typo). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

// ---------------------------------------------------------------- pass 2: rules

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Merges `over` onto `base`: mappings key by key (recursively), anything else replaced. */
export function mergeSettings<T>(base: T | undefined, over: T | undefined): T | undefined {
  if (over === undefined) return base;
  if (base === undefined || !isObj(base) || !isObj(over)) return over;
  const out: Obj = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = mergeSettings(out[key], value);
  return out as T;
}

/** Merges defaults blocks, keeping only well-formed parts. */
function mergeDefaults(base: TreeDefaults, over: unknown): TreeDefaults {
  if (!isObj(over)) return base;
  return mergeSettings(base as Obj, over) as TreeDefaults;
}

interface WalkState {
  readonly options: ValidateOptions;
  readonly report: Reporter;
  /** Breaker settings per level, with the path that set them first. */
  readonly levels: { sector?: { settings: Partial<BreakerOptions>; path: PathSegment[] }; cluster?: { settings: Partial<BreakerOptions>; path: PathSegment[] } };
}

function rulesPass(config: unknown, options: ValidateOptions, report: Reporter): TreePlan | undefined {
  if (!isObj(config) || !isObj(config.root)) return undefined;
  const state: WalkState = { options, report, levels: {} };
  const defaults = mergeDefaults({}, config.defaults);
  const root = walkNode(config.root, ['root'], 0, defaults, [], state);
  if (root === undefined) return undefined;
  return {
    root,
    actors: root.names.length * root.subtree,
    breakerLevels: { ...(state.levels.sector ? { sector: state.levels.sector.settings } : {}), ...(state.levels.cluster ? { cluster: state.levels.cluster.settings } : {}) },
  };
}

/** Checks one node and its children; returns its plan (undefined when it cannot be planned). */
function walkNode(node: unknown, path: PathSegment[], depth: number, inherited: TreeDefaults, breakersAbove: PathSegment[][], state: WalkState): PlanNode | undefined {
  if (!isObj(node)) return undefined;
  const { report, options } = state;
  let plannable = true;

  // type
  const type = node.type;
  if (typeof type === 'string' && type !== '' && options.registeredTypes !== undefined && !options.registeredTypes.includes(type)) {
    const guess = closest(type, options.registeredTypes);
    const known = options.registeredTypes.length > 0 ? [...options.registeredTypes].sort().join(', ') : 'none registered';
    report.add('unknown-type', [...path, 'type'], `unknown actor type '${type}'${guess !== undefined ? `; did you mean '${guess}'?` : ''} (known types: ${known})`);
    plannable = false;
  }
  if (typeof type !== 'string') plannable = false;

  // replicas and name template
  const replicasValid = node.replicas === undefined || (Number.isInteger(node.replicas) && (node.replicas as number) >= 0);
  const replicas = node.replicas === undefined ? 1 : replicasValid ? (node.replicas as number) : 1;
  if (depth === 0 && node.replicas !== undefined && replicasValid && replicas !== 1) {
    report.add('bad-number', [...path, 'replicas'], `the root is one actor: expected replicas 1 or no replicas (got ${replicas})`);
    plannable = false;
  }
  if (!replicasValid) plannable = false;
  let names: string[] = [];
  if (typeof node.name === 'string' && node.name !== '') {
    const template = parseNameTemplate(node.name);
    if ('error' in template) {
      report.add('bad-template', [...path, 'name'], template.error);
      plannable = false;
    } else if (!template.indexed && replicas > 1) {
      report.add('bad-template', [...path, 'name'], `replicas is ${replicas} but the name '${node.name}' has no {i}: all ${replicas} would get the same name (expected a template such as '${node.name}-{i}')`);
      plannable = false;
    } else {
      names = Array.from({ length: replicas }, (_, i) => template.expand(i));
      const parentPath = depth === 0 ? '/user' : formatPath(path.slice(0, -2));
      for (const name of names) {
        try {
          validateActorName(name, parentPath);
        } catch (error) {
          if (!(error instanceof InvalidActorNameError)) throw error;
          const which = template.indexed ? ` (replica ${names.indexOf(name)} of template '${node.name}')` : '';
          report.add('bad-name', [...path, 'name'], `'${name}' is not a valid actor name${which}: ${error.reason}`);
          plannable = false;
          break;
        }
      }
    }
  } else {
    plannable = false;
  }

  // settings: defaults from above, then the node's own
  const own = (key: string): unknown => (report.badUnder([...path, key]) ? undefined : node[key]);
  const strategy = mergeSettings<StrategyConfig>(inherited.strategy, own('strategy') as StrategyConfig | undefined);
  const mailbox = mergeSettings<MailboxOptions>(inherited.mailbox, own('mailbox') as MailboxOptions | undefined);
  const restart = ((own('restart') as RestartType | undefined) ?? inherited.restart ?? 'permanent') as RestartType;
  const shutdownMs = (own('shutdownMs') as number | undefined) ?? inherited.shutdownMs;
  const stashCapacity = (own('stashCapacity') as number | undefined) ?? inherited.stashCapacity;
  checkStrategy(strategy, [...path, 'strategy'], node.strategy !== undefined, report);

  // breaker
  let breaker: Partial<BreakerOptions> | undefined;
  let breakerLevel: 'sector' | 'cluster' | undefined;
  let breakerUp = 0;
  const ownBreaker = own('breaker');
  const breakerPath = [...path, 'breaker'];
  if (ownBreaker === true || isObj(ownBreaker)) {
    breaker = mergeSettings<Partial<BreakerOptions>>(inherited.breaker, ownBreaker === true ? {} : (ownBreaker as Partial<BreakerOptions>)) ?? {};
    checkBreaker(breaker, breakerPath, report);
    if (breakersAbove.length >= 2) {
      report.add(
        'breaker-layout',
        breakerPath,
        `breakers nest at most two deep (a sector breaker, then cluster breakers under it, as the breaker hierarchy has them); this one is under ${breakersAbove.map((p) => formatPath(p)).join(' and ')}`,
      );
      plannable = false;
    } else {
      breakerLevel = breakersAbove.length === 0 ? 'sector' : 'cluster';
      // Each level down adds two path segments ('children', index).
      if (breakerLevel === 'cluster') breakerUp = (path.length - breakersAbove[0]!.length) / 2;
      const level = state.levels[breakerLevel];
      if (level === undefined) state.levels[breakerLevel] = { settings: breaker, path: breakerPath };
      else {
        const difference = differingKey(level.settings, breaker);
        if (difference !== undefined) {
          report.add(
            'conflict',
            breakerPath,
            `${breakerLevel}-level breakers must share their thresholds (the breaker hierarchy takes one set per level): ${difference.key} is ${String(difference.here)} here but ${String(difference.there)} at ${formatPath(level.path)}`,
          );
          plannable = false;
        }
      }
    }
  }

  // children
  const children: PlanNode[] = [];
  const below = mergeDefaults(inherited, own('defaults'));
  const aboveForChildren = breaker !== undefined ? [...breakersAbove, breakerPath.slice(0, -1)] : breakersAbove;
  if (Array.isArray(node.children)) {
    if (node.children.length > 0 && typeof type === 'string' && options.typesWithDefinitions !== undefined && !options.typesWithDefinitions.includes(type) && options.registeredTypes?.includes(type) !== false) {
      report.add(
        'unknown-type',
        [...path, 'type'],
        `type '${type}' was registered with system.registerType only; a node with children needs its definition to spawn them (register it with registerTreeType(system, '${type}', definition))`,
      );
      plannable = false;
    }
    const taken = new Map<string, { path: PathSegment[]; template: string }>();
    node.children.forEach((child, index) => {
      const childPath: PathSegment[] = [...path, 'children', index];
      const plan = walkNode(child, childPath, depth + 1, below, aboveForChildren, state);
      if (plan === undefined) {
        plannable = false;
        return;
      }
      children.push(plan);
      let clash: { name: string; with: PathSegment[]; template: string } | undefined;
      let clashes = 0;
      for (const name of plan.names) {
        const first = taken.get(name);
        if (first !== undefined) {
          clash ??= { name, with: first.path, template: first.template };
          clashes++;
        } else {
          taken.set(name, { path: childPath, template: String((child as Obj).name) });
        }
      }
      if (clash !== undefined) {
        const more = clashes > 1 ? ` (and ${clashes - 1} more name${clashes > 2 ? 's' : ''})` : '';
        report.add('duplicate-name', [...childPath, 'name'], `name '${clash.name}' is already given to a sibling by ${formatPath(clash.with)} (name '${clash.template}')${more}; names must be unique among siblings`);
        plannable = false;
      }
    });
  }

  if (!plannable) return undefined;
  let subtree = 1;
  for (const child of children) subtree += child.names.length * child.subtree;
  return {
    configPath: formatPath(path),
    depth,
    type: type as string,
    names,
    props: node.props,
    strategy,
    mailbox,
    restart,
    shutdownMs,
    stashCapacity,
    breaker,
    breakerLevel,
    breakerUp,
    children,
    subtree,
  };
}

/** Backoff needs both bounds, and maxMs >= minMs, once defaults are merged in. */
function checkStrategy(strategy: StrategyConfig | undefined, path: PathSegment[], own: boolean, report: Reporter): void {
  const backoff = strategy?.backoff;
  if (!isObj(backoff)) return;
  const where = own ? [...path, 'backoff'] : path;
  if (backoff.minMs === undefined || backoff.maxMs === undefined) {
    const missing = backoff.minMs === undefined ? 'minMs' : 'maxMs';
    report.add('missing-key', where, `backoff needs both minMs and maxMs (after defaults); '${missing}' is missing`);
  } else if ((backoff.maxMs as number) < (backoff.minMs as number)) {
    report.add('conflict', where, `backoff maxMs must be >= minMs (got maxMs ${backoff.maxMs as number}, minMs ${backoff.minMs as number})`);
  }
}

/** maxResetTimeoutMs >= resetTimeoutMs once defaults (and the breaker's own defaults) apply. */
function checkBreaker(breaker: Partial<BreakerOptions>, path: PathSegment[], report: Reporter): void {
  const reset = breaker.resetTimeoutMs ?? BREAKER_DEFAULTS.resetTimeoutMs;
  if (breaker.maxResetTimeoutMs !== undefined && breaker.maxResetTimeoutMs < reset) {
    report.add('conflict', path, `maxResetTimeoutMs must be >= resetTimeoutMs (got maxResetTimeoutMs ${breaker.maxResetTimeoutMs}, resetTimeoutMs ${reset})`);
  }
}

/** The first threshold that differs between two breaker settings (defaults filled in). */
function differingKey(a: Partial<BreakerOptions>, b: Partial<BreakerOptions>): { key: string; here: unknown; there: unknown } | undefined {
  const fa: Obj = { ...BREAKER_DEFAULTS, ...a };
  const fb: Obj = { ...BREAKER_DEFAULTS, ...b };
  for (const key of new Set([...Object.keys(fa), ...Object.keys(fb)])) {
    if (fa[key] !== fb[key]) return { key, here: fb[key], there: fa[key] };
  }
  return undefined;
}

/** Configs built in code are typed; this makes the plain-object case explicit. */
export type { TreeConfig };
