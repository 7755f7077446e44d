"""The page's CSS: compact chrome, reply-first columns, status marks, presentation mode, phone and contrast fixes."""

# Status marks are drawn by CSS (no emoji font needed: some Linux browsers show ⏳ as an empty box); the words beside
# them carry the meaning, the shapes and colours only help the eye.
STATUS_MARKS = """
.st { display: inline-block; width: 0.72em; height: 0.72em; margin-right: 0.35em; vertical-align: -0.04em;
      box-sizing: border-box; border-radius: 50%; position: relative; }
.st-queued, .st-loading, .st-waiting { border: 0.14em solid var(--llm-muted); }
.st-loading { border-style: dashed; }
.st-waiting { border-style: dotted; border-color: var(--llm-accent); }
/* No pulse: an animation costs the page a style pass on every frame while replies stream. */
.st-streaming { background: var(--llm-accent); }
.st-done { background: var(--llm-ok); }
.st-done::after { content: ""; position: absolute; left: 0.25em; top: 0.1em; width: 0.16em; height: 0.34em;
                  border: solid #fff; border-width: 0 0.1em 0.1em 0; transform: rotate(45deg); }
.st-error { background: var(--llm-bad); border-radius: 0.1em; transform: rotate(45deg) scale(0.85); }
.st-stopped { background: var(--llm-muted); border-radius: 0.1em; }
.st-warning { border-radius: 0; width: 0; height: 0; border-left: 0.42em solid transparent;
              border-right: 0.42em solid transparent; border-bottom: 0.74em solid var(--llm-warn); }
"""

CHROME = """
:root { --llm-muted: #52525b; --llm-accent: #c2410c; --llm-ok: #15803d; --llm-bad: #b91c1c; --llm-warn: #b45309;
        --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
        --button-cancel-background-fill: #b91c1c; --button-cancel-background-fill-hover: #991b1b;
        --button-cancel-text-color: #fff; --button-primary-text-color: #fff; }
/* ":root body.dark" outranks the theme's own ":root .dark" rule, whose primary orange fails contrast with white. */
:root body.dark { --llm-muted: #a1a1aa; --llm-accent: #fb923c; --llm-ok: #4ade80; --llm-bad: #f87171; --llm-warn: #fbbf24;
                  --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
                  --button-cancel-background-fill: #b91c1c; --button-cancel-background-fill-hover: #991b1b; }
footer a, footer .show-api, footer .built-with, footer button { color: var(--llm-muted) !important; }
.main.app { padding: 6px 14px !important; }
#page-head { align-items: center; gap: 8px; flex-wrap: nowrap; }
#page-head > .block, #page-head > div { margin: 0; }
#page-title h1 { font-size: 1.15rem; margin: 0; line-height: 1.6; white-space: nowrap; overflow: hidden;
                 text-overflow: ellipsis; }
#page-title h1 small { font-size: 0.78rem; font-weight: 400; color: var(--llm-muted); margin-left: 0.5em; }
#page-head button { flex: 0 0 auto; }
#theme-toggle[aria-pressed="true"], #present-toggle[aria-pressed="true"] { outline: 2px solid var(--llm-accent); }
#tabs > .tab-wrapper { margin-bottom: 4px; }
#tabs .tab-container button { padding: 6px 10px; }
.tabitem { padding-top: 4px !important; }
#stop:disabled, #pl-stop:disabled { opacity: 0.45; cursor: not-allowed; filter: grayscale(0.6); }
#banner:empty, #banner .md:empty { display: none; }
@media (max-width: 640px) {
  .main, .contain { padding-left: 6px !important; padding-right: 6px !important; }
  #page-title h1 small { display: none; }
}
"""

COMPARE = """
#tab-compare > .column { gap: 8px; }
#prompt-row { align-items: stretch; gap: 6px; }
#prompt-row > button { align-self: stretch; min-height: 40px; }
#setup-row { gap: 6px; align-items: flex-start; }
#setup-row > .block, #setup-row > .form > .block { padding: 4px 10px; border: none; }
#setup-row > .form { border: 1px solid var(--border-color-primary); background: var(--block-background-fill); gap: 0; }
#setup-row #n-columns label, #setup-row #preset .container { display: flex; align-items: center; gap: 8px; }
#setup-row #n-columns span[data-testid="block-info"], #setup-row #preset span[data-testid="block-info"] { margin: 0; }
#setup-row #n-columns input { width: 4.5em; padding: 4px 6px; }
#setup-row #preset .wrap { flex: 1 1 auto; min-width: 0; }
#setup-row #scroll-sync { align-self: center; white-space: nowrap; }
#setup-row #setup { flex: 3 1 260px; }
#setup-row #setup > .label-wrap { padding: 6px 0; }
#columns { flex-wrap: nowrap !important; gap: 8px; overflow-x: auto; }
#columns > .model-column { min-width: 140px !important; flex: 1 1 0 !important; gap: 4px; }
.col-head { justify-content: flex-start !important; text-align: left; font-weight: 600; white-space: nowrap;
            overflow: hidden; text-overflow: ellipsis; display: block !important; min-height: 0 !important; }
.col-head::before { content: ""; display: inline-block; width: 0.45em; height: 0.45em; margin-right: 0.45em;
                    border: solid currentColor; border-width: 0 0.12em 0.12em 0; transform: rotate(-45deg);
                    vertical-align: 0.08em; transition: transform 0.15s; }
.model-column.open .col-head::before { transform: rotate(45deg); vertical-align: 0.2em; }
.model-column .col-settings { display: none !important; }
.col-settings .block { padding: 6px 8px !important; }
.col-settings .wrap-inner { padding-left: 8px; padding-right: 2px; }
.model-column.open .col-settings { display: flex !important; }
.model-column .reply.block { max-height: max(9rem, calc(100vh - 15rem)); overflow-y: auto !important; padding: 2px 4px; }
/* Gradio's Markdown sizes its text with var(--text-md) and colours it with var(--body-text-color): set those. */
.model-column .meta.block, .model-column .gauge.block { --text-md: 12.5px; --body-text-color: var(--llm-muted); }
.model-column .meta p, .model-column .gauge p { margin: 0; }
/* Gradio's copy button floats at the reply's top right, so the text flows around it instead of under it. */
.model-column .reply .icon-button-wrapper.top-panel, .pipeline-column .reply .icon-button-wrapper.top-panel {
  position: sticky !important; float: right; top: 0; right: auto; margin: 0 0 2px 6px; z-index: 2; }
#results { gap: 8px; }
#results.pending { display: none !important; }
#summary .virtual-table-viewport, #models-table .virtual-table-viewport { overflow-x: auto !important; }
body.compare-busy #run-switch { display: none !important; }
#run-switch .wrap { gap: 4px; }
.dot-charts { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.dot-charts .dot-note { flex-basis: 100%; margin: 0; font-size: 12.5px; color: var(--llm-muted); }
.dot-figure { margin: 0; }
.dot-figure figcaption { font-size: 13px; font-weight: 600; }
.dot-chart { max-width: 100%; height: auto; }
.dot-chart .run-dot { fill: var(--llm-accent); fill-opacity: 0.55; stroke: var(--llm-accent); }
.dot-chart .median { stroke: var(--body-text-color); stroke-width: 2.5; }
.dot-chart .row-line { stroke: var(--border-color-primary); }
.dot-chart text { fill: var(--body-text-color); font-size: 11px; }
.dot-chart .axis { fill: var(--llm-muted); }
"""

CLASSROOM = """
#pipelines { flex-wrap: nowrap !important; gap: 8px; overflow-x: auto; }
#pipelines > .pipeline-column { min-width: 160px !important; flex: 1 1 0 !important; }
.pipeline-column .meta.block, .pipeline-column .totals.block { --text-md: 12.5px; --body-text-color: var(--llm-muted); }
.pipeline-column .totals { border-top: 1px solid var(--border-color-primary); padding-top: 4px; }
#tok-views { flex-wrap: nowrap !important; gap: 8px; overflow-x: auto; }
#tok-views > .token-column { min-width: 200px !important; flex: 1 1 0 !important; }
.token-column .token-view { max-height: 320px; overflow-y: auto; }
.token-column .token-note { font-size: 0.8em; color: var(--llm-muted); margin-top: 4px; }
.lesson-error { color: var(--error-text-color); }
.lesson a, .lesson a:visited { color: var(--body-text-color) !important; text-decoration: underline; }  /* the theme's link orange fails contrast on the lesson card */
#copy-link-status { font-size: 0.8rem; color: var(--llm-muted); white-space: nowrap; }
details.thinking { border-left: 3px solid var(--border-color-primary); padding-left: 8px; margin-bottom: 8px;
                   color: var(--llm-muted); }
details.thinking summary { cursor: pointer; font-size: 0.85em; }
"""

# Dropdown text stops short of its arrow (on a phone the two overlapped).
FORMS = """
.wrap-inner > .icon-wrap, .wrap-inner .secondary-wrap > .icon-wrap { right: 6px; }
.wrap-inner .secondary-wrap input[role="combobox"] { padding-right: 24px; text-overflow: ellipsis; min-width: 0; }
"""

# Gradio repeats every rule scoped under ".gradio-container .contain", which outranks a plain "body.present" rule:
# the presentation sizes need !important to win.
PRESENT = """
body.present #page-title h1 small, body.present #setup-row, body.present #setup, body.present .col-settings,
body.present #unavailable, body.present #models, body.present #column-tools, body.present footer { display: none !important; }
body.present .model-column .reply.block { --text-md: 21px !important; }
body.present #prompt textarea { font-size: 1.3em !important; }
body.present .col-head { font-size: 1.1em !important; }
body.present .model-column .meta.block { --text-md: 15px !important; }
"""

CSS = STATUS_MARKS + CHROME + COMPARE + CLASSROOM + FORMS + PRESENT
