// The workflows the paper worker runs (and no others).
export { paperPortfolioGuardian } from './trading/portfolio-guardian';
export { paperTrade } from './trading/trade';
export { paperTradingDesk } from './trading/trading-desk';
