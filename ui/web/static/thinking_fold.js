// Keeps a reader's opened "Thinking" fold open while the reply under it streams: each streamed frame
// re-renders the column's Markdown, which would close an opened <details> every 50 ms.
() => {
  const opened = new Set();
  const hostOf = (details) => details.closest('[id^="reply-"], [id^="pl-reply-"]');
  document.addEventListener('toggle', (event) => {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.classList.contains('thinking')) return;
    const host = hostOf(details);
    if (host) { if (details.open) opened.add(host.id); else opened.delete(host.id); }
  }, true);
  new MutationObserver(() => {
    for (const id of opened) {
      const details = document.querySelector('#' + id + ' details.thinking');
      if (details && !details.open) details.open = true;
    }
  }).observe(document.body, {childList: true, subtree: true});
}
