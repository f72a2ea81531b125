"""The `docwarden` command line.

`serve` takes one flag per Settings field (generated, so flags and
DOCWARDEN_* variables cannot drift apart); the other commands are thin
wrappers over the client, planner and deployment modules.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer

from docwarden import cli_tools
from docwarden.settings import DispatchMode, Settings

app = typer.Typer(help="docwarden: a governed inference server for document models",
                  no_args_is_help=True, add_completion=False)


@app.callback()
def _root() -> None:
    """docwarden: a governed inference server for document models."""


def _settings_from_flags(flags: dict[str, Any]) -> Settings:
    """Flags override the environment; unset flags leave it alone."""
    given = {name: value for name, value in flags.items() if value is not None}
    return Settings(**given)


def _serve(**flags: Any) -> None:
    import uvicorn

    from docwarden.api.app import create_app
    from docwarden.monitoring.logging import configure_logging

    settings = _settings_from_flags(flags)
    if settings.dispatch is DispatchMode.CELERY:
        _require_celery()
    configure_logging(settings.log_level, settings.log_format)
    _warn_seed_variables()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, workers=1,
                log_config=None, timeout_graceful_shutdown=int(settings.shutdown_grace_s) + 5,
                access_log=False)


def _warn_seed_variables() -> None:
    """A moved .env of a seed deployment is never ignored silently (DESIGN.md section 4)."""
    import logging

    from docwarden.settings import seed_warnings_from_environment

    log = logging.getLogger("docwarden.settings")
    for line in seed_warnings_from_environment():
        log.warning(line)


def _serve_signature() -> inspect.Signature:
    """One `--flag` per Settings field, each documented with its variable."""
    params = []
    for name, field in Settings.model_fields.items():
        env = "DOCWARDEN_" + name.upper()
        option = typer.Option(None, "--" + name.replace("_", "-"),
                              help=f"{field.description} [env {env}]", show_default=False)
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                        default=option, annotation=str | None))
    return inspect.Signature(params)


_serve.__signature__ = _serve_signature()  # type: ignore[attr-defined]
app.command("serve", help="Run the HTTP service with the governed worker pools.")(_serve)


def _require_celery() -> None:
    import importlib.util

    if importlib.util.find_spec("celery") is None:
        raise typer.BadParameter("celery mode needs the extra: pip install 'docwarden[celery]'")


def _worker(**flags: Any) -> None:
    """A compute node of celery mode: its own governed pools, jobs taken from Redis."""
    from docwarden.monitoring.logging import configure_logging

    settings = _settings_from_flags(flags)
    if not settings.broker_url:
        raise typer.BadParameter("`docwarden worker` needs DOCWARDEN_BROKER_URL "
                                 "(--broker-url redis://HOST:6379/0)")
    _require_celery()
    from docwarden.celery.node import run_node

    configure_logging(settings.log_level, settings.log_format)
    raise typer.Exit(run_node(settings))


_worker.__signature__ = _serve_signature()  # type: ignore[attr-defined]
app.command("worker", help="Run a compute node of celery mode (DOCWARDEN_BROKER_URL): "
            "governed pools for --engines, fed from their Redis queues.")(_worker)


def main() -> None:
    app()


cli_tools.register(app)


@app.command()
def version() -> None:
    """Print the version."""
    from docwarden import __version__

    typer.echo(__version__)


if __name__ == "__main__":
    main()
