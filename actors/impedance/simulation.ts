import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import type { ClassProfile, ClassProfileOverrides, ImpedanceClass } from './classes.js';
import { impedanceClass, resolveClassProfiles } from './classes.js';
import { InvalidImpedanceOptionError } from './errors.js';
import { finiteAtLeast, positive } from './validate.js';

/**
 * A simulated agent of a given impedance class: draws how long a message takes to reach
 * it (latency) and how long it takes to process one (processing), reproducibly from a
 * seed (pure-rand xoroshiro128+; the same seed and the same calls give the same draws).
 *
 *   latency     log-uniform over the class's latency range (the ranges span up to three
 *               orders of magnitude, F_HUMAN's "seconds to hours" six)
 *   processing  part 3.1's estimate_processing_time with jitter:
 *                 base * (1 + 0.5 * payloadWeight) * (1 + 0.1 * queueDepth) * (1 +- jitter)
 *               capped at the class's processing max
 *
 * Every figure is then divided by `speedup` (1 = real time; 1000 = a thousand times
 * faster, for tests), so a drawn F_HUMAN minute becomes 60 ms of wall clock at 1000.
 */

export interface ProcessingModelOptions {
  /** Seed of the generator (an integer). */
  readonly seed: number;
  /** Divides every drawn time; > 0, default 1. */
  readonly speedup?: number;
  /** Per-class overrides of the document's figures. */
  readonly classes?: ClassProfileOverrides;
}

/** What a message looks like to the model. */
export interface DrawInput {
  /** Part 2.4's payload_weight, >= 0; default 0 (a standard payload). */
  readonly payloadWeight?: number;
  /** The agent's current backlog, >= 0; default 0. */
  readonly queueDepth?: number;
}

/** One draw, already divided by `speedup`. */
export interface Draw {
  readonly latencyMs: number;
  readonly processingMs: number;
}

export class ProcessingModel {
  readonly speedup: number;
  readonly profiles: Readonly<Record<ImpedanceClass, ClassProfile>>;
  private readonly rng: RandomGenerator;

  constructor(options: ProcessingModelOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidImpedanceOptionError('options', options, 'an object with a seed');
    if (typeof options.seed !== 'number' || !Number.isSafeInteger(options.seed)) throw new InvalidImpedanceOptionError('seed', options.seed, 'a safe integer');
    this.speedup = positive('speedup', options.speedup ?? 1);
    this.profiles = resolveClassProfiles(options.classes ?? {});
    this.rng = xoroshiro128plus(options.seed);
  }

  /** Draws a latency and a processing time for one message to an agent of class `cls`. */
  draw(cls: ImpedanceClass, input: DrawInput = {}): Draw {
    const p = this.profiles[impedanceClass(cls)];
    const weight = finiteAtLeast('payloadWeight', input.payloadWeight ?? 0, 0);
    const queue = finiteAtLeast('queueDepth', input.queueDepth ?? 0, 0);
    const { min, max } = p.latencyMs;
    const latency = min === max ? min : Math.exp(Math.log(min) + uniformFloat64(this.rng) * (Math.log(max) - Math.log(min)));
    const spread = 1 + p.jitter * (2 * uniformFloat64(this.rng) - 1);
    const processing = Math.min(p.processingMs.max, p.processingMs.base * (1 + 0.5 * weight) * (1 + 0.1 * queue) * spread);
    return { latencyMs: latency / this.speedup, processingMs: processing / this.speedup };
  }

  /** Draws whether one message succeeds, with probability `reliability` in [0, 1]. */
  succeeds(reliability: number): boolean {
    if (typeof reliability !== 'number' || !(reliability >= 0 && reliability <= 1)) throw new InvalidImpedanceOptionError('reliability', reliability, 'a number in [0, 1]');
    return uniformFloat64(this.rng) < reliability;
  }
}
