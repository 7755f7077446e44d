"""Does a reply name its own model, provider or vendor? (A vote on such a battle is not blind, so it is not counted.)

Names are matched whole-word and case-insensitively. Each reply is checked against its own model's names only:
a reply that mentions another vendor (asked about Claude, GPT answers about Claude) reveals nothing about itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# vendor -> patterns (regular expressions, matched case-insensitively between word boundaries)
VENDORS: dict[str, tuple[str, ...]] = {
    "openai": ("OpenAI", "ChatGPT", "GPT", r"GPT-?\d\w*", r"o[134]-mini", "DALL-E"),
    "anthropic": ("Anthropic", "Claude"),
    "google": ("Google", "Gemini", "Bard", "PaLM", "Gemma", "DeepMind"),
    "meta": ("Llama", "Meta AI", r"(?:by|from|at|of) Meta(?!-)", "Meta's"),  # "meta" alone is an ordinary word
    "mistral": ("Mistral", "Mistral AI", "Mixtral", "Codestral", "Ministral"),
    "alibaba": ("Qwen", "QwQ", "Alibaba", "Tongyi", "Qianwen"),
    "deepseek": ("DeepSeek",),
    "xai": ("Grok", "xAI"),
    "microsoft": ("Microsoft", r"Phi-?\d"),  # "phi" alone is a Greek letter
    "huggingface": ("SmolLM", r"SmolLM\d", "Hugging Face", "HuggingFace"),
    "cohere": ("Cohere", "Command R", r"Command R\+"),
}

# model-name stem -> vendor (the stem is how the model name starts, after any "vendor/" prefix)
FAMILIES = {
    "gpt": "openai",
    "chatgpt": "openai",
    "o1": "openai",
    "o3": "openai",
    "o4": "openai",
    "claude": "anthropic",
    "gemini": "google",
    "gemma": "google",
    "palm": "google",
    "bard": "google",
    "llama": "meta",
    "codellama": "meta",
    "mistral": "mistral",
    "mixtral": "mistral",
    "codestral": "mistral",
    "ministral": "mistral",
    "qwen": "alibaba",
    "qwq": "alibaba",
    "deepseek": "deepseek",
    "grok": "xai",
    "phi": "microsoft",
    "smollm": "huggingface",
    "command": "cohere",
    "aya": "cohere",
}

# provider (or "vendor/" prefix) -> vendor, for providers that make their own models
MAKERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "google": "google",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "mistralai": "mistral",
    "xai": "xai",
    "meta-llama": "meta",
    "meta": "meta",
    "qwen": "alibaba",
    "microsoft": "microsoft",
    "huggingfacetb": "huggingface",
    "cohere": "cohere",
}

# provider labels or names that are ordinary words: not evidence of anything on their own
GENERIC = {"local", "together", "custom", "model", "server", "embedded"}


@dataclass(frozen=True)
class Identity:
    """What names one model: its id, display name, provider name and label."""

    model_id: str
    display: str = ""
    provider_label: str = ""


def vendor_of(model_id: str) -> str | None:
    """The vendor who made the model behind an id, when the id says so."""
    provider, _, name = model_id.partition(":")
    prefix, _, rest = name.rpartition("/")
    stem = re.match(r"[a-z]+\d?", rest.lower())
    for key in (stem.group(0) if stem else "", re.sub(r"\d+$", "", stem.group(0)) if stem else ""):
        if key in FAMILIES:
            return FAMILIES[key]
    return MAKERS.get(prefix.lower()) or MAKERS.get(provider.lower())


def patterns(identity: Identity) -> list[str]:
    """The regular expressions naming this model, its provider or its vendor."""
    provider, _, name = identity.model_id.partition(":")
    names = {name, name.rpartition("/")[2], name.split(":")[0], name.removesuffix("-latest")}
    display = re.sub(r"\s*\([^)]*\)", "", identity.display or "").strip()  # "Llama 3.2 (Ollama)" -> "Llama 3.2"
    label = re.sub(r"\s*\([^)]*\)", "", identity.provider_label or "").strip()
    plain = {n for n in names | {display, label, provider} if n and n.lower() not in GENERIC and len(n) >= 3}
    found = [re.escape(n) for n in sorted(plain)]
    vendor = vendor_of(identity.model_id)
    return found + list(VENDORS.get(vendor, ()) if vendor else ())


def named_in(text: str, identity: Identity) -> list[str]:
    """The names of this model, provider or vendor that the text mentions (as written in the text), in order."""
    spans = {
        (m.start(), m.end())
        for pattern in patterns(identity)
        for m in re.finditer(rf"(?<!\w){pattern}(?!\w)", text or "", re.IGNORECASE)
    }
    # "gpt-4o-mini" also matches "gpt" and "gpt-4o": overlapping matches are one name
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return list(dict.fromkeys(text[a:b] for a, b in merged))
