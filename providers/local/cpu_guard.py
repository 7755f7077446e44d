"""The AMX guard: turn llama.cpp's extra CPU buffer types off where its AMX kernels crash (ggml-org/llama.cpp#20824).

On Intel CPUs with AMX (4th-gen Xeon and later), a llama.cpp built with AMX multiplies matrices through an "extra
buffer type" that segfaults in `ggml_backend_amx_mul_mat` on prompts of a few dozen tokens. Loading the model with
`use_extra_bufts = False` keeps those kernels out (it also turns off CPU_REPACK, the repacked Q4_0/IQ4_NL layouts).
Everywhere else the default stays, so no CPU pays for a bug it does not have.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

OVERRIDE_VAR = "COMPARE_LOCAL_EXTRA_BUFTS"  # "auto" (default), "on" (keep llama.cpp's default) or "off"
AMX_CPU_FLAGS = frozenset({"amx_int8", "amx_tile"})


# llama.cpp's own llama_model_default_params, kept before the first guard replaces it (apply may run again)
_ORIGINAL_PARAMS: dict[str, Callable] = {}


@dataclass(frozen=True)
class GuardDecision:
    """Whether extra buffer types are turned off at model load, and why."""

    extra_bufts_off: bool
    reason: str


def decide(library_features: set[str], cpu_flags: set[str], override: str | None = None) -> GuardDecision:
    """The guard's decision from the library's compiled features (AMX_INT8 ...) and the CPU's /proc/cpuinfo flags."""
    choice = (override or "auto").strip().lower()
    if choice == "off":
        return GuardDecision(True, f"{OVERRIDE_VAR}=off")
    if choice == "on":
        return GuardDecision(False, f"{OVERRIDE_VAR}=on")
    if choice != "auto":
        raise ValueError(f"{OVERRIDE_VAR} must be auto, on or off, not {override!r}")
    library_amx = "AMX_INT8" in library_features
    cpu_amx = bool(AMX_CPU_FLAGS & cpu_flags)
    if library_amx and cpu_amx:
        return GuardDecision(True, "llama.cpp has AMX kernels and this CPU has AMX (they crash: llama.cpp#20824)")
    if cpu_amx:
        return GuardDecision(False, "this CPU has AMX but this llama.cpp was built without it")
    return GuardDecision(False, "no AMX on this CPU")


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU's feature flags as the kernel reports them (empty where there is no /proc/cpuinfo)."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def library_features() -> set[str]:
    """Features the loaded llama.cpp was compiled with and uses ("AVX2", "AMX_INT8", "REPACK" ...)."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace")
    features = set()
    for part in info.split("|"):  # "CPU : SSE3 = 1 | AVX2 = 1 | ..."
        name, _, value = part.rpartition("=")
        if value.strip() == "1":
            features.add(name.split(":")[-1].strip())
    if _ggml_cpu_has_amx_int8():
        features.add("AMX_INT8")
    return features


def _ggml_cpu_has_amx_int8() -> bool:
    """ggml's own answer, from the CPU backend library that llama-cpp-python ships (False where it cannot be asked)."""
    import llama_cpp

    for path in sorted((Path(llama_cpp.__file__).parent / "lib").glob("libggml-cpu*.so")):
        try:
            if ctypes.CDLL(str(path)).ggml_cpu_has_amx_int8():
                return True
        except (OSError, AttributeError):
            continue
    return False


def current_decision() -> GuardDecision:
    """The decision for this machine, this llama.cpp build and the environment's override."""
    return decide(library_features(), cpu_flags(), os.environ.get(OVERRIDE_VAR))


def apply(decision: GuardDecision) -> None:
    """Make every later model load take `use_extra_bufts = False` when the decision says so.

    llama-cpp-python's Llama() takes no such argument; it builds its model parameters from
    llama_model_default_params(), so that is where the flag goes in.
    """
    import llama_cpp.llama_cpp as lib

    original = _ORIGINAL_PARAMS.setdefault("default", lib.llama_model_default_params)
    if not decision.extra_bufts_off:
        lib.llama_model_default_params = original
        return

    def guarded_params():
        params = original()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = guarded_params


def describe() -> dict[str, str]:
    """What `--list` shows for local rows: the versions, the CPU features in use and the guard."""
    import llama_cpp

    library = library_features()
    decision = decide(library, cpu_flags(), os.environ.get(OVERRIDE_VAR))
    version = llama_cpp.llama_version()
    features = sorted(library - {"LLAMAFILE", "OPENMP"})
    return {
        "llama-cpp-python": llama_cpp.__version__,
        "llama.cpp": version.decode() if isinstance(version, bytes) else str(version),
        "cpu features": " ".join(features) or "none reported",
        "amx guard": f"{'on' if decision.extra_bufts_off else 'off'} ({decision.reason})",
    }
