// The workflows the research worker runs (and no others).
export { backtest } from './backtest';
export { analystCreditRequest, researchScan } from './research-scan';
