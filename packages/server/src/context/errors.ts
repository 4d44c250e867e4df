import { CortexError, ErrorReason } from '../errors.js';

/**
 * A bad BuildContext/CountTokens input. Extends the server's one error type so the rpc layer maps
 * it to INVALID_ARGUMENT with a BadRequest field violation without knowing context internals.
 */
export class ContextInputError extends CortexError {
  readonly field: string;

  constructor(
    field: string,
    description: string,
    reason: ErrorReason = ErrorReason.INVALID_CONTEXT_INPUT,
    metadata?: Record<string, string>,
  ) {
    super('INVALID_ARGUMENT', `${field}: ${description}`, {
      reason,
      fieldViolations: [{ field, description }],
      ...(metadata === undefined ? {} : { metadata }),
    });
    this.name = 'ContextInputError';
    this.field = field;
  }
}

/** token_budget ≤ 0, not an integer, or not larger than reserve_tokens. */
export class InvalidBudgetError extends ContextInputError {
  constructor(field: 'tokenBudget' | 'reserveTokens', description: string) {
    super(field, description, ErrorReason.INVALID_TOKEN_BUDGET);
    this.name = 'InvalidBudgetError';
  }
}

export class UnknownModelError extends ContextInputError {
  readonly model: string;
  readonly knownModels: readonly string[];

  constructor(model: string, knownModels: readonly string[]) {
    super('model', `unknown model "${model}"; known: ${knownModels.join(', ')}`, ErrorReason.UNKNOWN_MODEL, {
      model,
      known_models: knownModels.join(','),
    });
    this.name = 'UnknownModelError';
    this.model = model;
    this.knownModels = knownModels;
  }
}

/** A tokenizer used after its registry freed the encoders: a lifecycle bug in the caller. */
export class TokenizerClosedError extends Error {
  constructor(name: string) {
    super(`tokenizer ${name} used after its registry was closed`);
    this.name = 'TokenizerClosedError';
  }
}
