import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage, ValidationTypes } from 'class-validator';

/**
 * class-transformer's own metadata (what `@Type` and friends registered), read the way @nestjs/mapped-types reads it.
 * `_transformMetadatas` is private: it only tells whether a class has a `@Transform`, which this instantiator leaves to
 * class-transformer.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const storage = (require('class-transformer/cjs/storage') as { defaultMetadataStorage: MetadataStorage })
  .defaultMetadataStorage;
const transformMetadatas = (storage as unknown as { _transformMetadatas?: Map<unknown, unknown> })._transformMetadatas;

type Constructor = new () => object;
type Plain = Record<string, unknown>;

/** Thrown inside a walk that meets a rule not covered here: the caller then runs class-transformer itself. */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported('a class-transformer rule this instantiator does not cover');

/** Keys Nest's ValidationPipe strips (prototype pollution) and class-transformer skips. */
const SKIPPED_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** Deeper than the body parser lets through (json-shape.ts): left to class-transformer. */
const MAX_DEPTH = 256;

/**
 * Builds what Nest's ValidationPipe builds from a parsed JSON body with class-transformer's `plainToInstance(Class,
 * body)` (DTO instances where `@Type` says so, the same keys left out), for DTOs that use nothing but `@Type`. Its cost
 * is one visit per value: class-transformer's took 5 µs per message and grew with the square of an object's keys
 * (a 100,000-key `logit_bias` held the event loop for 13 s). Anything else (`@Expose`, `@Exclude`, `@Transform`,
 * discriminators, a primitive or Map as the `@Type`) returns undefined, and the caller runs class-transformer.
 */
export class DtoInstantiator {
  private readonly supported = new Map<object, boolean>();
  private readonly arrayBounds = new Map<object, Map<string, ArrayBound>>();
  private readonly validatedKeys = new Map<object, Set<string>>();

  /**
   * `whitelist`: the validation that follows strips every property without validation metadata, so such a property
   * (an unknown field, however large) is left out here instead of being walked and then removed.
   */
  constructor(private readonly whitelist = false) {}
  /** How much the last instantiate() walked: one per value, one per KB of string. */
  private visited = 0;

  /** The instance, and how much of a body it was (what validating it will walk too), or undefined (unsupported). */
  instantiate<T extends object>(target: new () => T, plain: Plain): { entity: T; weight: number } | undefined {
    this.visited = 0;
    try {
      return { entity: this.toInstance(target, plain, 0) as T, weight: this.visited };
    } catch (error) {
      if (error === UNSUPPORTED) {
        return undefined;
      }
      throw error;
    }
  }

  private toInstance(target: Constructor, plain: Plain, depth: number): object {
    if (!this.isSupported(target)) {
      throw UNSUPPORTED;
    }
    const instance = new target() as Plain;
    for (const key of Object.keys(plain)) {
      // class-transformer leaves out a key whose name is a method of the instance (`toString`, `valueOf`...).
      if (SKIPPED_KEYS.has(key) || typeof instance[key] === 'function') {
        continue;
      }
      if (this.whitelist && !this.isValidated(target, key)) {
        continue;
      }
      const value = plain[key];
      if (Array.isArray(value) && this.overBound(target, key, plain, value)) {
        // Validation rejects it for its length whatever its items are: they are not made into instances first.
        instance[key] = value;
        continue;
      }
      const metadata = storage.findTypeMetadata(target, key);
      let type: unknown;
      if (metadata) {
        if (metadata.options?.discriminator || (Array.isArray(value) && isCollectionClass(metadata.reflectedType))) {
          throw UNSUPPORTED;
        }
        type = metadata.typeFunction({ newObject: instance, object: plain, property: key });
      }
      const converted = this.convert(value, type, depth + 1);
      if (converted !== undefined) {
        instance[key] = converted;
      }
    }
    return instance;
  }

  private convert(value: unknown, type: unknown, depth: number): unknown {
    if (depth > MAX_DEPTH) {
      throw UNSUPPORTED;
    }
    if (type === undefined) {
      return this.keep(value, depth);
    }
    this.visited++;
    if (Array.isArray(value)) {
      return value.map((item) => this.convert(item, type, depth + 1));
    }
    if (value === null || typeof value !== 'object') {
      if (!isDtoClass(type)) {
        // class-transformer converts a primitive to a String, Number, Boolean, Date or Buffer `@Type`.
        throw UNSUPPORTED;
      }
      return value;
    }
    if (!isDtoClass(type)) {
      throw UNSUPPORTED;
    }
    return this.toInstance(type, value as Plain, depth);
  }

  /**
   * A value no `@Type` describes (content parts, schemas, `logit_bias`, unknown fields) is data: kept as parsed rather
   * than copied as class-transformer does (half the allocations of a large body), with the prototype keys Nest's
   * pipe deletes deleted in place. Unlike class-transformer, a key named like an Object method (`toString`) is kept:
   * it is the client's data (a schema property, say), not a method.
   */
  private keep(value: unknown, depth: number): unknown {
    if (depth > MAX_DEPTH) {
      throw UNSUPPORTED;
    }
    if (typeof value === 'string') {
      this.visited += 1 + (value.length >> 10);
      return value;
    }
    this.visited++;
    if (Array.isArray(value)) {
      for (const item of value) {
        this.keep(item, depth + 1);
      }
    } else if (value !== null && typeof value === 'object') {
      const plain = value as Plain;
      for (const key of SKIPPED_KEYS) {
        if (Object.hasOwn(plain, key)) {
          delete plain[key];
        }
      }
      for (const key in plain) {
        this.keep(plain[key], depth + 1);
      }
    }
    return value;
  }

  private isValidated(target: Constructor, key: string): boolean {
    let keys = this.validatedKeys.get(target);
    if (!keys) {
      const metadatas = getMetadataStorage().getTargetValidationMetadatas(target, '', false, false);
      keys = new Set(metadatas.map((metadata) => metadata.propertyName));
      this.validatedKeys.set(target, keys);
    }
    return keys.has(key);
  }

  /** An array longer than its property's `@ArrayMaxSize`, on a property that is validated (its conditions hold). */
  private overBound(target: Constructor, key: string, plain: Plain, value: unknown[]): boolean {
    let bounds = this.arrayBounds.get(target);
    if (!bounds) {
      bounds = arrayBoundsOf(target);
      this.arrayBounds.set(target, bounds);
    }
    const bound = bounds.get(key);
    return bound !== undefined && value.length > bound.max && bound.conditions.every((test) => test(plain, value));
  }

  private isSupported(target: Constructor): boolean {
    let supported = this.supported.get(target);
    if (supported === undefined) {
      supported = true;
      for (let cls = target; cls && cls !== Function.prototype; cls = Object.getPrototypeOf(cls) as Constructor) {
        if (
          storage.getStrategy(cls) !== 'none' ||
          storage.getExposedMetadatas(cls).length > 0 ||
          storage.getExcludedMetadatas(cls).length > 0 ||
          transformMetadatas?.has(cls) !== false
        ) {
          supported = false;
        }
      }
      this.supported.set(target, supported);
    }
    return supported;
  }
}

const BUILT_INS = new Set<unknown>([String, Number, Boolean, Date, Buffer, Map, Set, Array, Object, Promise]);

function isDtoClass(type: unknown): type is Constructor {
  return typeof type === 'function' && !BUILT_INS.has(type);
}

/** An array is copied into an instance of its property's declared type when that is a Set or has `push`. */
function isCollectionClass(type: unknown): boolean {
  if (type === Array || typeof type !== 'function') {
    return false;
  }
  const prototype = (type as { prototype?: { push?: unknown } }).prototype;
  return type === Set || typeof prototype?.push === 'function';
}

interface ArrayBound {
  max: number;
  /** The property's `@IsOptional`/`@ValidateIf` tests: the bound applies when all hold. */
  conditions: Array<(object: object, value: unknown) => boolean>;
}

/** The `@ArrayMaxSize` of each property of a class that has one, as class-validator registered it. */
function arrayBoundsOf(target: Constructor): Map<string, ArrayBound> {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(target, '', false, false);
  const bounds = new Map<string, ArrayBound>();
  for (const metadata of metadatas) {
    if (metadata.name === 'arrayMaxSize' && !metadata.each && typeof metadata.constraints[0] === 'number') {
      const conditions = metadatas
        .filter((m) => m.propertyName === metadata.propertyName && m.type === ValidationTypes.CONDITIONAL_VALIDATION)
        .map((m) => m.constraints[0] as ArrayBound['conditions'][number]);
      bounds.set(metadata.propertyName, { max: metadata.constraints[0], conditions });
    }
  }
  return bounds;
}
