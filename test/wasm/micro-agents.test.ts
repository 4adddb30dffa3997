import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { MicroAgentDescriptor, MicroAgentExports } from '../../src/wasm/abi.js';
import { WASM_PAGE_BYTES } from '../../src/wasm/abi.js';
import { CONFLICT_AGENT, IMPEDANCE_AGENT, IMPEDANCE_RECENT_MS, MICRO_AGENTS, ROUTING_AGENT, ROUTING_SLOTS, conflictTypeCode } from '../../src/wasm/agents/index.js';
import type { AgentImpedance } from '../../actors/impedance/profiler.js';
import { routeInCluster } from '../../actors/impedance/routing.js';
import { expectedDelayMs, impedanceScore } from '../../actors/impedance/score.js';
import { CONFLICT_TYPES, classifyConflictPriority, escalationTargets } from '../../actors/protocol/conflicts.js';
import { predictionConfidence } from '../../actors/protocol/schedule.js';
import { SPIN_FIXTURE, TRAP_FIXTURE, ensureAsmBuilt, hogFixture, readAsmManifest, readAsmModule } from '../support/wasm-fixtures.js';

/**
 * Issue 8: the compiled micro-agents (dist/asm, built by asm/build.mjs) instantiated directly
 * in this thread agree bit for bit with their JavaScript twins, the twins agree with the
 * actors/ functions they stand for, the metered builds count fuel and trap when it runs out,
 * and the fixtures spin, hog and trap as documented.
 */

/** An instantiated micro-agent with Float64Array views of its input and output areas. */
interface Loaded {
  readonly exports: MicroAgentExports;
  readonly memory: WebAssembly.Memory;
  readonly input: () => Float64Array;
  readonly output: () => Float64Array;
}

/** The message of AssemblyScript's abort(msg): a UTF-16 string whose byte length sits at msg - 4. */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return '(no message)';
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0]!;
  return Buffer.from(memory.buffer, ptr, bytes).toString('utf16le');
}

function load(name: string, options: { metered?: boolean; maximumPages?: number } = {}): Loaded {
  const minPages = readAsmManifest().modules[name]!.minPages;
  const memory = new WebAssembly.Memory(options.maximumPages === undefined ? { initial: minPages } : { initial: minPages, maximum: options.maximumPages });
  const abort = (msg: number, file: number, line: number, column: number): never => {
    throw new Error(`${name} aborted: ${readAsString(memory, msg)} (${file}:${line}:${column})`);
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readAsmModule(name, options.metered)), { env: { memory, abort } });
  const exports = instance.exports as unknown as MicroAgentExports;
  // Views are made per call: memory.grow detaches the old buffer.
  return {
    exports,
    memory,
    input: () => new Float64Array(memory.buffer, exports.inputPtr(), exports.capacity() * exports.inWidth()),
    output: () => new Float64Array(memory.buffer, exports.outputPtr(), exports.capacity() * exports.outWidth()),
  };
}

/** Runs `rows` through the wasm build; returns the output values. */
function runWasm(agent: Loaded, rows: readonly (readonly number[])[]): number[] {
  const width = agent.exports.inWidth();
  const input = agent.input();
  rows.forEach((row, i) => input.set(row, i * width));
  assert.equal(agent.exports.run(rows.length), rows.length);
  return Array.from(agent.output().subarray(0, rows.length * agent.exports.outWidth()));
}

/** Runs `rows` through the JavaScript twin; returns the output values. */
function runTwin(descriptor: MicroAgentDescriptor, rows: readonly (readonly number[])[]): number[] {
  const input = new Float64Array(rows.length * descriptor.inWidth);
  rows.forEach((row, i) => input.set(row, i * descriptor.inWidth));
  const output = new Float64Array(rows.length * descriptor.outWidth);
  descriptor.js(input, output, rows.length);
  return Array.from(output);
}

/** Bit-for-bit equality (Object.is per value), naming the first difference. */
function assertSameBits(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: value ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Every column value of `descriptor` within its spec. */
function assertValidRows(descriptor: MicroAgentDescriptor, rows: readonly (readonly number[])[]): void {
  for (const row of rows) {
    assert.equal(row.length, descriptor.inWidth);
    row.forEach((v, c) => {
      const spec = descriptor.columns[c]!;
      assert.ok(v >= spec.min && v <= spec.max && (!spec.integer || Number.isInteger(v)), `${descriptor.name}: ${spec.name} = ${v} is outside its spec`);
    });
  }
}

/** A valid value of a column: anywhere in range, or one of its edges. */
function columnValue(spec: { min: number; max: number; integer?: boolean }): fc.Arbitrary<number> {
  const edges = fc.constantFrom(...new Set([spec.min, spec.max, Math.max(spec.min, Math.min(spec.max, 0))]));
  if (spec.integer) return fc.oneof(edges, fc.integer({ min: spec.min, max: Math.min(spec.max, 2 ** 31 - 1) }));
  return fc.oneof(edges, fc.double({ min: spec.min, max: spec.max, noNaN: true }), fc.integer({ min: Math.ceil(spec.min), max: Math.floor(Math.min(spec.max, 1000)) }));
}

/** Any row the descriptor's column specs accept. */
function anyValidRow(descriptor: MicroAgentDescriptor): fc.Arbitrary<number[]> {
  return fc.tuple(...descriptor.columns.map(columnValue));
}

const RUNS = 200;
const batchOf = <T>(row: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(row, { minLength: 1, maxLength: 64 });

// --- impedance --------------------------------------------------------------------------------

const impedanceRow = fc.tuple(
  fc.oneof(fc.double({ min: 0, max: 10_000, noNaN: true }), fc.integer({ min: 0, max: 3_600_000 })), // latencyMs
  fc.oneof(fc.double({ min: 0, max: 10_000, noNaN: true }), fc.integer({ min: 0, max: 3_600_000 })), // processingMs
  fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 1e6, noNaN: true })), // queueDepth
  fc.double({ min: 0, max: 1000, noNaN: true }), // latencyStdDevMs
  fc.oneof(fc.constantFrom(0, 0.0005, 0.001, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })), // reliability
  fc.oneof(fc.constantFrom(0, 1, 2.5), fc.double({ min: 0, max: 100, noNaN: true })), // payloadWeight
  fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true })), // driftCoefficient
  fc.oneof(fc.constant(-1), fc.integer({ min: IMPEDANCE_RECENT_MS - 3, max: IMPEDANCE_RECENT_MS + 3 }), fc.double({ min: 0, max: 1e9, noNaN: true })), // heartbeatAgeMs
);

/** What the actors/ functions say for one impedance row. */
function impedanceByActors(row: readonly number[]): number[] {
  const [latencyMs, processingMs, queueDepth, latencyStdDevMs, reliability, payloadWeight, driftCoefficient, heartbeatAgeMs] = row as [number, number, number, number, number, number, number, number];
  const inputs = { latencyMs, processingMs, queueDepth, latencyStdDevMs, reliability, payloadWeight };
  return [expectedDelayMs(inputs), impedanceScore(inputs), predictionConfidence({ reliability, driftCoefficient, heartbeatAgeMs: heartbeatAgeMs < 0 ? null : heartbeatAgeMs })];
}

// --- routing ----------------------------------------------------------------------------------

/** A routing row plus the agent ids its tie ranks stand for. */
interface RoutingCase {
  readonly row: number[];
  readonly ids: string[];
}

const routingCase: fc.Arbitrary<RoutingCase> = fc
  .tuple(
    fc.array(fc.record({ capable: fc.boolean(), routable: fc.boolean(), score: fc.oneof(fc.constantFrom(0, 60, 150, 1000), fc.double({ min: 0, max: 1000, noNaN: true })) }), { minLength: ROUTING_SLOTS, maxLength: ROUTING_SLOTS }),
    fc.uniqueArray(fc.integer({ min: 0, max: 29_999 }), { minLength: ROUTING_SLOTS, maxLength: ROUTING_SLOTS }),
  )
  .map(([slots, idNumbers]) => {
    // Ids sort like their numbers (zero-padded), so the tie rank is the rank of the id.
    const ids = idNumbers.map((n) => `agent-${String(n).padStart(5, '0')}`);
    const sorted = [...ids].sort();
    const row = slots.flatMap((s, i) => [s.capable ? 1 : 0, s.routable ? 1 : 0, s.score, sorted.indexOf(ids[i]!)]);
    return { row, ids };
  });

/** An AgentImpedance with plausible defaults; routing looks at id, state, capabilities, score. */
function agent(agentId: string, capable: boolean, score: number): AgentImpedance {
  return {
    agentId,
    clusterId: 'c0',
    sectorId: 's0',
    declaredClass: 'B_SERVERLESS',
    capabilities: capable ? ['summarise'] : ['translate'],
    behavesAs: 'B_SERVERLESS',
    at: 0,
    latencyP50Ms: 100,
    latencyP95Ms: 120,
    processingP50Ms: 50,
    processingP95Ms: 60,
    queueDepth: 0,
    samples: 10,
    score,
    historicalScore: null,
    reliability: 1,
    driftStdDevMs: 0,
    driftCoefficient: 0,
    operationalState: 'active',
    flags: { spike: false, degraded: false, unstable: false },
  };
}

/** What routeInCluster says for one routing case: [slot or -1, score or -1]. */
function routingByActors({ row, ids }: RoutingCase): number[] {
  const agents = ids.map((id, s) => agent(id, row[s * 4] === 1, row[s * 4 + 2]!));
  const routable = new Set(ids.filter((_, s) => row[s * 4 + 1] === 1));
  const chosen = routeInCluster(agents, 'summarise', (a) => routable.has(a.agentId));
  return chosen === null ? [-1, -1] : [agents.indexOf(chosen), chosen.score];
}

// --- conflict ---------------------------------------------------------------------------------

const conflictRow = fc.tuple(
  fc.integer({ min: 0, max: CONFLICT_TYPES.length - 1 }),
  fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(10, 10.000001, 9.999999), fc.double({ min: 0, max: 1e9, noNaN: true })),
  fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 1e9 })),
);

/** What classifyConflictPriority and escalationTargets say for one conflict row. */
function conflictByActors(row: readonly number[]): number[] {
  const priority = classifyConflictPriority({ type: CONFLICT_TYPES[row[0]!]!, divergenceDepth: row[1]!, affectsAgentCount: row[2]! });
  const targets = escalationTargets(priority);
  const escalation = targets.length === 0 ? 0 : targets.length === 1 && targets[0] === 'sector-coordinator' ? 1 : targets.join() === 'sector-coordinator,orchestrator' ? 2 : NaN;
  return [priority, escalation];
}

// ----------------------------------------------------------------------------------------------

describe('wasm micro-agents (issue 8)', function () {
  this.timeout(120_000);

  before(() => ensureAsmBuilt());

  describe('the modules and their descriptors', () => {
    it('lists impedance, routing and conflict, each matching its compiled module', () => {
      assert.deepEqual(Object.keys(MICRO_AGENTS).sort(), ['conflict', 'impedance', 'routing']);
      for (const descriptor of Object.values(MICRO_AGENTS)) {
        for (const metered of [false, true]) {
          const { exports } = load(descriptor.name, { metered });
          assert.equal(exports.inWidth(), descriptor.inWidth, `${descriptor.name} inWidth`);
          assert.equal(exports.outWidth(), descriptor.outWidth, `${descriptor.name} outWidth`);
          assert.equal(exports.capacity(), descriptor.capacity, `${descriptor.name} capacity`);
          assert.equal(exports.fuel !== undefined, metered, `${descriptor.name}: fuel exported only when metered`);
          // Both areas fit in the memory the manifest asks for, and do not overlap.
          const minBytes = readAsmManifest().modules[descriptor.name]!.minPages * WASM_PAGE_BYTES;
          const inEnd = exports.inputPtr() + descriptor.capacity * descriptor.inWidth * 8;
          const outEnd = exports.outputPtr() + descriptor.capacity * descriptor.outWidth * 8;
          assert.ok(inEnd <= minBytes && outEnd <= minBytes, `${descriptor.name}: areas end at ${inEnd}/${outEnd}, memory is ${minBytes}`);
          assert.ok(inEnd <= exports.outputPtr() || outEnd <= exports.inputPtr(), `${descriptor.name}: areas overlap`);
        }
        assert.equal(descriptor.columns.length, descriptor.inWidth);
        assert.equal(descriptor.outputs.length, descriptor.outWidth);
      }
    });

    it('aborts (does not run) a batch larger than the capacity', () => {
      const agent = load('conflict');
      assert.throws(() => agent.exports.run(CONFLICT_AGENT.capacity + 1), /conflict aborted: conflict: count out of range/);
      assert.throws(() => agent.exports.run(-1), /count out of range/);
    });
  });

  describe('impedance', () => {
    it('wasm = JS twin bit for bit, and the twin = expectedDelayMs / impedanceScore / predictionConfidence', () => {
      const wasm = load('impedance');
      fc.assert(
        fc.property(batchOf(impedanceRow), (rows) => {
          assertValidRows(IMPEDANCE_AGENT, rows);
          const twin = runTwin(IMPEDANCE_AGENT, rows);
          assertSameBits(runWasm(wasm, rows), twin, 'impedance wasm vs twin');
          assertSameBits(twin, rows.flatMap(impedanceByActors), 'impedance twin vs actors/');
        }),
        { numRuns: RUNS },
      );
    });

    it('wasm = JS twin on any rows the column specs accept, up to a full batch', () => {
      const wasm = load('impedance');
      fc.assert(
        fc.property(fc.array(anyValidRow(IMPEDANCE_AGENT), { minLength: 1, maxLength: 64 }), (rows) => {
          assertSameBits(runWasm(wasm, rows), runTwin(IMPEDANCE_AGENT, rows), 'impedance wasm vs twin');
        }),
        { numRuns: RUNS },
      );
      const full = fc.sample(impedanceRow, { numRuns: IMPEDANCE_AGENT.capacity, seed: 8 });
      assertSameBits(runWasm(wasm, full), runTwin(IMPEDANCE_AGENT, full), 'impedance full batch');
    });
  });

  describe('routing', () => {
    it('wasm = JS twin bit for bit, and the twin = routeInCluster (lowest score, ties by agentId)', () => {
      const wasm = load('routing');
      fc.assert(
        fc.property(batchOf(routingCase), (cases) => {
          const rows = cases.map((c) => c.row);
          assertValidRows(ROUTING_AGENT, rows);
          const twin = runTwin(ROUTING_AGENT, rows);
          assertSameBits(runWasm(wasm, rows), twin, 'routing wasm vs twin');
          assertSameBits(twin, cases.flatMap(routingByActors), 'routing twin vs actors/');
        }),
        { numRuns: RUNS },
      );
    });

    it('wasm = JS twin on any rows the column specs accept (equal tie ranks included), up to a full batch', () => {
      const wasm = load('routing');
      fc.assert(
        fc.property(fc.array(anyValidRow(ROUTING_AGENT), { minLength: 1, maxLength: 64 }), (rows) => {
          assertSameBits(runWasm(wasm, rows), runTwin(ROUTING_AGENT, rows), 'routing wasm vs twin');
        }),
        { numRuns: RUNS },
      );
      const full = fc.sample(routingCase, { numRuns: ROUTING_AGENT.capacity, seed: 8 }).map((c) => c.row);
      assertSameBits(runWasm(wasm, full), runTwin(ROUTING_AGENT, full), 'routing full batch');
    });

    it('answers -1, -1 when no candidate is both capable and routable', () => {
      const row = Array.from({ length: ROUTING_SLOTS }, (_, s) => [s % 2, (s + 1) % 2, 10, s]).flat();
      assert.deepEqual(runWasm(load('routing'), [row]), [-1, -1]);
      assert.deepEqual(runTwin(ROUTING_AGENT, [row]), [-1, -1]);
    });
  });

  describe('conflict', () => {
    it('wasm = JS twin bit for bit, and the twin = classifyConflictPriority + escalationTargets', () => {
      const wasm = load('conflict');
      fc.assert(
        fc.property(batchOf(conflictRow), (rows) => {
          assertValidRows(CONFLICT_AGENT, rows);
          const twin = runTwin(CONFLICT_AGENT, rows);
          assertSameBits(runWasm(wasm, rows), twin, 'conflict wasm vs twin');
          assertSameBits(twin, rows.flatMap(conflictByActors), 'conflict twin vs actors/');
        }),
        { numRuns: RUNS },
      );
    });

    it('numbers the types as CONFLICT_TYPES does, and every type has a row', () => {
      CONFLICT_TYPES.forEach((type, i) => assert.equal(conflictTypeCode(type), i));
      const rows = CONFLICT_TYPES.map((type) => [conflictTypeCode(type), 11, 101]);
      assert.deepEqual(runWasm(load('conflict'), rows), [3, 1, 3, 1, 4, 2, 1, 0, 4, 2, 2, 0]);
    });
  });

  describe('the metered builds', () => {
    const cases: readonly [MicroAgentDescriptor, fc.Arbitrary<number[]>][] = [
      [IMPEDANCE_AGENT, impedanceRow],
      [ROUTING_AGENT, routingCase.map((c) => c.row)],
      [CONFLICT_AGENT, conflictRow],
    ];
    for (const [descriptor, row] of cases) {
      it(`${descriptor.name}: same outputs with enough fuel, an exact cost, a trap with fuel < 0 below it`, () => {
        const plain = load(descriptor.name);
        const metered = load(descriptor.name, { metered: true });
        const fuel = metered.exports.fuel!;
        // Views first: every export, the getters too, costs fuel in the metered build.
        const input = metered.input();
        const output = metered.output();
        const runMetered = (rows: readonly number[][], budget: bigint): { outputs: number[]; left: bigint } => {
          rows.forEach((r, i) => input.set(r, i * descriptor.inWidth));
          fuel.value = budget;
          assert.equal(metered.exports.run(rows.length), rows.length);
          const left = fuel.value as bigint;
          return { outputs: Array.from(output.subarray(0, rows.length * descriptor.outWidth)), left };
        };
        fc.assert(
          fc.property(fc.array(row, { minLength: 1, maxLength: 32 }), (rows) => {
            const full = runMetered(rows, 1_000_000n);
            assertSameBits(full.outputs, runWasm(plain, rows), `${descriptor.name} metered vs plain`);
            const cost = 1_000_000n - full.left;
            assert.ok(cost >= BigInt(rows.length), `${descriptor.name}: ${rows.length} rows cost only ${cost} fuel`);
            // Exactly `cost` is enough and leaves 0; one less traps with the counter at -1.
            const exact = runMetered(rows, cost);
            assertSameBits(exact.outputs, full.outputs, `${descriptor.name} with exact fuel`);
            assert.equal(exact.left, 0n);
            assert.throws(() => runMetered(rows, cost - 1n), WebAssembly.RuntimeError);
            assert.equal(fuel.value, -1n);
          }),
          { numRuns: 50 },
        );
      });
    }
  });

  describe('the fixtures', () => {
    it('spin doubles, and with input 1 loops until the metered build runs out of fuel', () => {
      const plain = load('spin');
      const metered = load('spin', { metered: true });
      const rows = [[3], [-2.5], [0]];
      assert.deepEqual(runWasm(plain, rows), [6, -5, 0]);
      assert.deepEqual(runTwin(SPIN_FIXTURE, rows), [6, -5, 0]);
      metered.exports.fuel!.value = 100_000n;
      assert.deepEqual(runWasm(metered, rows), [6, -5, 0]);
      metered.exports.fuel!.value = 100_000n;
      metered.input().set([2, 1]);
      assert.throws(() => metered.exports.run(2), WebAssembly.RuntimeError);
      assert.ok((metered.exports.fuel!.value as bigint) < 0n);
      assert.throws(() => runTwin(SPIN_FIXTURE, [[2], [1]]), RangeError);
    });

    it('hog grows its memory by its input and aborts with "memory" past the Memory maximum', () => {
      const minPages = readAsmManifest().modules.hog!.minPages;
      const hog = load('hog', { maximumPages: minPages + 4 });
      const twin = hogFixture(minPages + 4);
      assert.deepEqual(runWasm(hog, [[1], [2]]), [minPages + 1, minPages + 3]);
      assert.deepEqual(runTwin(twin, [[1], [2]]), [minPages + 1, minPages + 3]);
      assert.equal(hog.memory.buffer.byteLength, (minPages + 3) * WASM_PAGE_BYTES);
      hog.input().set([2]);
      assert.throws(() => hog.exports.run(1), /hog aborted: .*memory/);
      assert.throws(() => runTwin(twin, [[2]]), (e: unknown) => e instanceof RangeError && /memory/.test(e.message));
      assert.equal(hog.memory.buffer.byteLength, (minPages + 3) * WASM_PAGE_BYTES, 'a failed growth leaves the memory as it was');
    });

    it('trap adds one, and traps on input 1', () => {
      for (const metered of [false, true]) {
        const trap = load('trap', { metered });
        if (metered) trap.exports.fuel!.value = 100_000n;
        assert.deepEqual(runWasm(trap, [[41], [-1]]), [42, 0]);
        trap.input().set([5, 1]);
        assert.throws(() => trap.exports.run(2), WebAssembly.RuntimeError);
      }
      assert.deepEqual(runTwin(TRAP_FIXTURE, [[41], [-1]]), [42, 0]);
      assert.throws(() => runTwin(TRAP_FIXTURE, [[5], [1]]), /trap: row 1/);
    });
  });
});
