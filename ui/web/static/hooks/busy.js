// An event that starts a compare run other than Run (whose click page.js sees): marks the page busy and passes
// its inputs through unchanged.
(...v) => { window.__llmCompare?.setBusy(true); return v; }
