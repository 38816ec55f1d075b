/**
 * What the self-improvement domain may be asked to do (seed, Domain 4): change a strategy's parameters, change its own
 * code, add an approved package, or ask the operator to buy API credit. A proposal is untrusted input (it may come
 * from an analysis NEMO ran itself); `parseProposal` checks its shape and names the first field that is wrong.
 * Pure: imported by the workflow, the activities and the CLI.
 */

import { DEFAULT_LIMITS } from './limits';

export const PROPOSAL_KINDS = [
  'strategy-parameters',
  'code-change',
  'package-addition',
  'api-credit-purchase',
] as const;

export type ParameterValue = number | string | boolean;

export interface StrategyParametersProposal {
  kind: 'strategy-parameters';
  /** The strategy whose parameter file `strategies/parameters/<strategy>.json` changes. */
  strategy: string;
  /** Only the parameters that change; each must already exist in the file with the same type. */
  parameters: Record<string, ParameterValue>;
  /** Why, e.g. the paper-trading record that suggested it. */
  rationale: string;
}

export interface CodeChangeProposal {
  kind: 'code-change';
  summary: string;
  /** A unified diff (`git diff` output) against the current version. */
  patch: string;
  /** The change breaks compatibility (a major version). */
  breaking?: boolean;
}

export interface PackageAdditionProposal {
  kind: 'package-addition';
  name: string;
  /** Exact version, never a range. */
  version: string;
  reason: string;
}

export interface CreditPurchaseProposal {
  kind: 'api-credit-purchase';
  provider: string;
  amountUsd: number;
  reason: string;
}

export type UpgradeProposal =
  StrategyParametersProposal | CodeChangeProposal | PackageAdditionProposal | CreditPurchaseProposal;

export class ProposalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProposalError';
  }
}

const MAX_PATCH_BYTES = 1_000_000;
const MAX_TEXT = 2000;
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
// npm's rules for a package name: optional @scope/, lowercase, URL-safe.
const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const EXACT_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

type Fields = Record<string, unknown>;

function text(fields: Fields, key: string, max = MAX_TEXT): string {
  const value = fields[key];
  if (typeof value !== 'string' || value.trim() === '') throw new ProposalError(`${key}: required, a non-empty string`);
  if (value.length > max) throw new ProposalError(`${key}: at most ${max} characters (got ${value.length})`);
  return value.trim();
}

function onlyKeys(fields: Fields, allowed: string[]): void {
  const extra = Object.keys(fields).filter((k) => !allowed.includes(k));
  if (extra.length)
    throw new ProposalError(
      `${extra[0]}: not a field of a ${String(fields.kind)} proposal (fields: ${allowed.join(', ')})`,
    );
}

function parameters(value: unknown): Record<string, ParameterValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProposalError('parameters: required, an object of name -> value');
  const entries = Object.entries(value);
  if (entries.length === 0) throw new ProposalError('parameters: name at least one parameter to change');
  for (const [name, v] of entries) {
    if (!PARAMETER_NAME.test(name))
      throw new ProposalError(`parameters.${name}: a parameter name is a letter followed by letters, digits or _`);
    if (!['number', 'string', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v))) {
      throw new ProposalError(`parameters.${name}: must be a finite number, a string or a boolean`);
    }
  }
  return Object.fromEntries(entries) as Record<string, ParameterValue>;
}

/** Checks an untrusted proposal; throws ProposalError naming the first wrong field. */
export function parseProposal(input: unknown): UpgradeProposal {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ProposalError('proposal: expected an object with a kind');
  const fields = input as Fields;
  switch (fields.kind) {
    case 'strategy-parameters': {
      onlyKeys(fields, ['kind', 'strategy', 'parameters', 'rationale']);
      const strategy = text(fields, 'strategy', 64);
      if (!NAME.test(strategy))
        throw new ProposalError(`strategy: "${strategy}" is not a strategy name (lowercase letters, digits and -)`);
      const values = parameters(fields.parameters);
      // seed: ">80% probability trades only": refused at proposal, before a worktree or a test exists.
      const floor = DEFAULT_LIMITS.minProbability;
      if (
        values.minProbability !== undefined &&
        !(typeof values.minProbability === 'number' && values.minProbability >= floor)
      ) {
        throw new ProposalError(
          `parameters.minProbability: ${values.minProbability} is below the seed's minimum probability ${floor}; no parameter file may lower it`,
        );
      }
      return { kind: 'strategy-parameters', strategy, parameters: values, rationale: text(fields, 'rationale') };
    }
    case 'code-change': {
      onlyKeys(fields, ['kind', 'summary', 'patch', 'breaking']);
      const patch = fields.patch;
      if (typeof patch !== 'string' || !/^(diff --git |--- )/m.test(patch))
        throw new ProposalError('patch: required, a unified diff (git diff output)');
      if (patch.length > MAX_PATCH_BYTES)
        throw new ProposalError(`patch: at most ${MAX_PATCH_BYTES} bytes (got ${patch.length})`);
      if (fields.breaking !== undefined && typeof fields.breaking !== 'boolean')
        throw new ProposalError('breaking: must be true or false');
      return {
        kind: 'code-change',
        summary: text(fields, 'summary', 200),
        patch,
        ...(fields.breaking ? { breaking: true } : {}),
      };
    }
    case 'package-addition': {
      onlyKeys(fields, ['kind', 'name', 'version', 'reason']);
      const name = text(fields, 'name', 214);
      if (!PACKAGE_NAME.test(name)) throw new ProposalError(`name: "${name}" is not an npm package name`);
      const version = text(fields, 'version', 64);
      if (!EXACT_VERSION.test(version))
        throw new ProposalError(`version: "${version}" is not an exact version (x.y.z); ranges are never installed`);
      return { kind: 'package-addition', name, version, reason: text(fields, 'reason') };
    }
    case 'api-credit-purchase': {
      onlyKeys(fields, ['kind', 'provider', 'amountUsd', 'reason']);
      const provider = text(fields, 'provider', 64);
      if (!NAME.test(provider))
        throw new ProposalError(`provider: "${provider}" is not a provider name (lowercase letters, digits and -)`);
      const amountUsd = fields.amountUsd;
      if (
        typeof amountUsd !== 'number' ||
        !Number.isFinite(amountUsd) ||
        amountUsd <= 0 ||
        Math.round(amountUsd * 100) !== amountUsd * 100
      ) {
        throw new ProposalError('amountUsd: a positive amount in dollars with at most two decimals');
      }
      return { kind: 'api-credit-purchase', provider, amountUsd, reason: text(fields, 'reason') };
    }
    default:
      throw new ProposalError(`kind: must be one of ${PROPOSAL_KINDS.join(', ')} (got ${JSON.stringify(fields.kind)})`);
  }
}

/** One line for the operator, the ledger and the changelog. */
export function describeProposal(p: UpgradeProposal): string {
  switch (p.kind) {
    case 'strategy-parameters':
      return `strategy ${p.strategy}: ${Object.entries(p.parameters)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')}`;
    case 'code-change':
      return p.summary;
    case 'package-addition':
      return `add package ${p.name}@${p.version}`;
    case 'api-credit-purchase':
      return `buy $${p.amountUsd.toFixed(2)} of ${p.provider} API credit`;
  }
}
