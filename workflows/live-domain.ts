// The workflows the live worker runs (and no others).
export { livePortfolioGuardian } from './portfolio-guardian';
export { liveTrade } from './trade';
export { liveTradingDesk } from './trading-desk';
