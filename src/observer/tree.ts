import type { ActorInspection, ActorSystem } from '../system.js';
import type { TreeLevel, TreeNodeInfo, TreeSearch } from './api.js';

/**
 * The supervision tree as the observer serves it: one walk of the live tree (through the
 * public `system.inspect`) gives every actor with its subtree counts; the result is kept for
 * `cacheMs` (default 500 ms) because the page asks often and a 31,101-actor walk is not free.
 * Levels and searches are answered from the same walk, so they agree with each other.
 */

/** Most paths a search returns (the contract says up to 100). */
export const SEARCH_LIMIT = 100;
/** Most children a level returns by default: a flat level of 30,000 actors is not a page. */
export const DEFAULT_LEVEL_LIMIT = 1000;

/**
 * The result of one walk: every live actor in pre-order (parents before children, siblings in
 * spawn order), as parallel arrays. Pre-order makes the tree implicit: the first child of
 * node i is i + 1, and each next sibling follows the previous one's subtree, so no child
 * lists are kept. Paths are made only when asked (making 31,000 of them per walk cost more
 * than the walk itself).
 */
export class TreeWalk {
  readonly names: string[] = [];
  readonly types: string[] = [];
  readonly parents: number[] = [];
  readonly mailbox: number[] = [];
  readonly restarts: number[] = [];
  readonly childCounts: number[] = [];
  readonly descendants: number[] = [];
  readonly subtreeRestarts: number[] = [];
  readonly subtreeMailbox: number[] = [];
  private pathList: string[] | null = null;
  private lowerPathList: string[] | null = null;

  /** @param takenAt Epoch ms of the walk. */
  constructor(readonly takenAt: number) {}

  /** Actors in the walk. */
  get size(): number {
    return this.names.length;
  }

  /** Indexes of the children of node `index`, in spawn order. */
  childIndexes(index: number): number[] {
    const children: number[] = [];
    let child = index + 1;
    for (let k = 0; k < this.childCounts[index]!; k++) {
      children.push(child);
      child += 1 + this.descendants[child]!;
    }
    return children;
  }

  /** The index of the actor at `path`, or undefined. */
  find(path: string): number | undefined {
    if (this.size === 0) return undefined;
    let index = 0;
    for (const segment of path.split('/')) {
      if (segment === '') continue;
      const next = this.childIndexes(index).find((child) => this.names[child] === segment);
      if (next === undefined) return undefined;
      index = next;
    }
    return index;
  }

  /** The path of node `index`. */
  pathOf(index: number): string {
    if (this.pathList !== null) return this.pathList[index]!;
    const names: string[] = [];
    for (let i = index; i > 0; i = this.parents[i]!) names.push(this.names[i]!);
    return '/' + names.reverse().join('/');
  }

  /** Every path, by index (made on first use, then kept with the walk). */
  paths(): readonly string[] {
    if (this.pathList === null) {
      const paths = new Array<string>(this.size);
      if (this.size > 0) paths[0] = '/';
      for (let i = 1; i < this.size; i++) {
        const parent = this.parents[i]!;
        paths[i] = parent === 0 ? '/' + this.names[i]! : paths[parent]! + '/' + this.names[i]!;
      }
      this.pathList = paths;
    }
    return this.pathList;
  }

  /** Every path in lower case (searches are case-insensitive; made once per walk). */
  lowerCasePaths(): readonly string[] {
    return (this.lowerPathList ??= this.paths().map((path) => path.toLowerCase()));
  }

  /** The TreeNodeInfo of node `index`, whose path is `path`. */
  info(index: number, path: string): TreeNodeInfo {
    return {
      path,
      name: this.names[index]!,
      type: this.types[index]!,
      mailbox: this.mailbox[index]!,
      restarts: this.restarts[index]!,
      children: this.childCounts[index]!,
      descendants: this.descendants[index]!,
      subtreeRestarts: this.subtreeRestarts[index]!,
      subtreeMailbox: this.subtreeMailbox[index]!,
    };
  }
}

export interface TreeIndexOptions {
  /** How long a walk is reused, in ms. Default 500. */
  readonly cacheMs?: number;
  /** The clock (tests). Default Date.now. */
  readonly now?: () => number;
}

/** Answers tree levels and searches from a cached walk of `system`. */
export class TreeIndex {
  private readonly cacheMs: number;
  private readonly now: () => number;
  private cached: TreeWalk | null = null;

  constructor(
    private readonly system: ActorSystem,
    options: TreeIndexOptions = {},
  ) {
    const cacheMs = options.cacheMs ?? 500;
    if (!(cacheMs >= 0) || !Number.isFinite(cacheMs)) throw new RangeError(`TreeIndex options.cacheMs must be a finite number >= 0 (got ${String(cacheMs)})`);
    this.cacheMs = cacheMs;
    this.now = options.now ?? Date.now;
  }

  /** The current walk: the cached one if younger than cacheMs, else a new one. */
  walk(): TreeWalk {
    const now = this.now();
    const cached = this.cached;
    if (cached !== null && now - cached.takenAt < this.cacheMs) return cached;
    const fresh = walkTree(this.system, now);
    this.cached = fresh;
    return fresh;
  }

  /**
   * The actor at `path` (default '/') and its live children (at most `limit`, spawn order),
   * each with subtree counts; undefined when no live actor is at `path`. When the level is
   * cut, `node.children` still says how many children there are.
   */
  level(path = '/', limit = DEFAULT_LEVEL_LIMIT): TreeLevel | undefined {
    if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`tree level needs an absolute path starting with '/' (got '${String(path)}')`);
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`tree level limit must be an integer >= 0 (got ${String(limit)})`);
    const walk = this.walk();
    const index = walk.find(path);
    if (index === undefined) return undefined;
    const nodePath = walk.pathOf(index);
    const prefix = nodePath === '/' ? '/' : nodePath + '/';
    const children = walk
      .childIndexes(index)
      .slice(0, limit)
      .map((child) => walk.info(child, prefix + walk.names[child]!));
    return { node: walk.info(index, nodePath), children };
  }

  /**
   * Up to SEARCH_LIMIT paths containing `query` (case-insensitive), in tree order;
   * `truncated` when more matched. An empty query matches nothing.
   */
  search(query: string): TreeSearch {
    if (typeof query !== 'string') throw new TypeError(`tree search needs a string query (got ${typeof query})`);
    const needle = query.toLowerCase();
    const paths: string[] = [];
    let truncated = false;
    if (needle.length > 0) {
      const walk = this.walk();
      const lower = walk.lowerCasePaths();
      for (let i = 0; i < lower.length; i++) {
        if (!lower[i]!.includes(needle)) continue;
        if (paths.length === SEARCH_LIMIT) {
          truncated = true;
          break;
        }
        paths.push(walk.pathOf(i));
      }
    }
    return { query, paths, truncated };
  }

  /** The mailbox depth of every live actor in the current walk (for the depth histogram). */
  mailboxDepths(): readonly number[] {
    return this.walk().mailbox;
  }
}

/**
 * One walk of the whole live tree through `system.inspect`, in pre-order; summing the lists
 * backwards then gives every subtree's counts in a single pass.
 */
export function walkTree(system: ActorSystem, takenAt = Date.now()): TreeWalk {
  const walk = new TreeWalk(takenAt);
  const root = system.inspect('/');
  if (root === undefined) return walk; // terminated system
  const { names, types, parents, mailbox, restarts, childCounts, descendants, subtreeRestarts, subtreeMailbox } = walk;
  // Pending actors and their parents' indexes, as two stacks (no object per actor).
  const views: ActorInspection[] = [root];
  const viewParents: number[] = [-1];
  while (views.length > 0) {
    const view = views.pop()!;
    const index = names.length;
    const queued = view.mailbox;
    const restarted = view.restarts;
    const childCount = view.childCount;
    names.push(view.name);
    types.push(view.type);
    parents.push(viewParents.pop()!);
    mailbox.push(queued);
    restarts.push(restarted);
    childCounts.push(childCount);
    descendants.push(0);
    subtreeRestarts.push(restarted);
    subtreeMailbox.push(queued);
    if (childCount === 0) continue;
    const children = view.children();
    // Pushed in reverse so that they are visited (and listed) in spawn order.
    for (let i = children.length - 1; i >= 0; i--) {
      views.push(children[i]!);
      viewParents.push(index);
    }
    // A child may have stopped between childCount and children(): keep the count exact.
    childCounts[index] = children.length;
  }
  for (let i = names.length - 1; i > 0; i--) {
    const parent = parents[i]!;
    descendants[parent] += 1 + descendants[i]!;
    subtreeRestarts[parent] += subtreeRestarts[i]!;
    subtreeMailbox[parent] += subtreeMailbox[i]!;
  }
  return walk;
}
