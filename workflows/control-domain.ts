// The workflows the control worker runs (and no others).
export { heartbeat } from './heartbeat';
export { healthCheck } from './health-check';
