// The workflows the paper worker runs (and no others).
export { paperPortfolioGuardian } from './portfolio-guardian';
export { paperTrade } from './trade';
export { paperTradingDesk } from './trading-desk';
