// The workflows the upgrade worker runs (and no others).
export {};
