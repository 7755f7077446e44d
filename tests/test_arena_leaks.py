"""Which replies give their own model away: its id, display name, provider, or vendor aliases, whole words only."""

from __future__ import annotations

import pytest

from arena.leaks import Identity, named_in, vendor_of

CLAUDE = Identity("anthropic:claude-3-5-haiku-latest", "Claude 3.5 Haiku", "Anthropic")
MINI = Identity("openai:gpt-4o-mini", "GPT-4o mini", "OpenAI")
OLLAMA_LLAMA = Identity("ollama:llama3.2", "Llama 3.2 (Ollama)", "Ollama")
SMOL = Identity("local:smollm2", "SmolLM2 135M Instruct (embedded)", "Local (llama.cpp)")
GEMINI = Identity("gemini:gemini-2.0-flash", "Gemini 2.0 Flash", "Gemini")
QWEN = Identity("ollama:qwen2.5:7b", "ollama:qwen2.5:7b", "Ollama")
GROK = Identity("xai:grok-3-mini", "Grok 3 mini", "xAI")
DEEPSEEK = Identity("deepseek:deepseek-chat", "DeepSeek V3", "DeepSeek")
ROUTED = Identity(
    "openrouter:meta-llama/llama-3.3-70b-instruct", "openrouter:meta-llama/llama-3.3-70b-instruct", "OpenRouter"
)


@pytest.mark.parametrize(
    "identity, text, names",
    [
        (CLAUDE, "As Claude, made by Anthropic, I think so.", ["Claude", "Anthropic"]),
        (MINI, "I'm ChatGPT (gpt-4o-mini), trained by OpenAI.", ["ChatGPT", "gpt-4o-mini", "OpenAI"]),
        (MINI, "As a GPT-4 model I cannot browse.", ["GPT-4"]),
        (OLLAMA_LLAMA, "I am LLaMA, a model trained by Meta, served by ollama.", ["LLaMA", "by Meta", "ollama"]),
        (SMOL, "I'm SmolLM, created by Hugging Face.", ["SmolLM", "Hugging Face"]),
        (GEMINI, "I am a large language model, trained by Google.", ["Google"]),
        (QWEN, "I am Qwen, created by Alibaba Cloud.", ["Qwen", "Alibaba"]),
        (GROK, "Grok here, built by xAI.", ["Grok", "xAI"]),
        (DEEPSEEK, "I'm DeepSeek-V3.", ["DeepSeek"]),
        (ROUTED, "I'm Llama 3.3 from Meta AI.", ["Llama", "from Meta AI"]),
    ],
)
def test_a_reply_naming_its_model_provider_or_vendor_is_caught(identity, text, names):
    assert named_in(text, identity) == names


@pytest.mark.parametrize(
    "identity, text",
    [
        (CLAUDE, "Here is a haiku about the sea, with a sonnet's rhythm."),  # model-name words that are ordinary words
        (CLAUDE, "OpenAI and Google both make models."),  # another vendor reveals nothing about this reply's own
        (MINI, "The claudication was severe; see the gptx tool."),  # only whole words count
        (OLLAMA_LLAMA, "A meta-analysis of metadata: that is very meta."),  # "Meta" the word, not the company
        (SMOL, "I run locally on your machine."),  # the provider "local" is an ordinary word
        (Identity("openai:fake-model", "fake-model", "OpenAI"), "A fake reply from a model."),
    ],
)
def test_ordinary_words_and_other_vendors_are_not_leaks(identity, text):
    assert named_in(text, identity) == []


@pytest.mark.parametrize(
    "model_id, vendor",
    [
        ("openai:gpt-4o-mini", "openai"),
        ("openai:o4-mini", "openai"),
        ("anthropic:claude-opus-4-0", "anthropic"),
        ("gemini:gemini-2.5-pro", "google"),
        ("ollama:gemma3", "google"),
        ("groq:llama-3.3-70b-versatile", "meta"),
        ("ollama:mistral", "mistral"),
        ("ollama:qwen2.5:7b", "alibaba"),
        ("ollama:phi3", "microsoft"),
        ("local:smollm2", "huggingface"),
        ("together:meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta"),
        ("openrouter:openai/gpt-4o-mini", "openai"),
        ("vllm:my-finetune", None),
    ],
)
def test_vendor_from_the_model_id(model_id, vendor):
    assert vendor_of(model_id) == vendor
