// Globals k6 provides to every script that @types/k6 does not declare:
// console (k6 logs it) and the Web Crypto subset k6 v1 exposes.
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};

declare const crypto: {
  randomUUID(): string;
};
