// The workflows the research worker runs (and no others).
export { backtest } from './research/backtest';
export { analystCreditRequest, researchScan } from './research/research-scan';
