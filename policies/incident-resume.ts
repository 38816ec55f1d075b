import type { TradingStatus } from './trading-state';

/**
 * What an incident lifts once the operator approves (seed: "Await explicit approval to resume"). It lifts only what
 * incident response stopped, and never what something else still holds:
 * - HALTED by an incident: resumed, unless another open incident covers the account (its own approval lifts it);
 * - PAUSED by the daily-loss breaker of an account this incident is about: resumed (the approval is the seed's
 *   "manual review required to resume");
 * - SHUTDOWN: kept; only `nemo reset` with a reason lifts a total-loss shutdown (seed: "complete shutdown");
 * - HALTED by the operator's kill switch: kept; the operator lifts it with `nemo resume`.
 */
export interface AccountCondition {
  account: string;
  status: TradingStatus;
  /** The cause of the account's last transition (the guardian's ledger record), when known. */
  lastCause?: string;
}

export interface ResumeStep {
  account: string;
  action: 'resume' | 'keep' | 'none';
  why: string;
}

export function resumePlan(input: {
  accounts: readonly AccountCondition[];
  /** Accounts whose breaker trip this incident is about. */
  tripped: readonly string[];
  /** account -> other open incidents whose scope covers it. */
  heldByOthers: Readonly<Record<string, readonly string[]>>;
}): ResumeStep[] {
  return input.accounts.map(({ account, status, lastCause }): ResumeStep => {
    const others = input.heldByOthers[account] ?? [];
    if (status === 'SHUTDOWN')
      return {
        account,
        action: 'keep',
        why: 'SHUTDOWN (total loss): only `nemo reset --reason` lifts it after review',
      };
    if (status === 'HALTED' && lastCause !== 'incident') {
      return { account, action: 'keep', why: "HALTED by the operator's kill switch: `nemo resume --reason` lifts it" };
    }
    const ours =
      (status === 'HALTED' && lastCause === 'incident') || (status === 'PAUSED' && input.tripped.includes(account));
    if (!ours)
      return {
        account,
        action: 'none',
        why: status === 'PAUSED' ? 'PAUSED by a breaker another review covers' : `${status}: nothing to lift`,
      };
    if (others.length > 0) return { account, action: 'keep', why: `still held by open incident ${others.join(', ')}` };
    return {
      account,
      action: 'resume',
      why: status === 'PAUSED' ? 'daily-loss pause reviewed by the operator' : 'halted by incident response',
    };
  });
}
