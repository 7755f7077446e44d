"""The results below a finished run: summary table, charts, downloads, and for repeat runs dots and a run switcher."""

from __future__ import annotations

import pandas as pd

from compare.record import RunRecord
from compare.repeat_report import SPREAD_HEADERS, spread_rows
from ui.context import PageContext
from ui.dot_charts import dot_charts_html
from ui.tabs.compare_view import CompareUpdate
from ui.tabs.repeat_page import run_choices
from ui.tabs.results_view import CHARTS, chart_frames, summary_table
from ui.web.export import write_downloads


def results_panel(ctx: PageContext, record: RunRecord | None) -> CompareUpdate:
    """Summary table, four bar charts (short "#n" bars; an all-zero or unknown chart is left out with a note in the
    table's label), the two downloads, the dot charts and the run switcher for a finished run. With repeats the
    table shows "median (p10–p90)" and the dot charts replace the bars."""
    import gradio as gr

    if not record:
        return CompareUpdate()
    json_path, md_path = write_downloads(record.to_json(), ctx.downloads_dir)
    if repeats := record.repeats:  # every run as a dot instead of one bar per column
        table = gr.Dataframe(
            pd.DataFrame(spread_rows(repeats), columns=SPREAD_HEADERS),
            label=f"Summary · {repeats.runs_per_column} runs per column: median (p10–p90)",
        )
        choices = run_choices(record)
        switch = gr.Radio(choices, value=choices[0] if choices else None, visible=bool(choices))
        return CompareUpdate(
            summary=table,
            plots=[gr.BarPlot(visible=False)] * len(CHARTS),
            json_file=json_path,
            md_file=md_path,
            dots=dot_charts_html(repeats),
            run_switch=switch,
        )
    results, labels = record.results, record.column_labels()
    frames, left_out = chart_frames(results)
    label = "Summary" + (f" · charts left out: {'; '.join(left_out)}" if left_out else "")
    charts = [
        gr.BarPlot(visible=False) if frame is None else gr.BarPlot(frame, x="column", y=title, visible=True)
        for frame, (_, title) in zip(frames, CHARTS)
    ]
    return CompareUpdate(
        summary=gr.Dataframe(summary_table(results, labels), label=label),
        plots=charts,
        json_file=json_path,
        md_file=md_path,
        dots="",
        run_switch=gr.Radio([], value=None, visible=False),
    )
