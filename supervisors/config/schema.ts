import type { Directive, MailboxOptions } from '../../src/index.js';
import type { BackoffOptions } from '../backoff.js';
import type { BreakerOptions } from '../circuit-breaker.js';
import type { RestartType, StrategyKind } from '../strategies.js';

/**
 * The format of a supervision tree file, as TypeScript types and as a JSON Schema (the
 * schema is what `validateTree` checks the shape against; the semantic rules, such as
 * known actor types, name templates and unique sibling names, are checked in validate.ts).
 *
 *   defaults:                  # optional: settings for every node of the tree (root included)
 *     strategy: { kind: one-for-one, maxRestarts: 3, withinMs: 5000 }
 *     restart: permanent
 *   root:
 *     type: orchestrator       # a registered actor type (registerTreeType / system.registerType)
 *     name: orchestrator
 *     children:
 *       - type: sector-coordinator
 *         name: sector-{i}     # {i} counts from 0; {i:1} counts from 1
 *         replicas: 100
 *         breaker: { maxFailures: 50 }
 *         defaults: { restart: transient }   # for everything below this node
 *         children: [...]
 *
 * Keys of a node: type, name (required); replicas, props, strategy, breaker, mailbox,
 * restart, shutdownMs, stashCapacity, defaults, children. A `defaults` block (at the top,
 * or on a node for the nodes below it) may hold strategy, mailbox, restart, breaker,
 * shutdownMs and stashCapacity; the nearest one wins, a node's own setting wins over all,
 * and mappings (strategy, backoff, mailbox, breaker) are merged key by key.
 */

/** A supervisor strategy as a configuration file gives it (see supervisors/strategies.ts). */
export interface StrategyConfig {
  /** Default one-for-one. */
  readonly kind?: StrategyKind;
  readonly maxRestarts?: number;
  readonly withinMs?: number;
  readonly backoff?: Partial<BackoffOptions>;
  /** Rules by error name (`error.name`), first match wins; anything else restarts. */
  readonly decider?: ReadonlyArray<{ readonly match: string; readonly directive: Directive }>;
}

/** Settings a `defaults` block passes down the tree. */
export interface TreeDefaults {
  readonly strategy?: StrategyConfig;
  readonly mailbox?: MailboxOptions;
  readonly restart?: RestartType;
  /** Breaker thresholds for the nodes below that have a `breaker` (it does not give them one). */
  readonly breaker?: Partial<BreakerOptions>;
  readonly shutdownMs?: number;
  readonly stashCapacity?: number;
}

/** One node of the tree: `replicas` actors of one type, each with the node's children. */
export interface TreeNodeConfig {
  /** A registered actor type name. */
  readonly type: string;
  /** The actor name, or a template with `{i}` (from 0) or `{i:N}` (from N) when replicated. */
  readonly name: string;
  /** How many actors this node stands for. Default 1. */
  readonly replicas?: number;
  /** Passed to the type's setup function (second argument) or constructor. */
  readonly props?: unknown;
  /** How this node supervises its children. */
  readonly strategy?: StrategyConfig;
  /** A circuit breaker guarding this node's subtree: `true` (thresholds from defaults) or thresholds. */
  readonly breaker?: boolean | Partial<BreakerOptions>;
  readonly mailbox?: MailboxOptions;
  /** OTP restart type (into `tags.restart`). Default permanent. */
  readonly restart?: RestartType;
  readonly shutdownMs?: number;
  readonly stashCapacity?: number;
  /** Defaults for the nodes below this one. */
  readonly defaults?: TreeDefaults;
  readonly children?: readonly TreeNodeConfig[];
}

/** A whole tree file. */
export interface TreeConfig {
  readonly defaults?: TreeDefaults;
  readonly root: TreeNodeConfig;
}

/** Largest mailbox capacity the kernel takes (its UNBOUNDED marker is 0x3fffffff). */
const MAX_CAPACITY = 0x3fffffff - 1;

const backoff = {
  type: 'object',
  description: 'exponential backoff between consecutive restarts of a child',
  additionalProperties: false,
  properties: {
    minMs: { type: 'number', minimum: 0, description: 'first delay in milliseconds' },
    maxMs: { type: 'number', minimum: 0, description: 'largest delay in milliseconds' },
    factor: { type: 'number', minimum: 1, description: 'growth per consecutive restart' },
    jitter: { type: 'number', minimum: 0, maximum: 1, description: 'random spread, 0..1' },
  },
} as const;

const strategy = {
  type: 'object',
  description: 'how this node supervises its children',
  additionalProperties: false,
  properties: {
    kind: { enum: ['one-for-one', 'one-for-all', 'rest-for-one'], description: 'the strategy' },
    maxRestarts: { type: 'integer', minimum: 0, description: 'restarts tolerated within withinMs' },
    withinMs: { type: 'number', exclusiveMinimum: 0, description: 'the restart intensity window in milliseconds' },
    backoff,
    decider: {
      type: 'array',
      description: 'rules by error name, first match wins',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['match', 'directive'],
        properties: {
          match: { type: 'string', minLength: 1, description: "an error name, such as 'TimeoutError'" },
          directive: { enum: ['resume', 'restart', 'stop', 'escalate'], description: 'what to do with a child that failed so' },
        },
      },
    },
  },
} as const;

const breakerProperties = {
  maxFailures: { type: 'integer', minimum: 0, description: 'failures tolerated within the window; one more opens the breaker' },
  windowMs: { type: 'number', exclusiveMinimum: 0, description: 'failure-counting window in milliseconds' },
  resetTimeoutMs: { type: 'number', exclusiveMinimum: 0, description: 'how long the breaker stays open before probing' },
  maxResetTimeoutMs: { type: 'number', exclusiveMinimum: 0, description: 'cap of the doubling reset timeout' },
  successThreshold: { type: 'integer', minimum: 1, description: 'probes handled that close the breaker' },
  probeLimit: { type: 'integer', minimum: 1, description: 'messages let through while half-open' },
} as const;

const mailbox = {
  type: 'object',
  description: 'mailbox capacity and overflow policy',
  additionalProperties: false,
  properties: {
    capacity: { type: 'integer', minimum: 1, maximum: MAX_CAPACITY, description: 'most queued messages (omit for unbounded)' },
    overflow: { enum: ['drop-newest', 'drop-oldest', 'reject'], description: 'what a full mailbox does' },
  },
} as const;

const shared = {
  strategy,
  mailbox,
  restart: { enum: ['permanent', 'transient', 'temporary'], description: 'the OTP restart type' },
  shutdownMs: { type: 'number', minimum: 0, description: 'milliseconds to wait for postStop' },
  stashCapacity: { type: 'integer', minimum: 0, description: 'most stashed messages' },
} as const;

const defaults = {
  type: 'object',
  description: 'settings inherited by the nodes below',
  additionalProperties: false,
  properties: {
    ...shared,
    breaker: { type: 'object', description: 'breaker thresholds', additionalProperties: false, properties: breakerProperties },
  },
} as const;

/**
 * The JSON Schema of a tree file (draft-07, as Ajv 8 reads by default). Editors with a YAML
 * language server can use it too.
 */
export const TREE_SCHEMA = {
  $id: 'https://actormesh.dev/schemas/tree.json',
  type: 'object',
  additionalProperties: false,
  required: ['root'],
  properties: {
    defaults: { $ref: '#/definitions/defaults' },
    root: { $ref: '#/definitions/node' },
  },
  definitions: {
    defaults,
    node: {
      type: 'object',
      description: 'a node of the tree',
      additionalProperties: false,
      required: ['type', 'name'],
      properties: {
        type: { type: 'string', minLength: 1, description: 'a registered actor type name' },
        name: { type: 'string', minLength: 1, description: 'the actor name, or a template with {i}' },
        replicas: { type: 'integer', minimum: 0, description: 'how many actors this node stands for' },
        props: { description: 'passed to the actor type' },
        ...shared,
        breaker: {
          type: ['boolean', 'object'],
          description: 'a circuit breaker for this subtree: true, or its thresholds',
          additionalProperties: false,
          properties: breakerProperties,
        },
        defaults: { $ref: '#/definitions/defaults' },
        children: { type: 'array', description: 'the child nodes', items: { $ref: '#/definitions/node' } },
      },
    },
  },
} as const;
