// The workflows the upgrade worker runs (and no others).
export { selfUpgrade } from './upgrade/self-upgrade';
export { releaseCanary } from './upgrade/upgrade-canary';
