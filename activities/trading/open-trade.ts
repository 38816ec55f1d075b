import type { TradingDomain } from '../../policies/limits';
import type { Venue } from '../../policies/orders';
import { awaitsLiveApproval } from '../../policies/trade-validation';
import type { PlaceOrderActivityRequest } from '../venues/venue-activities';
import type { VenueOrder } from '../venues/venue-port';
import type { TradeReservation, TradeReservationRequest, TradingActivities } from './trading-activities';

/** A trade's opening: what its guardian is asked, and the order placed once the guardian reserved for it. */
export interface OpeningRequest extends TradeReservationRequest {
  placement: PlaceOrderActivityRequest;
}

export interface Opening {
  reservation: TradeReservation;
  /** Absent when the strategy's first live trade must wait for the operator's approval: nothing was placed. */
  placed?: VenueOrder;
}

/**
 * A trade's opening as one activity, for trades nobody has to be asked about first: the guardian's reservation (every
 * check, once), then the order under its deterministic client order id. One hop to the venue instead of two
 * (bench/trade-path.ts). A retry repeats nothing: the reservation is idempotent (on its update id, and on its id after
 * the guardian continued as new), and an attempt after the first finds the order the venue already holds. A refusal
 * fails it as `TradeRefused` before anything is placed. It carries its domain's order capability (placeLiveOrder's or
 * placePaperOrder's): it places the order the guardian decided in the same step.
 */
export function openTrade(
  domain: TradingDomain,
  reserveForTrade: TradingActivities['reserveForTrade'],
  placeOrder: (request: PlaceOrderActivityRequest) => Promise<VenueOrder>,
): (venue: Venue, request: OpeningRequest) => Promise<Opening> {
  return async (venue, { placement, ...asked }) => {
    const reservation = await reserveForTrade(venue, asked);
    if (awaitsLiveApproval(domain, reservation.liveApproval)) return { reservation };
    return { reservation, placed: await placeOrder(placement) };
  };
}

/** The opening activity each trading domain registers, for workflows' `import type`. */
export interface OpeningActivities {
  openLiveTrade: ReturnType<typeof openTrade>;
  openPaperTrade: ReturnType<typeof openTrade>;
}
