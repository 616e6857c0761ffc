import {
  getMetadataStorage,
  type ValidationArguments,
  type ValidationError,
  type ValidatorOptions,
  ValidationTypes,
} from 'class-validator';
import { message, newError, templated } from './class-validator-errors';

type Storage = ReturnType<typeof getMetadataStorage>;
type Metadata = ReturnType<Storage['getTargetValidationMetadatas']>[number];
type Constraint = ReturnType<Storage['getTargetValidatorConstraints']>[number];
/** A DTO class, as class-validator keys its metadata. */
type Target = Parameters<Storage['getTargetValidationMetadatas']>[0];
interface Validator {
  validate(value: unknown, args: unknown): unknown;
  defaultMessage?(args: ValidationArguments): string;
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
  constraints: Constraint[];
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

/** A verdict left to class-validator (a rule or an object this check does not cover). */
const UNSURE = Symbol('unsure');

/** What a check finds: nothing wrong (undefined), the error class-validator would report first, or UNSURE. */
type Finding = ValidationError | typeof UNSURE | undefined;

/**
 * Decides what class-validator would find in an object, running the same rules (the constraint validators registered
 * by the DTO decorators, `@IsOptional`/`@ValidateIf` conditions, `@ValidateNested`, `each`) in the same order, but
 * without building a ValidationError per property nor regrouping the metadata per object, as class-validator does on
 * every call. That work was the largest share of the bytes the service allocated per request in a heap profile under
 * load, and on an invalid body class-validator's cost grew with every message (BENCHMARKS.md, docs/limits.md).
 *
 * It stops at the first error and builds that one as class-validator builds it (same path, constraint name and
 * message), which is all the client hears of with `stopAtFirstError` (validation-options.ts). What it does not cover
 * (async rules, groups, an object of no known class) is UNSURE, and the caller runs class-validator itself. Like
 * class-validator with `whitelist`, it strips the properties without metadata, so an accepted object is the same as
 * after validation.
 */
export class ValidationVerdict {
  private readonly storage = getMetadataStorage();
  private readonly plans = new Map<Target, ClassPlan | typeof UNSUPPORTED>();

  /** True when class-validator, given these options, would return no error for `object`. */
  accepts(object: object, options: ValidatorOptions = {}): boolean {
    return this.check(object, options)?.length === 0;
  }

  /**
   * The errors class-validator would return, reduced to the first one (`[]` when there is none), or undefined when
   * class-validator must decide. Unless the object is accepted, it is left as it came (the properties `whitelist`
   * stripped are put back).
   */
  check(object: object, options: ValidatorOptions = {}): ValidationError[] | undefined {
    if (options.groups?.length || options.always || options.strictGroups || options.forbidNonWhitelisted) {
      return undefined;
    }
    const stripped: Stripped[] = [];
    const finding = this.checkObject(object, options, stripped);
    if (finding === undefined) {
      return [];
    }
    for (const [owner, key, value] of stripped) {
      owner[key] = value;
    }
    return finding === UNSURE ? undefined : [finding];
  }

  private checkObject(object: object, options: ValidatorOptions, stripped: Stripped[]): Finding {
    if (typeof object.constructor !== 'function') {
      // No class to look up (a null-prototype object): class-validator's own handling decides.
      return UNSURE;
    }
    const plan = this.planFor(object.constructor);
    if (plan === UNSUPPORTED) {
      return UNSURE;
    }
    if (!plan.hasMetadata) {
      // class-validator's forbidUnknownValues (on unless set to false): an object of no known class is an error.
      return options.forbidUnknownValues === false ? undefined : UNSURE;
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
      const finding = this.checkProperty(object, value, property, options, stripped);
      if (finding !== undefined) {
        return finding;
      }
    }
    return undefined;
  }

  /** class-validator's performValidations, reduced to its first error. */
  private checkProperty(
    object: object,
    value: unknown,
    property: PropertyPlan,
    options: ValidatorOptions,
    stripped: Stripped[],
  ): Finding {
    for (const condition of property.conditional) {
      const test = condition.constraints[0] as (object: object, value: unknown) => boolean;
      if (!test(object, value)) {
        return undefined;
      }
    }
    const definedFinding = this.checkCustom(object, value, property, property.defined, options);
    if (definedFinding !== undefined) {
      return definedFinding;
    }
    if (
      (value === undefined && options.skipUndefinedProperties) ||
      (value === null && options.skipNullProperties) ||
      ((value === null || value === undefined) && options.skipMissingProperties)
    ) {
      return undefined;
    }
    return (
      this.checkCustom(object, value, property, property.custom, options) ??
      this.checkNested(object, value, property, options, stripped)
    );
  }

  private checkCustom(
    object: object,
    value: unknown,
    property: PropertyPlan,
    checks: CustomCheck[],
    options: ValidatorOptions,
  ): Finding {
    for (const { metadata, constraints } of checks) {
      const args: ValidationArguments = {
        targetName: (object.constructor as { name?: string } | undefined)?.name as string,
        property: metadata.propertyName,
        object,
        value,
        constraints: metadata.constraints,
      };
      const items = metadata.each ? arrayLike(value) : undefined;
      for (const constraint of constraints) {
        const validator = constraint.instance as Validator;
        let verdict: boolean | typeof UNSURE = true;
        if (items) {
          for (const item of items) {
            verdict = isTrue(validator.validate(item, args));
            if (verdict !== true) {
              break;
            }
          }
        } else {
          verdict = isTrue(validator.validate(value, args));
        }
        if (verdict === UNSURE) {
          return UNSURE;
        }
        if (!verdict) {
          const error = newError(object, value, property.name, options);
          error.constraints = { [constraint.name || metadata.type]: message(metadata, validator, args, options) };
          return error;
        }
      }
    }
    return undefined;
  }

  /** class-validator's nestedValidations: arrays item by item, objects by their own class's rules. */
  private checkNested(
    object: object,
    value: unknown,
    property: PropertyPlan,
    options: ValidatorOptions,
    stripped: Stripped[],
  ): Finding {
    const nested = property.nested;
    if (value === undefined || nested.length === 0) {
      return undefined;
    }
    for (const metadata of nested) {
      const items = arrayLike(value);
      let child: Finding;
      if (items) {
        let index = 0;
        for (const item of items) {
          const itemRules = { name: String(index++), defined: [], conditional: [], custom: [], nested };
          child = this.checkProperty(value as object, item, itemRules, options, stripped);
          if (child !== undefined) {
            break;
          }
        }
      } else if (value instanceof Object) {
        child = this.checkObject(value, options, stripped);
      } else {
        // class-validator builds this one with the class as the object: its target name is "Function".
        const error = newError(object, value, property.name, options);
        const args: ValidationArguments = {
          targetName: 'Function',
          property: metadata.propertyName,
          object: metadata.target as object,
          value,
          constraints: metadata.constraints,
        };
        error.constraints = { [metadata.type]: templated(metadata.message, args) };
        return error;
      }
      if (child === UNSURE) {
        return UNSURE;
      }
      if (child !== undefined) {
        const error = newError(object, value, property.name, options);
        delete error.constraints;
        error.children = [child];
        return error;
      }
    }
    return undefined;
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
      checks.push({ metadata, constraints });
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

/** A sync verdict; a promise (an async rule) is UNSURE, so the full validation decides. */
function isTrue(result: unknown): boolean | typeof UNSURE {
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    (result as Promise<unknown>).catch(() => undefined);
    return UNSURE;
  }
  return Boolean(result);
}
