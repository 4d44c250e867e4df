import { invalidArgument, type FieldViolation } from '../errors.js';
import { NAMESPACE_PATTERN, NAMESPACE_RULE } from '../auth/index.js';
import { BLANK_RULE, isBlank } from '../text.js';

/** The namespace grammar lives with the tenancy rules in auth/. */
export { NAMESPACE_PATTERN, NAMESPACE_RULE };

/**
 * Collects every problem with a request before rejecting it, so a client fixes them all in
 * one round trip. Each check names the field by its path in the request.
 */
export class Validator {
  private readonly violations: FieldViolation[] = [];

  add(field: string, description: string): void {
    this.violations.push({ field, description });
  }

  /** Throws INVALID_ARGUMENT with a BadRequest listing every violation, if there are any. */
  done(): void {
    if (this.violations.length > 0) throw invalidArgument(this.violations);
  }

  /** A required text must hold something visible (see text.ts for what counts as blank). */
  required(field: string, value: string): boolean {
    if (value === '') {
      this.add(field, 'is required');
      return false;
    }
    if (isBlank(value)) {
      this.add(field, BLANK_RULE);
      return false;
    }
    return true;
  }

  utf8(field: string, value: string): boolean {
    if (!value.isWellFormed()) {
      this.add(field, 'must be valid UTF-8');
      return false;
    }
    return true;
  }

  maxBytes(field: string, value: string, max: number): boolean {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > max) {
      this.add(field, `must be at most ${max} bytes (got ${bytes})`);
      return false;
    }
    return true;
  }

  pattern(field: string, value: string, pattern: RegExp, description: string): boolean {
    if (!pattern.test(value)) {
      this.add(field, description);
      return false;
    }
    return true;
  }

  /** Characters as the API counts them: Unicode code points, not UTF-16 units or bytes. */
  maxChars(field: string, value: string, max: number): boolean {
    let chars = 0;
    for (const _ of value) chars += 1;
    if (chars > max) {
      this.add(field, `must be at most ${max} characters`);
      return false;
    }
    return true;
  }

  /**
   * Repeated fields and maps: at most `max` items, as the proto documents for each. Callers check
   * the items only within the bound, so an oversized list costs one violation, not one per item.
   */
  maxItems(field: string, count: number, max: number): boolean {
    if (count > max) {
      this.add(field, `must have at most ${max} items (got ${count})`);
      return false;
    }
    return true;
  }

  range(field: string, value: number, min: number, max: number): boolean {
    if (!Number.isFinite(value) || value < min || value > max) {
      this.add(field, `must be between ${min} and ${max} (got ${value})`);
      return false;
    }
    return true;
  }

  /** Text fields: UTF-8 (a lone surrogate means the client sent invalid bytes), then length. */
  text(field: string, value: string, maxBytes: number, { required }: { required: boolean }): void {
    if (required && !this.required(field, value)) return;
    if (this.utf8(field, value)) this.maxBytes(field, value, maxBytes);
  }
}

export const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const MEMORY_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/**
 * Keys no map of the API accepts (metadata, filter metadata, state). The generated decoders, the
 * server's and @cortex/client's, build maps as plain objects, where assigning `__proto__` sets
 * the prototype instead of adding a key: such a key would vanish. So it is refused, by the wire
 * check for maps (the decoder never sees it) and by the handlers for key lists (delete_keys).
 * `constructor` and `prototype` are ordinary own keys on those objects and are stored as given.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__']);
export const RESERVED_KEY_RULE = 'is a reserved key ("__proto__" cannot be stored)';

export const METADATA_KEY_PATTERN = /^[A-Za-z0-9._:/-]{1,128}$/;

export const AGENT_ID_RULE = 'must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit';

export function checkNamespace(v: Validator, field: string, value: string): void {
  if (v.required(field, value)) v.pattern(field, value, NAMESPACE_PATTERN, NAMESPACE_RULE);
}

export function checkAgentId(v: Validator, field: string, value: string, { required }: { required: boolean }): void {
  if (value === '') {
    if (required) v.add(field, 'is required');
    return;
  }
  v.pattern(field, value, AGENT_ID_PATTERN, AGENT_ID_RULE);
}
