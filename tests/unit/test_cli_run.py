"""`docwarden run ENGINE FILE --param k=v`: any engine in-process, params checked by its model."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from docwarden.cli import app
from docwarden.cli_run import _binary_target, parse_params

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
runner = CliRunner()


def test_params_are_key_value_pairs_kept_as_strings() -> None:
    assert parse_params(["lang=rus+eng", "psm=6", "empty=", "eq=a=b"]) == {
        "lang": "rus+eng", "psm": "6", "empty": "", "eq": "a=b"}
    for bad in (["novalue"], ["=x"], ["bad key=1"], ["a=1", "a=2"]):
        with pytest.raises(typer.BadParameter):
            parse_params(bad)


def test_an_engine_without_input_runs_once_with_its_validated_params() -> None:
    result = runner.invoke(app, ["run", "chaos", "--param", "echo=hi", "-p", "sleep_s=0"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["echo"] == "hi"


def test_params_the_model_refuses_are_a_usage_error_before_loading() -> None:
    result = runner.invoke(app, ["run", "chaos", "-p", "sleep_s=-1"])
    assert result.exit_code == 2 and "sleep_s" in result.output
    result = runner.invoke(app, ["run", "chaos", "-p", "nope=1"])
    assert result.exit_code == 2 and "nope" in result.output


def test_unknown_engines_and_missing_files_are_usage_errors(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    result = runner.invoke(app, ["run", "nope", str(image)])
    assert result.exit_code == 2 and "unknown engine" in result.output
    result = runner.invoke(app, ["run", "pdf"])
    assert result.exit_code == 2 and "reads a file" in result.output


def test_binary_answers_are_written_next_to_the_input_with_their_type(tmp_path: Path) -> None:
    source = tmp_path / "photo.jpg"
    assert _binary_target(str(source), "enhance", PNG, None) == tmp_path / "photo.enhance.png"
    out = tmp_path / "out"
    assert _binary_target(str(source), "x", b"????", out) == out / "photo.x.bin"


@pytest.mark.skipif(importlib.util.find_spec("docwarden_example") is None,
                    reason="pip install -e plugins/docwarden-example")
def test_a_plugin_engine_runs_through_its_entry_point(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    result = runner.invoke(app, ["run", "checksum", str(image), "-p", "algorithm=sha1"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body == {"file": str(image), "algorithm": "sha1",
                    "digest": hashlib.sha1(PNG).hexdigest(), "size_bytes": len(PNG)}
    refused = runner.invoke(app, ["run", "checksum", str(image), "-p", "algorithm=md5"])
    assert refused.exit_code == 2 and "algorithm" in refused.output


@pytest.mark.skipif(importlib.util.find_spec("docwarden_tesseract") is None,
                    reason="pip install -e plugins/docwarden-tesseract")
def test_an_engine_error_is_printed_as_the_api_error_and_exits_1(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    result = runner.invoke(app, ["run", "tesseract", str(image), "-p", "lang=xyz"])
    assert result.exit_code == 1, result.output
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "invalid_input" and "installed" in error["message"]
