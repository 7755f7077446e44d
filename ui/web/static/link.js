() => {
  const SETUP = ['models', 'personas', 'temps', 'system', 'prompt', 'temperature', 'max_tokens', 'preset', 'present'];
  let values = null, pending = null;
  const address = () => {
    const q = new URLSearchParams(location.search);
    if (values) {  // before the first change the link's own keys stay as they are
      SETUP.forEach(k => q.delete(k));
      let s = {};
      try { s = JSON.parse(values.packed) || {}; } catch (e) { s = {}; }
      const n = Math.max(1, Math.min(__SLOTS__, Math.round(Number(values.n)) || 1));
      const col = (key, shared) => [...Array(n).keys()].map(i => {
        const v = Array.isArray(s[key]) && typeof s[key][i] === 'string' ? s[key][i].trim() : '';
        return v === shared ? '' : v;
      });
      q.set('models', col('models', '').join(','));
      for (const [key, name, shared] of [['personas', 'systems', '__SHARED_SYSTEM__'],
                                         ['temps', 'temperatures', '__SHARED_TEMP__']]) {
        const per = col(name, shared);
        if (per.some(Boolean)) q.set(key, per.join(','));
      }
      q.set('system', values.system ?? '');
      q.set('prompt', values.prompt ?? '');
      if (values.temperature !== null && values.temperature !== '') q.set('temperature', String(values.temperature));
      if (values.maxTokens !== null && values.maxTokens !== '') q.set('max_tokens', String(values.maxTokens));
      if (values.preset && values.preset !== '__CUSTOM__') q.set('preset', values.preset);
    }
    q.delete('present');
    if (document.body.classList.contains('present')) q.set('present', '1');
    const query = q.toString();
    return location.pathname + (query ? '?' + query : '') + location.hash;
  };
  const update = () => {
    clearTimeout(pending);
    pending = null;
    const next = address();
    if (next !== location.pathname + location.search + location.hash) history.replaceState(history.state, '', next);
  };
  // Typing changes the prompt on every key: the address is rewritten once typing pauses.
  const later = () => { clearTimeout(pending); pending = setTimeout(update, 250); };
  const copy = async (button) => {
    update();
    const href = location.href;
    let done = false;
    try { await navigator.clipboard.writeText(href); done = true; } catch (e) {
      // http on a classroom network is not a secure context: no Clipboard API there
      const box = Object.assign(document.createElement('textarea'), {value: href});
      document.body.appendChild(box); box.select();
      try { done = document.execCommand('copy'); } catch (e2) { done = false; }
      box.remove();
    }
    const note = document.querySelector('#copy-link-status');
    if (note) note.textContent = done ? 'Link copied.' : 'Copy this link: ' + href;
    button.setAttribute('data-copied', String(done));
  };
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const button = target.closest('#copy-link');
    if (button) copy(button);
  });
  // Presentation mode is a class on the body (ui/web/page_js.py: its button, Escape, ?present=1)
  let wasPresent = document.body.classList.contains('present');
  new MutationObserver(() => {
    const now = document.body.classList.contains('present');
    if (now !== wasPresent) { wasPresent = now; update(); }
  }).observe(document.body, {attributes: true, attributeFilter: ['class']});
  window.__llmLink = {follow(v) { values = v; later(); }, update, address};
}
