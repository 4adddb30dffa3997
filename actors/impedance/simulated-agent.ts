import type { ClassProfile, ClassProfileOverrides, ImpedanceClass } from './classes.js';
import { impedanceClass, resolveClassProfiles } from './classes.js';
import { InvalidImpedanceOptionError } from './errors.js';
import type { Draw } from './simulation.js';
import { positive } from './validate.js';

/**
 * One simulated agent with a character of its own.
 *
 * ProcessingModel draws every message independently from the whole class range: an A_EDGE
 * message takes 5 ms, the next 20 ms. Real agents are not like that: an agent's network
 * distance and hardware are what they are, and its latency wanders around its own typical
 * figure (part 4.1 measures exactly that: a p50 per agent and its drift). Predictions from
 * an agent's profile (part 3.1) are only meaningful against such agents. So:
 *
 *   baseline latency  drawn once per agent, log-uniform over its class's latency range
 *   latency           baseline * (1 +- drift), uniform, per message
 *   processing        part 3.1's estimate with the class's jitter, as ProcessingModel:
 *                       base * (1 + 0.5 * payloadWeight) * (1 + 0.1 * queueDepth) * (1 +- jitter)
 *                     capped at the class's processing max
 *
 * `drift` is per class (DEFAULT_LATENCY_DRIFT; this module's choice, the document gives
 * none): edge and serverless agents are steady, local networks vary more, humans most.
 * Every figure is divided by `speedup`, like ProcessingModel. `draw` validates nothing: it
 * runs once per message per agent (30,000 per wave), and its inputs come from the agent.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's small fast chaotic PRNG, PractRand-clean
 * to 2^40 bytes) kept in four fields of the agent itself, seeded by splitmix32 from
 * `seed`: the wave touches 30,000 agents, and a generator object of its own per agent
 * (pure-rand's) was one more scattered object to load for every draw.
 */

/** Relative spread of an agent's latency around its own baseline, per class, in [0, 1). */
export const DEFAULT_LATENCY_DRIFT: Readonly<Record<ImpedanceClass, number>> = Object.freeze({
  A_EDGE: 0.1,
  B_SERVERLESS: 0.1,
  C_PERSISTENT: 0.15,
  D_GPU: 0.15,
  E_LOCAL: 0.25,
  F_HUMAN: 0.4,
});

export interface SimulatedAgentOptions {
  readonly cls: ImpedanceClass;
  /** Seed of this agent's generator (an integer): the same seed, the same agent. */
  readonly seed: number;
  /** Divides every figure; > 0, default 1. */
  readonly speedup?: number;
  /** Per-class overrides of the document's figures. */
  readonly classes?: ClassProfileOverrides;
  /** This agent's latency drift, in [0, 1); default DEFAULT_LATENCY_DRIFT[cls]. */
  readonly drift?: number;
}

export class SimulatedAgent {
  readonly cls: ImpedanceClass;
  readonly speedup: number;
  /** This agent's typical latency, already divided by speedup. */
  readonly baselineLatencyMs: number;
  readonly drift: number;
  private readonly profile: ClassProfile;
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The parts of the last `delay()`. */
  lastLatencyMs = 0;
  lastProcessingMs = 0;

  constructor(options: SimulatedAgentOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidImpedanceOptionError('options', options, 'an object with cls and seed');
    this.cls = impedanceClass(options.cls);
    if (typeof options.seed !== 'number' || !Number.isSafeInteger(options.seed)) throw new InvalidImpedanceOptionError('seed', options.seed, 'a safe integer');
    this.speedup = positive('speedup', options.speedup ?? 1);
    const drift = options.drift ?? DEFAULT_LATENCY_DRIFT[this.cls];
    if (typeof drift !== 'number' || !(drift >= 0 && drift < 1)) throw new InvalidImpedanceOptionError('drift', drift, 'a number in [0, 1)');
    this.drift = drift;
    this.profile = resolveClassProfiles(options.classes ?? {})[this.cls];
    // splitmix32: four well-mixed words from one seed.
    let x = options.seed | 0;
    const mix = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    const { min, max } = this.profile.latencyMs;
    const baseline = min === max ? min : Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min)));
    this.baselineLatencyMs = baseline / this.speedup;
  }

  /** Draws one message's latency and processing (wall-clock ms after speedup). */
  draw(queueDepth = 0, payloadWeight = 0): Draw {
    this.delay(queueDepth, payloadWeight);
    return { latencyMs: this.lastLatencyMs, processingMs: this.lastProcessingMs };
  }

  /**
   * `draw` without the result object: returns latency + processing and leaves the parts in
   * `lastLatencyMs` and `lastProcessingMs` (the same draws as `draw`).
   */
  delay(queueDepth = 0, payloadWeight = 0): number {
    const p = this.profile;
    const latency = this.baselineLatencyMs * (1 + this.drift * (2 * this.next() - 1));
    const spread = 1 + p.jitter * (2 * this.next() - 1);
    const processing = Math.min(p.processingMs.max, p.processingMs.base * (1 + 0.5 * payloadWeight) * (1 + 0.1 * queueDepth) * spread) / this.speedup;
    this.lastLatencyMs = latency;
    this.lastProcessingMs = processing;
    return latency + processing;
  }

  /** Draws whether one event with probability `probability` happens (from this agent's generator). */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** sfc32: the next number in [0, 1). */
  private next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
}
