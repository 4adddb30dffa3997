import { InvalidActorNameError } from './errors.js';

/**
 * Actor names: one path segment. Allowed: letters, digits and `-_.~:@+=`; at most 255
 * characters; a leading `$` is reserved for the names the runtime makes up itself.
 */
const VALID_NAME = /^[A-Za-z0-9\-_.~:@+=][A-Za-z0-9\-_.~:@+=$]*$/;
const MAX_NAME_LENGTH = 255;

/** True when `name` is a valid actor name (the fast check; `validateActorName` says why not). */
export function isValidActorName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && VALID_NAME.test(name);
}

/** Throws InvalidActorNameError saying which rule `name` breaks, under `parentPath`. */
export function validateActorName(name: unknown, parentPath: string): asserts name is string {
  if (typeof name !== 'string') {
    throw new InvalidActorNameError(String(name), parentPath, `a name must be a string (got ${typeof name})`);
  }
  if (VALID_NAME.test(name) && name.length <= MAX_NAME_LENGTH) return;
  if (name.length === 0) throw new InvalidActorNameError(name, parentPath, 'a name must not be empty');
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidActorNameError(name.slice(0, 40) + '...', parentPath, `a name has at most ${MAX_NAME_LENGTH} characters (got ${name.length})`);
  }
  if (name.startsWith('$')) throw new InvalidActorNameError(name, parentPath, "names starting with '$' are reserved for generated names");
  const bad = [...name].find((c) => !/[A-Za-z0-9\-_.~:@+=$]/.test(c));
  throw new InvalidActorNameError(name, parentPath, `character '${bad}' is not allowed (use letters, digits and -_.~:@+=)`);
}

/** The first generated names, made once: most parents have few unnamed children (skynet: 10 each). */
const COMMON_NAMES: readonly string[] = Array.from({ length: 256 }, (_, i) => '$' + i.toString(36));

/** A generated sibling name: `$` and a counter in base 36. Counters never repeat, unlike random ids. */
export function generatedName(counter: number): string {
  return counter < COMMON_NAMES.length ? COMMON_NAMES[counter]! : '$' + counter.toString(36);
}

/** Joins a parent path and a child name. */
export function childPath(parentPath: string, name: string): string {
  return parentPath === '/' ? '/' + name : parentPath + '/' + name;
}
