#!/usr/bin/env node
// The `stowage` command.
import { redactSecrets } from "@stowage/core";
import { main } from "./index.ts";

// `stowage export | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // A client still reconnecting to a dead server must not keep the process alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    // Not expected (main() reports every error itself), but never print a secret even then.
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`stowage: ${redactSecrets(text)}\n`);
    process.exitCode = 1;
  },
);
