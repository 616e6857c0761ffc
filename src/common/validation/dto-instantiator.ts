import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';

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
 * Builds what class-transformer's `plainToInstance(Class, body)` builds from a parsed JSON body (DTO instances where
 * `@Type` says so, copies of everything else, the same keys skipped), for DTOs that use nothing but `@Type`. Its cost
 * is one visit per value: class-transformer's took 5 µs per message and grew with the square of an object's keys
 * (a 100,000-key `logit_bias` held the event loop for 13 s). Anything else (`@Expose`, `@Exclude`, `@Transform`,
 * discriminators, a primitive or Map as the `@Type`) returns undefined, and the caller runs class-transformer.
 */
export class DtoInstantiator {
  private readonly supported = new Map<object, boolean>();

  instantiate<T extends object>(target: new () => T, plain: Plain): T | undefined {
    try {
      return this.toInstance(target, plain, 0) as T;
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
      const value = plain[key];
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
    if (Array.isArray(value)) {
      return value.map((item) => this.convert(item, type, depth + 1));
    }
    if (value === null || typeof value !== 'object') {
      if (type !== undefined && !isDtoClass(type)) {
        // class-transformer converts a primitive to a String, Number, Boolean, Date or Buffer `@Type`.
        throw UNSUPPORTED;
      }
      return value;
    }
    if (type === undefined) {
      return this.copy(value as Plain, depth);
    }
    if (!isDtoClass(type)) {
      throw UNSUPPORTED;
    }
    return this.toInstance(type, value as Plain, depth);
  }

  private copy(plain: Plain, depth: number): Plain {
    const copy: Plain = {};
    for (const key of Object.keys(plain)) {
      if (SKIPPED_KEYS.has(key) || typeof copy[key] === 'function') {
        continue;
      }
      const converted = this.convert(plain[key], undefined, depth + 1);
      if (converted !== undefined) {
        copy[key] = converted;
      }
    }
    return copy;
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
