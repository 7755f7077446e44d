"""Values the page's Python and its JavaScript (ui/web/static/) both spell: column slots and the "shared" choices."""

from __future__ import annotations

from compare.request import SHARED, SHARED_PERSONA
from compare.validate import MAX_MODELS

N_SLOTS = MAX_MODELS  # the page's column slots
SHARED_SYSTEM = SHARED_PERSONA  # a column on the shared system prompt
SHARED_TEMPERATURE = SHARED_REASONING = SHARED  # a column on the shared temperature / reasoning level
TEMPERATURE_CHOICES = [SHARED_TEMPERATURE, "0", "0.3", "0.7", "1.0", "1.2", "1.5", "2.0"]
PROVIDER_DEFAULT = "default"
REASONING_CHOICES = [PROVIDER_DEFAULT, "off", "low", "medium", "high"]
CUSTOM_PRESET = "custom"  # the Preset picker's label once the system prompt was edited away from the preset's
