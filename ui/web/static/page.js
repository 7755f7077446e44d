() => {
  const state = {busy: {}};  // per Stop button: the Compare tab's and the Pipeline tab's
  const body = document.body;
  const press = (id, on) => { const b = document.getElementById(id); if (b) b.setAttribute('aria-pressed', String(on)); };
  const heads = document.getElementsByClassName('col-head');  // live: no search of the page on each mutation
  const stops = ['stop', 'pl-stop'], seen = {};
  const syncStop = () => {
    for (const id of stops) {
      const stop = seen[id] = document.getElementById(id), busy = !!state.busy[id];
      if (stop && stop.disabled === busy) stop.disabled = !busy;
    }
  };
  const apply = () => {
    syncStop();
    for (const head of heads) {
      if (head.hasAttribute('aria-expanded')) continue;
      const col = head.closest('.model-column');
      head.setAttribute('aria-expanded', String(!!col && col.classList.contains('open')));
      head.setAttribute('aria-controls', head.id.replace('head-', 'settings-'));
      head.title = 'Click to change the model, system prompt, temperature and reasoning of this column';
    }
  };
  // Cheap on every mutation (streamed frames included): act only when Stop or a column header is new.
  const tabs = document.getElementById('tabs');
  if (tabs) new MutationObserver(() => {
    if (stops.some(id => document.getElementById(id) !== seen[id]) || [...heads].some(h => !h.hasAttribute('aria-expanded'))) apply();
  }).observe(tabs, {childList: true, subtree: true});
  // Deferred: the Run click's request goes out first, Stop's restyle after it.
  window.__llmCompare = {setBusy(on, id = 'stop') {
                           state.busy[id] = !!on; setTimeout(syncStop, 0);
                           if (id === 'stop') document.body.classList.toggle('compare-busy', !!on);  // hides the run switcher
                         },
                         isBusy: (id = 'stop') => !!state.busy[id]};

  const setTheme = (mode) => { body.classList.toggle('dark', mode === 'dark'); press('theme-toggle', mode === 'dark'); };
  const stored = localStorage.getItem('__THEME_KEY__');
  if (stored === 'dark' || stored === 'light') setTheme(stored);
  // Gradio follows the system's scheme when it changes; an explicit choice here wins.
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => {
    const chosen = localStorage.getItem('__THEME_KEY__');
    if (chosen) setTimeout(() => setTheme(chosen), 0);
  });
  const setPresent = (on) => { body.classList.toggle('present', on); press('present-toggle', on); };
  if (new URLSearchParams(location.search).get('present') === '1') setPresent(true);

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    // Stop becomes active at once (Gradio's own click handler has already sent the run)
    if (target.closest('#run')) window.__llmCompare.setBusy(true);
    else if (target.closest('#pl-run')) window.__llmCompare.setBusy(true, 'pl-stop');
    const head = target.closest('.col-head');
    if (head) {
      const col = head.closest('.model-column');
      if (col) head.setAttribute('aria-expanded', String(col.classList.toggle('open')));
    } else if (target.closest('#theme-toggle')) {
      const mode = body.classList.contains('dark') ? 'light' : 'dark';
      localStorage.setItem('__THEME_KEY__', mode);
      setTheme(mode);
    } else if (target.closest('#present-toggle')) {
      setPresent(!body.classList.contains('present'));
    }
  });

  // Ctrl/Cmd+Enter runs from anywhere on the Compare tab; in presentation mode so does R, and Escape leaves it.
  document.addEventListener('keydown', (event) => {
    const inPromptBox = event.target instanceof Element && !!event.target.closest('#prompt textarea');
    if (inPromptBox && event.key === 'Enter' && !event.shiftKey && !event.isComposing) window.__llmCompare.setBusy(true);
    const run = document.getElementById('run');
    if (!run || !run.offsetParent || event.defaultPrevented) return;
    const target = event.target instanceof Element ? event.target : null;
    const typing = !!target && !!target.closest('input, textarea, select, [contenteditable="true"]');
    const inPrompt = !!target && !!target.closest('#prompt');
    const modified = event.ctrlKey || event.metaKey || event.altKey;
    if ((event.ctrlKey || event.metaKey) && event.key === 'Enter' && !inPrompt) {
      event.preventDefault(); run.click();
    } else if (body.classList.contains('present') && !typing && !modified) {
      if (event.key === 'r' || event.key === 'R') { event.preventDefault(); run.click(); }
      else if (event.key === 'Escape') setPresent(false);
    }
  });

  // Columns scroll together (proportionally) while the "Scroll together" box is ticked. A scroll this code caused
  // is remembered by its position, so its echo is not taken for the reader's own scrolling.
  const echoes = new WeakMap();
  document.addEventListener('scroll', (event) => {
    const source = event.target;
    if (!(source instanceof Element) || !source.matches('.model-column .reply.block')) return;
    if (echoes.has(source)) {
      const expected = echoes.get(source);
      echoes.delete(source);
      if (Math.abs(expected - source.scrollTop) < 1) return;
    }
    const box = document.querySelector('#scroll-sync input');
    if (!box || !box.checked) return;
    const range = source.scrollHeight - source.clientHeight;
    const ratio = range > 0 ? source.scrollTop / range : 0;
    for (const other of document.querySelectorAll('.model-column .reply.block')) {
      if (other === source || !other.offsetParent) continue;
      const before = other.scrollTop;
      other.scrollTop = ratio * (other.scrollHeight - other.clientHeight);
      if (other.scrollTop !== before) echoes.set(other, other.scrollTop);
    }
  }, true);
  apply();
  press('theme-toggle', body.classList.contains('dark'));
  press('present-toggle', body.classList.contains('present'));
}
