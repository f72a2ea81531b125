from __future__ import annotations

import pytest
from pydantic import ValidationError

from docwarden.settings import Allocator, Settings


def test_defaults_match_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert settings.host == "127.0.0.1" and settings.port == 8000
    assert settings.engines == ["ocr", "idcard", "pdf"]
    assert (settings.max_jobs_per_worker, settings.max_jobs_jitter) == (50, 5)
    assert (settings.max_worker_rss_mb, settings.hard_worker_rss_mb) == (2048, 3072)
    assert settings.queue_size == 16 and settings.min_free_memory_mb == 512
    assert settings.allocator is Allocator.AUTO and not settings.enable_chaos
    assert settings.max_image_pixels == 16_777_216 and settings.max_batch == 10


def test_environment_with_comma_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCWARDEN_ENGINES", "ocr, pdf")
    monkeypatch.setenv("DOCWARDEN_WORKERS", "3")
    settings = Settings()
    assert settings.engines == ["ocr", "pdf"] and settings.workers == 3


def test_chaos_is_served_only_when_enabled() -> None:
    assert "chaos" not in Settings(engines=["ocr", "chaos"]).served_engines
    assert Settings(engines=["ocr"], enable_chaos=True).served_engines == ["ocr", "chaos"]


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(workers=0)
    with pytest.raises(ValidationError):
        Settings(watch_interval_s=1.0)  # the parent must watch at least every 250 ms
