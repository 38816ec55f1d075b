/**
 * Why the upgrade domain stops. A refusal is a verdict on the proposal (retrying cannot change it); the activities
 * turn it into a non-retryable `UpgradeRefused` failure whose message the workflow records and shows the operator.
 */
export class UpgradeRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpgradeRefusal';
  }
}

/** A path or command outside what the upgrade domain may touch (issue 8, "Boundaries"). */
export class BoundaryError extends UpgradeRefusal {
  constructor(message: string) {
    super(message);
    this.name = 'BoundaryError';
  }
}
