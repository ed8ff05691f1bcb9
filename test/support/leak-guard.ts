// Placeholder: replaced by the run-wide private key leak check.
export {};
