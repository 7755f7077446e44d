"""Labels, summary and charts below the replies: what differs between columns, readable bars, honest omissions."""

from __future__ import annotations

from compare.record import column_labels
from compare.result import Result
from compare.word_diff import diff_html, word_diff
from providers import prices
from ui.tabs.results_view import chart_frames, cost_header, summary_table


def test_labels_name_the_model_and_only_what_differs():
    same_model = [
        {"slot": 1, "model": "local:smollm2", "persona": "shared", "temperature": 0.7, "reasoning": None},
        {"slot": 2, "model": "local:smollm2", "persona": "Sarcastic persona", "temperature": 0.7, "reasoning": None},
    ]
    assert column_labels(same_model) == ["local:smollm2 · shared", "local:smollm2 · Sarcastic persona"]
    temps = [{"slot": 1, "model": "a:x", "temperature": 0.0}, {"slot": 2, "model": "b:y", "temperature": 1.2}]
    assert column_labels(temps) == ["a:x · t=0", "b:y · t=1.2"]
    twins = [{"slot": 1, "model": "a:x", "temperature": 0.7}, {"slot": 3, "model": "a:x", "temperature": 0.7}]
    assert column_labels(twins) == ["a:x #1", "a:x #3"]


def test_charts_use_short_bars_and_leave_out_what_says_nothing():
    results = [
        Result(str(i), "local:smollm2", ttft_s=0.1 * (i + 1), total_s=1.0, tokens_per_s=50.0, cost_usd=0.0)
        for i in range(8)
    ]
    frames, left_out = chart_frames(results)
    assert list(frames[0]["column"]) == [f"#{i}" for i in range(1, 9)]
    assert frames[3] is None and left_out == ["cost (USD) (every column is free)"]
    unpriced = [Result("0", "vllm:x", ttft_s=0.1, cost_usd=None, cost_note="custom endpoint")]
    assert chart_frames(unpriced)[1][-1] == "cost (USD) (not known for any column)"


def test_summary_rows_are_numbered_like_the_bars_and_the_cost_header_dates_the_prices():
    results = [
        Result("0", "openai:gpt-4o-mini", cost_usd=0.0012, price_source=prices.label(), queue_s=None),
        Result("1", "local:smollm2", cost_usd=0.0, queue_s=1.5),
    ]
    table = summary_table(results, ["openai:gpt-4o-mini", "local:smollm2"])
    assert list(table["#"]) == ["#1", "#2"] and table["queued (s)"].isna().tolist() == [True, False]
    assert cost_header(results) == f"cost (USD, {prices.label()})" == table.columns[-1]
    assert "genai-prices" in cost_header(results) and prices.data_date() in cost_header(results)


def test_word_diff_marks_only_the_words_that_differ():
    assert word_diff("The cat sat on the mat.", "The dog sat on a mat.") == [
        ("same", "The "),
        ("removed", "cat"),
        ("added", "dog"),
        ("same", " sat on "),
        ("removed", "the"),
        ("added", "a"),
        ("same", " mat."),
    ]
    assert diff_html("say <b>", "say <i>") == "say <del>&lt;b&gt;</del><ins>&lt;i&gt;</ins>"
