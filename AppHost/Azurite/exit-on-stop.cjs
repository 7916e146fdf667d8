// Loaded with `node --require` before Azurite. On SIGTERM or SIGINT Azurite waits for every open connection to close,
// which takes minutes once clients have connected; the AppHost's stop must not. Exiting here, before Azurite's own
// handlers run, is what the old run.sh did with SIGKILL: the data folder keeps what Azurite had already written.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => process.exit(0));
}
