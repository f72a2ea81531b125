"""The seed deployments' environment names: warned about at start, never read silently."""

from __future__ import annotations

import logging
import re

import pytest

from docwarden.settings import SEED_VARIABLES, Settings, seed_variable_warnings

ISSUE_NAMES = ("WORKERS", "OCR_PROCESS_POOL_SIZE", "OCR_TIMEOUT", "MEMORY_THRESHOLD_GB",
               "MAX_FILE_SIZE", "MAX_CONVERSIONS", "OMP_NUM_THREADS")


def test_nothing_set_means_no_warning() -> None:
    assert seed_variable_warnings({"PATH": "/usr/bin", "DOCWARDEN_WORKERS": "2"}) == []


@pytest.mark.parametrize("name", ISSUE_NAMES)
def test_each_named_variable_is_warned_about_with_a_docwarden_setting(name: str) -> None:
    [line] = seed_variable_warnings({name: "4"})
    assert line.startswith(f"{name} is set") and "DOCWARDEN_" in line


def test_one_line_per_variable_set_and_the_mapping_is_the_expected_one() -> None:
    lines = seed_variable_warnings({"OCR_TASK_TIMEOUT": "30", "MAX_CONVERSIONS": "50",
                                    "LOG_ROTATION": "20 MB", "UNRELATED": "x"})
    assert len(lines) == 3
    by_name = {line.split()[0]: line for line in lines}
    assert "DOCWARDEN_JOB_TIMEOUT_S" in by_name["OCR_TASK_TIMEOUT"]
    assert "DOCWARDEN_MAX_JOBS_PER_WORKER" in by_name["MAX_CONVERSIONS"]
    assert "needs no setting" in by_name["LOG_ROTATION"]


def test_values_are_never_echoed() -> None:
    [line] = seed_variable_warnings({"API_KEYS": "s3cret-key-1,s3cret-key-2"})
    assert "s3cret" not in line and "DOCWARDEN_API_KEY" in line


def test_every_named_setting_exists() -> None:
    """A renamed Settings field would leave the warnings pointing at nothing."""
    fields = {"DOCWARDEN_" + name.upper() for name in Settings.model_fields}
    for replacement in SEED_VARIABLES.values():
        for word in re.findall(r"DOCWARDEN_[A-Z_]+", replacement):
            assert word in fields, (word, replacement)


def test_serve_logs_them(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
                         ) -> None:
    from docwarden import cli

    monkeypatch.setenv("OCR_PROCESS_POOL_SIZE", "4")
    with caplog.at_level(logging.WARNING, logger="docwarden.settings"):
        cli._warn_seed_variables()
    assert any("OCR_PROCESS_POOL_SIZE" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)
