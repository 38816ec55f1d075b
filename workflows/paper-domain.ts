// The workflows the paper worker runs (and no others).
export {};
