() => { window.__llmCompare?.setBusy(false, 'pl-stop'); }
