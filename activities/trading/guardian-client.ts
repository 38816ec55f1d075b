import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { TradingDomain } from '../../policies/limits';
import type { Venue } from '../../policies/orders';
import {
  commitFillUpdate,
  confirmReservationUpdate,
  guardianStatusQuery,
  guardianWorkflowId,
  refusedChecks,
  releaseReservationUpdate,
  reserveExposureUpdate,
  TRADE_REFUSED,
  type ConfirmRequest,
  type FillReport,
  type GuardianStatus,
  type Reserved,
  type ReserveRequest,
} from '../../contracts/guardian';

/**
 * A trade reaches its domain's portfolio guardian through these activities (a workflow cannot send another workflow
 * an update). Each update carries an id derived from the order, so a retried activity gets the guardian's first
 * answer instead of reserving or committing twice.
 */
export function createGuardianClientActivities(temporal: Client, domain: TradingDomain) {
  const guardian = (venue: Venue) => temporal.workflow.getHandle(guardianWorkflowId(domain, venue));

  async function update<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const message = err.cause?.message ?? err.message;
        const failures = refusedChecks(err.cause);
        // A refusal is the guardian's verdict on this trade: retrying cannot change it.
        if (failures) throw ApplicationFailure.nonRetryable(message, TRADE_REFUSED, failures);
        throw ApplicationFailure.nonRetryable(message, 'GuardianUpdateFailed');
      }
      throw err;
    }
  }

  return {
    /** The reservation (reserveForTrade runs it after reading the evidence). */
    async reserveAtGuardian(venue: Venue, request: ReserveRequest): Promise<Reserved> {
      return update(() =>
        guardian(venue).executeUpdate(reserveExposureUpdate, {
          args: [request],
          updateId: `reserve:${request.proposal.clientOrderId}`,
        }),
      );
    },

    /** capability 'guardian.update': after an operator's wait, the reservation still stands (or TradeRefused). */
    async confirmAtGuardian(venue: Venue, request: ConfirmRequest): Promise<void> {
      return update(() =>
        guardian(venue).executeUpdate(confirmReservationUpdate, {
          args: [request],
          updateId: `confirm:${request.reservationId}`,
        }),
      );
    },

    /** What filled, committed (settleTrade runs it after the ledger write). */
    async commitFillAtGuardian(
      venue: Venue,
      fill: FillReport,
    ): Promise<{ committedCents: number; releasedCents: number }> {
      return update(() =>
        guardian(venue).executeUpdate(commitFillUpdate, { args: [fill], updateId: `commit:${fill.orderId}` }),
      );
    },

    /** capability 'guardian.update' */
    async releaseAtGuardian(venue: Venue, reservationId: string): Promise<{ releasedCents: number }> {
      return update(() =>
        guardian(venue).executeUpdate(releaseReservationUpdate, {
          args: [reservationId],
          updateId: `release:${reservationId}`,
        }),
      );
    },

    /** capability 'guardian.update': the account as its guardian sees it (for validation before asking the operator). */
    async guardianSnapshot(venue: Venue): Promise<GuardianStatus> {
      return guardian(venue).query(guardianStatusQuery);
    },
  };
}

export type GuardianClientActivities = ReturnType<typeof createGuardianClientActivities>;
