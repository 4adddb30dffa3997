import { InvalidImpedanceOptionError } from './errors.js';

/**
 * Boundary checks shared by the impedance modules. Each returns the value when it is
 * valid and throws InvalidImpedanceOptionError naming the option and the value otherwise.
 */

export function finiteAtLeast(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw new InvalidImpedanceOptionError(option, value, `a finite number >= ${min}`);
  return value;
}

export function positive(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new InvalidImpedanceOptionError(option, value, 'a finite number > 0');
  return value;
}

export function integerAtLeast(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidImpedanceOptionError(option, value, `an integer >= ${min}`);
  return value;
}

export function unitInterval(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) throw new InvalidImpedanceOptionError(option, value, 'a number in [0, 1]');
  return value;
}
