// Loaded with `node --require` before Azurite. On SIGTERM or SIGINT Azurite waits for every open connection to close,
// which takes minutes once clients have connected; the AppHost's stop must not. By then the AppHost has stopped the
// hosts (AppHost/Console/HostsFirstShutdown.cs), so nothing writes any more: Azurite saves its data folder every 5 s
// (LokiJS autosave), so exiting after one more save keeps the hosts' last writes (the silos' membership rows, the
// processor's checkpoint) instead of losing them, as a SIGKILL would.
const autosaveIntervalMs = 5000;
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => setTimeout(() => process.exit(0), autosaveIntervalMs + 500));
}
