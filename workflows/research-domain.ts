// The workflows the research worker runs (and no others).
export { backtest } from './backtest';
