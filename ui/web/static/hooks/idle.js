// The results step marks the run finished: Stop goes back to inactive.
() => { window.__llmCompare?.setBusy(false); }
