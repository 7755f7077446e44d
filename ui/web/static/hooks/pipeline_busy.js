// The Pipeline tab's Stop is active while one of its runs streams.
(...v) => { window.__llmCompare?.setBusy(true, 'pl-stop'); return v; }
