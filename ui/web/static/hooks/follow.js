// Hands the Compare setup to link.js, which rewrites the address (no server round trip).
(prompt, system, temperature, maxTokens, preset, n, packed) => {
  window.__llmLink?.follow({prompt, system, temperature, maxTokens, preset, n, packed});
  return [];
}
