"""Setup ids (compare/setups.py): model#persona~temperature, canonical ids, and errors that name what is wrong."""

from __future__ import annotations

import pytest

from compare.presets import Preset, load_presets
from compare.setups import Setup, SetupError, parse_setup, persona_of, split_setup_id

PRESETS = load_presets()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("local:smollm2#sarcastic-persona~1.2", Setup("local:smollm2", "sarcastic-persona", 1.2)),
        ("  local:smollm2#04-sarcastic-persona~1.20 ", Setup("local:smollm2", "sarcastic-persona", 1.2)),
        ("ollama:llama3.2:latest~0", Setup("ollama:llama3.2:latest", None, 0.0)),
        ("ollama:llama3.2:latest~-0", Setup("ollama:llama3.2:latest", None, 0.0)),
        (
            "openrouter:meta-llama/llama-3-8b#explain-like-five",
            Setup("openrouter:meta-llama/llama-3-8b", "explain-like-five"),
        ),
        ("openai:gpt-4o", Setup("openai:gpt-4o")),
    ],
)
def test_a_setup_id_parses_to_its_canonical_form(text, expected):
    setup = parse_setup(text, PRESETS)
    assert setup == expected
    assert parse_setup(setup.id, PRESETS) == setup  # the id round-trips
    assert setup.id == text.strip().replace("04-", "").replace("~1.20", "~1.2").replace("~-0", "~0")


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("local:smollm2#", "name a persona after '#'"),
        ("#sarcastic-persona", "must start with a model id"),
        ("local:smollm2~hot", "the temperature after '~' must be a number"),
        ("local:smollm2~2.5", "between 0 and 2 (got 2.5)"),
        ("local:smollm2~nan", "between 0 and 2"),
        ("local:smollm2#grumpy", "no persona named 'grumpy' (personas: explain-like-five, helpful-assistant,"),
        ("local:smollm2#summarize-then-translate", "no persona named 'summarize-then-translate'"),  # a pipeline
        ("x" * 301, "at most 300"),
    ],
)
def test_a_bad_setup_id_says_what_is_wrong(text, message):
    with pytest.raises(SetupError) as caught:
        parse_setup(text, PRESETS)
    assert message in str(caught.value)


def test_the_persona_is_the_preset_named_by_its_file():
    custom = Preset("Pirate", "Talk like a pirate.", "Hello", source="12-pirate.json")
    setup = parse_setup("local:smollm2#pirate", [*PRESETS, custom])
    assert persona_of(setup, [*PRESETS, custom]).system == "Talk like a pirate."
    assert persona_of(Setup("local:smollm2"), PRESETS) is None
    with pytest.raises(SetupError, match="no persona named 'pirate'"):
        persona_of(setup, PRESETS)
    # Splitting needs no presets: stored ids stay readable after a preset is removed.
    assert split_setup_id("local:smollm2#pirate~0.3").model == "local:smollm2"
