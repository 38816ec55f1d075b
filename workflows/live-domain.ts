// The workflows the live worker runs (and no others).
export {};
