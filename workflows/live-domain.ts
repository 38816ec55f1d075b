// The workflows the live worker runs (and no others).
export { livePortfolioGuardian } from './trading/portfolio-guardian';
export { liveTrade } from './trading/trade';
export { liveTradingDesk } from './trading/trading-desk';
