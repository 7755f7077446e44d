"""The Tokens tab logic, pinned against the real offline cl100k vocabulary and the real SmolLM2 tokenizer."""

from __future__ import annotations

import pytest

from compare import tokenview
from compare.tokenview import (
    available_tokenizers,
    load_examples,
    render_html,
    summary_rows,
    token_table,
    tokenize,
    tokenize_api,
)
from providers.registry import Registry
from tests.conftest import make_settings

PI = "3.14159265358979323846264338327950288419716939937510"
SENTENCE = "The quick brown fox jumps over the lazy dog."
EMOJI = "I love 🍕 and 👨‍👩‍👧!"


@pytest.fixture(scope="module")
def registry():
    return Registry(make_settings())


def test_rare_word_splits_into_known_pieces_that_rejoin():
    t = tokenize("handcrafted", "cl100k_base")
    assert t.ids == [10888, 80894]
    assert t.pieces == ["hand", "crafted"]
    assert "".join(t.pieces) == "handcrafted" and t.note == ""


def test_pi_digits_group_in_threes_with_cl100k():
    t = tokenize(PI, "cl100k_base")
    assert t.pieces[:8] == ["3", ".", "141", "592", "653", "589", "793", "238"]
    assert t.pieces[-1] == "10" and t.count == 19
    assert all(p.isdigit() and len(p) <= 3 for p in t.pieces[2:])
    assert "".join(t.pieces) == PI


def test_common_sentence_is_about_one_token_per_word_and_ratios_are_right():
    t = tokenize(SENTENCE, "cl100k_base")
    assert t.pieces == ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."]
    assert (t.count, t.chars, t.words) == (10, 44, 9)
    assert (t.chars_per_token, t.words_per_token) == (4.4, 0.9)
    assert summary_rows([t]) == [["cl100k_base", 10, 44, 9, 4.4, 0.9, 11, ""]]
    assert len(tokenview.SUMMARY_HEADERS) == len(summary_rows([t])[0])


def test_emoji_byte_tokens_rejoin_and_are_shown_as_bytes():
    t = tokenize(EMOJI, "cl100k_base")
    assert t.count == 19 and "".join(t.pieces) == EMOJI
    # the pizza is three tokens: " \xf0\x9f", "\x8d", "\x95"; the character goes to the token holding its first byte
    assert t.ids[2:5] == [11410, 235, 243]
    assert t.pieces[2:5] == [" 🍕", "", ""]
    assert [t.is_partial(i) for i in range(1, 6)] == [False, True, True, True, False]
    assert t.label(2) == " \\xf0\\x9f"
    assert token_table(t)[2] == [2, 11410, repr(b" \xf0\x9f")]
    assert token_table(t)[1] == [1, 3021, "' love'"]


def test_smollm2_uses_its_own_vocabulary(registry):
    assert "local:smollm2" in available_tokenizers(registry)
    t = tokenize("handcrafted", "local:smollm2", registry)
    assert t.ids == [4564, 32944] and t.pieces == ["hand", "crafted"] and t.note == ""
    pi = tokenize(PI, "local:smollm2", registry)
    assert pi.count == len(PI) and pi.pieces[:4] == ["3", ".", "1", "4"]  # one token per digit, unlike GPT
    assert "".join(tokenize(EMOJI, "local:smollm2", registry).pieces) == EMOJI


def test_o200k_offline_is_labelled_approximate():
    t = tokenize(SENTENCE, "o200k_base")
    assert t.note == "approximate: o200k_base unavailable offline, counted with cl100k_base"
    assert summary_rows([t])[0][-1] == t.note


def test_render_html_escapes_untrusted_text_and_shows_whitespace():
    page = render_html(tokenize('<script>alert("x")</script>\nhi there', "cl100k_base"))
    assert "<script" not in page and "</script" not in page
    assert "&lt;" in page and "&quot;" in page
    assert "↵<br>" in page and "·there" in page
    assert 'title="id ' in page and "showing first" not in page


def test_render_html_caps_the_preview_but_counts_everything():
    t = tokenize(" word" * 5000, "cl100k_base")
    page = render_html(t, max_tokens=100)
    assert t.count == 5000
    assert page.count("<span") == 100
    assert "showing first 100 of 5,000 tokens" in page


def test_neighbouring_tokens_get_different_colours():
    page = render_html(tokenize(SENTENCE, "cl100k_base"))
    colours = [page.split("background:")[i + 1][:7] for i in range(10)]
    assert all(a != b for a, b in zip(colours, colours[1:]))


def test_tokenize_api_shape_and_empty_text(registry):
    out = tokenize_api("handcrafted", ["cl100k_base", "local:smollm2"], registry)
    assert out["cl100k_base"] == {
        "ids": [10888, 80894],
        "tokens": ["hand", "crafted"],
        "labels": ["hand", "crafted"],
        "count": 2,
        "note": "",
    }
    assert out["local:smollm2"]["ids"] == [4564, 32944]
    empty = tokenize_api("", ["o200k_base", "local:smollm2"], registry)
    assert [v["count"] for v in empty.values()] == [0, 0]
    assert tokenize("", "cl100k_base").chars_per_token == 0.0


def test_unknown_tokenizer_names_the_valid_ones(registry):
    with pytest.raises(ValueError, match=r"unknown tokenizer 'gpt2'.*o200k_base, cl100k_base, local:smollm2"):
        tokenize_api("hi", ["cl100k_base", "gpt2"], registry)
    with pytest.raises(ValueError, match="local:smollm2"):
        tokenize("hi", "local:smollm2")  # no registry: local models are not selectable


def test_examples_cover_the_classic_lessons():
    examples = load_examples()
    texts = {e["name"]: e["text"] for e in examples}
    assert len(examples) >= 6 and all(e["lesson"] for e in examples)
    assert "handcrafted" in texts.values() and PI in texts.values()
    assert any(any(ord(c) > 0x1F000 for c in t) for t in texts.values())


def test_malformed_examples_file_is_named(tmp_path):
    bad = tmp_path / "token_examples.json"
    bad.write_text('[{"name": "x", "text": "y"}]')
    with pytest.raises(ValueError, match=r"token_examples\.json: entry 1 needs"):
        load_examples(bad)
    bad.write_text("{not json")
    with pytest.raises(ValueError, match=r"token_examples\.json is not valid JSON"):
        load_examples(bad)
