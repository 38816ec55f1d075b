// The workflows the upgrade worker runs (and no others).
export { selfUpgrade } from './self-upgrade';
export { releaseCanary } from './upgrade-canary';
