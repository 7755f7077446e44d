"""The AMX guard: its decision from given CPU flags and library features, and that a load really takes it."""

from __future__ import annotations

import pytest

from providers.local import cpu_guard
from providers.local.cpu_guard import decide
from providers.settings import LocalModel, smollm2_path
from tests.engine_helpers import columns, run
from tests.test_cli import cli
from tests.test_local import fresh_registry

SAPPHIRE_RAPIDS = {"avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "amx_int8"}
EPYC = {"avx2", "fma", "bmi2", "vaes"}


@pytest.mark.parametrize(
    "library, cpu, off",
    [
        ({"AVX2", "AVX512", "AMX_INT8"}, SAPPHIRE_RAPIDS, True),  # a native build on an AMX Xeon: the crash case
        ({"AVX2", "AVX512"}, SAPPHIRE_RAPIDS, False),  # a portable build without AMX kernels
        ({"AVX2", "AMX_INT8"}, EPYC, False),  # AMX kernels the CPU cannot run are never chosen
        ({"AVX2"}, EPYC, False),
        ({"AVX2", "AMX_INT8"}, {"amx_tile"}, True),  # a kernel that reports only the tile flag
    ],
)
def test_extra_buffer_types_go_off_only_where_the_library_and_the_cpu_both_have_amx(library, cpu, off):
    decision = decide(library, cpu)
    assert decision.extra_bufts_off is off
    assert ("AMX" in decision.reason) or not off


def test_the_environment_overrides_the_decision_either_way_and_a_bad_value_says_what_is_allowed():
    assert decide({"AVX2"}, EPYC, "off").extra_bufts_off
    assert not decide({"AMX_INT8"}, SAPPHIRE_RAPIDS, "on").extra_bufts_off
    assert decide({"AMX_INT8"}, SAPPHIRE_RAPIDS, " AUTO ").extra_bufts_off
    with pytest.raises(ValueError, match="auto, on or off"):
        decide(set(), set(), "maybe")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text(
        "processor\t: 0\nmodel name\t: Intel Xeon\nflags\t\t: fpu avx2 amx_tile amx_int8\n\nprocessor\t: 1\n"
    )
    assert cpu_guard.cpu_flags(info) == {"fpu", "avx2", "amx_tile", "amx_int8"}
    assert cpu_guard.cpu_flags(tmp_path / "absent") == set()


def test_a_guarded_load_passes_use_extra_bufts_false_to_llama_cpp(monkeypatch):
    import llama_cpp._internals as internals

    from providers.local.engine import LocalEngine

    seen = []
    real_model = internals.LlamaModel

    def spy(*args, params, **kwargs):
        seen.append(params.use_extra_bufts)
        return real_model(*args, params=params, **kwargs)

    monkeypatch.setattr(internals, "LlamaModel", spy)
    for override in ("off", "on"):
        monkeypatch.setenv(cpu_guard.OVERRIDE_VAR, override)
        LocalEngine(LocalModel("smollm2", smollm2_path())).warm()
    assert seen == [False, True]


def test_the_engine_process_loads_through_the_guard_and_answers_the_same_either_way(monkeypatch):
    spec = columns(
        ["local:smollm2"], prompt="Name three colours and say why people like them.", max_tokens=12, temperature=0
    )
    replies, flags = [], []
    for override in ("off", "on"):
        monkeypatch.setenv(cpu_guard.OVERRIDE_VAR, override)
        registry = fresh_registry()
        [result] = run(registry, spec)
        replies.append(result)
        flags.append(registry.providers["local"].runtimes["smollm2"].stats()["extra_bufts"])
    assert flags == [False, True], "the override reaches the engine process"
    assert replies[0].error is None and replies[0].text == replies[1].text, "the same greedy reply either way"


def test_a_bad_override_fails_the_local_column_with_the_allowed_values(monkeypatch):
    monkeypatch.setenv(cpu_guard.OVERRIDE_VAR, "sometimes")
    [result] = run(fresh_registry(), columns(["local:smollm2"], max_tokens=4))
    assert "auto, on or off" in result.error


def test_list_shows_the_local_engine_versions_features_and_guard():
    done = cli("--list")
    assert done.returncode == 0, done.stderr
    line = next(row for row in done.stdout.splitlines() if row.startswith("local models run on:"))
    decision = cpu_guard.current_decision()
    assert "llama-cpp-python 0.3.36" in line and "llama.cpp " in line and "AVX" in line
    assert f"amx guard {'on' if decision.extra_bufts_off else 'off'} ({decision.reason})" in line
