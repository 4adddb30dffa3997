/**
 * Supervision trees from configuration: read a YAML/JSON tree file, validate it (every
 * problem, with file, path and line), and spawn it. Built on the kernel's public API and
 * the strategies and breakers of supervisors/.
 */
export { spawnTree } from './spawn.js';
export type { SpawnTreeOptions, TreeHandle } from './spawn.js';
export { analyzeTree, schemaProblems, validateTree } from './validate.js';
export type { PlanNode, TreeAnalysis, TreePlan, ValidateOptions } from './validate.js';
export { loadTreeFile, parseTree, sourceOf, formatPath } from './source.js';
export type { PathSegment, TreeFormat, TreeSource } from './source.js';
export { registerTreeType, treeTypeNames, treeTypeOf } from './registry.js';
export type { TreeType } from './registry.js';
export { retireChild } from './wrap.js';
export { parseNameTemplate } from './templates.js';
export type { NameTemplate } from './templates.js';
export { TREE_SCHEMA } from './schema.js';
export type { StrategyConfig, TreeConfig, TreeDefaults, TreeNodeConfig } from './schema.js';
export { TreeConfigError, formatProblem } from './errors.js';
export type { TreeProblem, TreeProblemKind } from './errors.js';
