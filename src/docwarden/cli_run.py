"""`docwarden run ENGINE [FILE...] --param key=value`: any engine, built-in or plug-in.

The per-engine commands (`docwarden ocr`, `pdf` ...) stay for their typed
options; `run` reaches every engine the registry knows, including installed
plug-ins, with no change to docwarden.  In-process (no --url) the engine's own
params model checks the parameters exactly as the server's admission does;
against a server they go as form fields and the server checks them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from docwarden.settings import Settings

BINARY_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp",
                     "image/tiff": "tiff", "image/bmp": "bmp", "image/gif": "gif",
                     "application/pdf": "pdf"}


@dataclass(frozen=True)
class Outcome:
    """One file's answer (JSON dict or bytes) or its error as the API shapes it."""

    label: str
    answer: dict[str, Any] | bytes | None = None
    error: dict[str, Any] | None = None


def _inputs(files: list[Path]) -> list[Path | None]:
    """The files, or one run without input for an engine that reads none."""
    return list(files) if files else [None]


def parse_params(pairs: list[str]) -> dict[str, str]:
    """`key=value` options as a dict; values stay strings (the params model converts)."""
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise typer.BadParameter(f"{pair!r} is not key=value", param_hint="--param")
        if key in params:
            raise typer.BadParameter(f"{key} given twice", param_hint="--param")
        params[key] = value
    return params


def _local_spec_needs_file(engine: str) -> bool | None:
    """Whether the engine reads a file, or None when this machine does not know it."""
    from docwarden.engines.registry import UnknownEngine, engine_spec

    try:
        return engine_spec(engine).takes_file
    except UnknownEngine:
        return None


def _in_process(engine: str, files: list[Path], params: dict[str, str]) -> Iterator[Outcome]:
    """Load the engine here once, validate the params with its model, run every file."""
    from pydantic import ValidationError

    from docwarden.engines.base import JobInput
    from docwarden.engines.registry import UnknownEngine, engine_spec, load_engine_class
    from docwarden.errors import DocwardenError
    from docwarden.jobdata import BinaryResult

    try:
        spec = engine_spec(engine)
        validated = spec.validate_params(params)
    except UnknownEngine as exc:
        raise typer.BadParameter(str(exc), param_hint="ENGINE") from None
    except ValidationError as exc:
        raise typer.BadParameter(_validation_message(exc), param_hint="--param") from None
    instance = load_engine_class(engine)(Settings())
    instance.load()
    try:
        for path in _inputs(files):
            label = str(path) if path else engine
            data = path.read_bytes() if path else None
            try:
                result = instance.run(JobInput(data=data, params=validated))
            except DocwardenError as exc:
                yield Outcome(label, error=exc.to_dict())
                continue
            yield Outcome(label, result.data if isinstance(result, BinaryResult) else result)
    finally:
        instance.close()


def _validation_message(exc: Any) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'params'}: {e['msg']}"
                     for e in exc.errors())


def _remote(engine: str, files: list[Path], params: dict[str, str], url: str,
            api_key: str | None) -> Iterator[Outcome]:
    from docwarden.client.client import DocwardenClient
    from docwarden.client.errors import DocwardenClientError

    with DocwardenClient(url, api_key=api_key) as client:
        for path in _inputs(files):
            label = str(path) if path else engine
            try:
                yield Outcome(label, client.run_engine(engine, path, **params))
            except DocwardenClientError as exc:
                yield Outcome(label, error={"code": exc.code_name, "message": exc.message,
                                            "retryable": exc.retryable})


def _binary_target(label: str, engine: str, data: bytes, out: Path | None) -> Path:
    from docwarden.errors import DocwardenError
    from docwarden.media import sniff

    try:
        extension = BINARY_EXTENSIONS.get(sniff(data).value, "bin")
    except DocwardenError:
        extension = "bin"
    source = Path(label)
    folder = out or (source.parent if source.suffix else Path.cwd())
    return folder / f"{source.stem}.{engine}.{extension}"


def run_command(engine: str, files: list[Path], pairs: list[str], url: str | None,
                api_key: str | None, out: Path | None) -> int:
    """Print each answer (JSON) or write it (bytes); 1 when any file failed."""
    params = parse_params(pairs)
    needs_file = _local_spec_needs_file(engine)
    if needs_file and not files:
        raise typer.BadParameter(f"the {engine} engine reads a file: give FILE",
                                 param_hint="FILE")
    outcomes = (_remote(engine, files, params, url, api_key) if url
                else _in_process(engine, files, params))
    failed = False
    for outcome in outcomes:
        if outcome.error is not None:
            failed = True
            sys.stderr.write(json.dumps({"file": outcome.label, "error": outcome.error},
                                        ensure_ascii=False) + "\n")
        elif isinstance(outcome.answer, bytes):
            target = _binary_target(outcome.label, engine, outcome.answer, out)
            target.write_bytes(outcome.answer)
            typer.echo(f"{outcome.label} -> {target}")
        else:
            typer.echo(json.dumps({"file": outcome.label, **(outcome.answer or {})},
                                  ensure_ascii=False, indent=2))
    return 1 if failed else 0
