import { getMetadataStorage, type ValidatorOptions, ValidationTypes } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Metadata = ReturnType<Storage['getTargetValidationMetadatas']>[number];
type Constraint = ReturnType<Storage['getTargetValidatorConstraints']>[number];
/** A DTO class, as class-validator keys its metadata. */
type Target = Parameters<Storage['getTargetValidationMetadatas']>[0];
interface Validator {
  validate(value: unknown, args: unknown): unknown;
}

interface PropertyPlan {
  name: string;
  defined: CustomCheck[];
  conditional: Metadata[];
  custom: CustomCheck[];
  nested: Metadata[];
}

interface CustomCheck {
  metadata: Metadata;
  validators: Validator[];
}

interface ClassPlan {
  /** Every property with any metadata: what `whitelist` keeps. */
  known: Set<string>;
  properties: PropertyPlan[];
  hasMetadata: boolean;
}

/** A property `whitelist` removed: where, which, and its value (put back when the verdict is not "valid"). */
type Stripped = [Record<string, unknown>, string, unknown];

/** A class whose rules this fast check does not cover (async or promise validation): always the full validation. */
const UNSUPPORTED = Symbol('unsupported');

/**
 * Decides whether class-validator would find no error in an object, running the same rules (the constraint
 * validators registered by the DTO decorators, `@IsOptional`/`@ValidateIf` conditions, `@ValidateNested`, `each`)
 * in the same order, but without building a ValidationError per property nor regrouping the metadata per object, as
 * class-validator does on every call. That work was the largest share of the bytes the service allocated per
 * request in a heap profile under load, and the single biggest CPU cost of our own stack (BENCHMARKS.md).
 *
 * Only the verdict "valid" is final: anything else (an error, an async or unsupported rule, groups) returns false and
 * the caller runs class-validator itself, which builds the errors the client sees. Like class-validator with
 * `whitelist`, it strips the properties without metadata, so an accepted object is the same as after validation.
 */
export class ValidationVerdict {
  private readonly storage = getMetadataStorage();
  private readonly plans = new Map<Target, ClassPlan | typeof UNSUPPORTED>();

  /**
   * True when class-validator, given these options, would return no error for `object`. On false the object is left as
   * it came (the properties `whitelist` stripped are put back), for class-validator to see the same input.
   */
  accepts(object: object, options: ValidatorOptions = {}): boolean {
    if (options.groups?.length || options.always || options.strictGroups || options.forbidNonWhitelisted) {
      return false;
    }
    const stripped: Stripped[] = [];
    if (this.checkObject(object, options, stripped)) {
      return true;
    }
    for (const [owner, key, value] of stripped) {
      owner[key] = value;
    }
    return false;
  }

  private checkObject(object: object, options: ValidatorOptions, stripped: Stripped[]): boolean {
    if (typeof object.constructor !== 'function') {
      // No class to look up (a null-prototype object): class-validator's own handling decides.
      return false;
    }
    const plan = this.planFor(object.constructor);
    if (plan === UNSUPPORTED) {
      return false;
    }
    if (!plan.hasMetadata) {
      // class-validator's forbidUnknownValues (on unless set to false): an object of no known class is an error.
      return options.forbidUnknownValues === false;
    }
    if (options.whitelist) {
      const owner = object as Record<string, unknown>;
      for (const key of Object.keys(owner)) {
        if (!plan.known.has(key)) {
          stripped.push([owner, key, owner[key]]);
          delete owner[key];
        }
      }
    }
    for (const property of plan.properties) {
      const value = (object as Record<string, unknown>)[property.name];
      if (!this.checkProperty(object, value, property, options, stripped)) {
        return false;
      }
    }
    return true;
  }

  /** class-validator's performValidations, reduced to its verdict. */
  private checkProperty(
    object: object,
    value: unknown,
    property: Omit<PropertyPlan, 'name'>,
    options: ValidatorOptions,
    stripped: Stripped[],
  ): boolean {
    for (const condition of property.conditional) {
      const test = condition.constraints[0] as (object: object, value: unknown) => boolean;
      if (!test(object, value)) {
        return true;
      }
    }
    if (!this.checkCustom(object, value, property.defined)) {
      return false;
    }
    if (
      (value === undefined && options.skipUndefinedProperties) ||
      (value === null && options.skipNullProperties) ||
      ((value === null || value === undefined) && options.skipMissingProperties)
    ) {
      return true;
    }
    return (
      this.checkCustom(object, value, property.custom) && this.checkNested(value, property.nested, options, stripped)
    );
  }

  private checkCustom(object: object, value: unknown, checks: CustomCheck[]): boolean {
    for (const { metadata, validators } of checks) {
      const args = {
        targetName: (object.constructor as { name?: string } | undefined)?.name,
        property: metadata.propertyName,
        object,
        value,
        constraints: metadata.constraints,
      };
      const items = metadata.each ? arrayLike(value) : undefined;
      for (const validator of validators) {
        if (items) {
          for (const item of items) {
            if (!isTrue(validator.validate(item, args))) {
              return false;
            }
          }
        } else if (!isTrue(validator.validate(value, args))) {
          return false;
        }
      }
    }
    return true;
  }

  /** class-validator's nestedValidations: arrays item by item, objects by their own class's rules. */
  private checkNested(value: unknown, nested: Metadata[], options: ValidatorOptions, stripped: Stripped[]): boolean {
    if (value === undefined || nested.length === 0) {
      return true;
    }
    const itemRules = { defined: [], conditional: [], custom: [], nested };
    for (let i = 0; i < nested.length; i++) {
      const items = arrayLike(value);
      if (items) {
        for (const item of items) {
          if (!this.checkProperty(value as object, item, itemRules, options, stripped)) {
            return false;
          }
        }
      } else if (value instanceof Object) {
        if (!this.checkObject(value, options, stripped)) {
          return false;
        }
      } else {
        return false;
      }
    }
    return true;
  }

  private planFor(target: Target): ClassPlan | typeof UNSUPPORTED {
    let plan = this.plans.get(target);
    if (!plan) {
      plan = this.buildPlan(target);
      this.plans.set(target, plan);
    }
    return plan;
  }

  private buildPlan(target: Target): ClassPlan | typeof UNSUPPORTED {
    // The same selection as class-validator's execute() without groups: every rule of the class and its parents.
    const metadatas = this.storage.getTargetValidationMetadatas(target, undefined as unknown as string, false, false);
    const grouped = this.storage.groupByPropertyName(metadatas);
    const properties: PropertyPlan[] = [];
    for (const [name, all] of Object.entries(grouped)) {
      const rules = all.filter((m) => m.type !== ValidationTypes.IS_DEFINED && m.type !== ValidationTypes.WHITELIST);
      if (rules.some((m) => m.type === ValidationTypes.PROMISE_VALIDATION)) {
        return UNSUPPORTED;
      }
      const defined = this.customChecks(all.filter((m) => m.type === ValidationTypes.IS_DEFINED));
      const custom = this.customChecks(rules.filter((m) => m.type === ValidationTypes.CUSTOM_VALIDATION));
      if (defined === UNSUPPORTED || custom === UNSUPPORTED) {
        return UNSUPPORTED;
      }
      properties.push({
        name,
        defined,
        custom,
        conditional: rules.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION),
        nested: rules.filter((m) => m.type === ValidationTypes.NESTED_VALIDATION),
      });
    }
    return { known: new Set(Object.keys(grouped)), properties, hasMetadata: metadatas.length > 0 };
  }

  private customChecks(metadatas: Metadata[]): CustomCheck[] | typeof UNSUPPORTED {
    const checks: CustomCheck[] = [];
    for (const metadata of metadatas) {
      const constraints: Constraint[] = this.storage.getTargetValidatorConstraints(metadata.constraintCls);
      if (constraints.some((constraint) => constraint.async)) {
        return UNSUPPORTED;
      }
      checks.push({ metadata, validators: constraints.map((constraint) => constraint.instance as Validator) });
    }
    return checks;
  }
}

/** The items class-validator iterates for `each` and nested rules (arrays, sets, map values), else undefined. */
function arrayLike(value: unknown): Iterable<unknown> | undefined {
  if (Array.isArray(value) || value instanceof Set) {
    return value as Iterable<unknown>;
  }
  return value instanceof Map ? value.values() : undefined;
}

/** A sync `true`-ish verdict; a promise (an async rule) is not one, so the full validation decides. */
function isTrue(result: unknown): boolean {
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    (result as Promise<unknown>).catch(() => undefined);
    return false;
  }
  return Boolean(result);
}
