"""Operator commands of `docwarden`: engines one-shot, batch, monitor, plan, deploy.

Each command is a thin wrapper: the work lives in `docwarden.client`,
`docwarden.planner` and `docwarden.deploy`, which are tested on their own.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from docwarden.settings import Settings

URL_HELP = "server URL; without it the engine runs in this process"
Url = Annotated[str | None, typer.Option("--url", help=URL_HELP)]
ApiKey = Annotated[str | None, typer.Option("--api-key", envvar="DOCWARDEN_API_KEY",
                                            help="Bearer key of the server")]
Files = Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)]


def _run_in_process(engine: str, path: Path, params: dict[str, Any]) -> dict[str, Any] | bytes:
    """Load the engine here (no server): handy for a one-off file or a smoke test."""
    from docwarden.engines.base import JobInput
    from docwarden.engines.registry import load_engine_class
    from docwarden.jobdata import BinaryResult

    instance = load_engine_class(engine)(Settings())
    instance.load()
    result = instance.run(JobInput(data=path.read_bytes(), params=params))
    return result.data if isinstance(result, BinaryResult) else result


def _run(engine: str, files: list[Path], url: str | None, api_key: str | None,
         params: dict[str, Any], out: Path | None = None) -> None:
    from docwarden.client.client import DocwardenClient

    client = DocwardenClient(url, api_key=api_key) if url else None
    for path in files:
        params = {k: v for k, v in params.items() if v is not None}
        answer = (client.run_engine(engine, path, **params) if client
                  else _run_in_process(engine, path, params))
        if isinstance(answer, bytes):
            target = (out or path.parent) / f"{path.stem}.{engine}.png"
            target.write_bytes(answer)
            typer.echo(f"{path} -> {target}")
        else:
            typer.echo(json.dumps({"file": str(path), **answer}, ensure_ascii=False, indent=2))
    if client:
        client.close()


def register(app: typer.Typer) -> None:
    """Add the operator commands to the main Typer app."""

    @app.command()
    def ocr(files: Files, url: Url = None, api_key: ApiKey = None) -> None:
        """Recognise text in images."""
        _run("ocr", files, url, api_key, {})

    @app.command()
    def idcard(files: Files, url: Url = None, api_key: ApiKey = None,
               side: Annotated[str, typer.Option(help="front, back or auto")] = "auto") -> None:
        """Read Chinese resident ID cards."""
        _run("idcard", files, url, api_key, {"side": side})

    @app.command()
    def pdf(files: Files, url: Url = None, api_key: ApiKey = None,
            password: Annotated[str | None, typer.Option()] = None,
            pages: Annotated[str | None, typer.Option(help="e.g. 1-3,7")] = None) -> None:
        """Convert PDFs to Markdown."""
        _run("pdf", files, url, api_key, {"password": password, "pages": pages})

    @app.command()
    def enhance(files: Files, url: Url = None, api_key: ApiKey = None,
                scale: Annotated[int, typer.Option(help="2 or 4")] = 4,
                out: Annotated[Path | None, typer.Option(file_okay=False)] = None) -> None:
        """Upscale images (writes FILE.enhance.png)."""
        _run("enhance", files, url, api_key, {"scale": scale}, out)

    @app.command(name="run")
    def run_engine(
        engine: Annotated[str, typer.Argument(help="any served engine, built-in or plug-in")],
        files: Annotated[list[Path] | None, typer.Argument(
            exists=True, dir_okay=False, readable=True, show_default=False)] = None,
        param: Annotated[list[str] | None, typer.Option(
            "--param", "-p", help="engine parameter key=value (repeat it)")] = None,
        url: Url = None, api_key: ApiKey = None,
        out: Annotated[Path | None, typer.Option(
            file_okay=False, help="folder for binary answers (images)")] = None) -> None:
        """Run any engine (plug-ins too) on files, with --param key=value parameters."""
        from docwarden.cli_run import run_command

        raise typer.Exit(run_command(engine, files or [], param or [], url, api_key, out))

    _register_operations(app)


def _register_operations(app: typer.Typer) -> None:
    @app.command()
    def batch(input_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
              out: Annotated[Path, typer.Option("--out", help="result directory")],
              engine: Annotated[str, typer.Option()] = "ocr",
              url: Annotated[str, typer.Option()] = "http://127.0.0.1:8000",
              api_key: ApiKey = None,
              concurrency: Annotated[int, typer.Option(min=1)] = 4,
              pattern: Annotated[str, typer.Option(help="glob of files to send")] = "*",
              retry_failed: Annotated[bool, typer.Option()] = False,
              output_format: Annotated[str, typer.Option(
                  "--format", help="json: <name>.json answers; md: <stem>.md Markdown/text")
              ] = "json",
              force: Annotated[bool, typer.Option(
                  "--force", help="send every file again, even those with a result")] = False,
              report: Annotated[Path | None, typer.Option(
                  help="JSON report of the run [default: OUT/batch_report.json]")] = None,
              ) -> None:
        """Send every file of a directory; resumable (finished files are skipped)."""
        from docwarden.client.batch import OutputFormat, print_summary, run_batch

        if output_format not in {f.value for f in OutputFormat}:
            raise typer.BadParameter("--format is json or md")
        summary = run_batch(input_dir, out, engine=engine, url=url, api_key=api_key,
                            concurrency=concurrency, pattern=pattern, retry_failed=retry_failed,
                            output_format=OutputFormat(output_format), force=force,
                            report_path=report)
        print_summary(summary)
        raise typer.Exit(summary.exit_code)

    @app.command()
    def monitor(url: Annotated[str, typer.Option()] = "http://127.0.0.1:8000",
                api_key: ApiKey = None,
                watch: Annotated[bool, typer.Option("--watch")] = False,
                interval: Annotated[float, typer.Option(min=0.2)] = 5.0,
                threshold: Annotated[float | None, typer.Option(help="MB of service RSS")] = None
                ) -> None:
        """Host and worker memory; exit 0 normal, 1 attention, 2 warning, 3 unreachable."""
        from docwarden.client import monitor as monitoring

        if watch:
            level = monitoring.watch(url, interval_s=interval, api_key=api_key,
                                     threshold_mb=threshold)
        else:
            level = monitoring.monitor_once(url, api_key=api_key, threshold_mb=threshold)
        raise typer.Exit(int(level))

    @app.command()
    def plan(memory: Annotated[str, typer.Option(help="memory for the service, e.g. 4G")],
             engines: Annotated[str | None, typer.Option(help="comma separated")] = None,
             cores: Annotated[int | None, typer.Option(
                 min=1, help="CPU cores for the service [default: this machine's]")] = None,
             as_json: Annotated[bool, typer.Option("--json")] = False,
             hints: Annotated[bool, typer.Option(
                 "--hints", help="plan from the engines' declared memory hints, no measuring")
             ] = False) -> None:
        """Measure each engine in a throwaway worker and print how many workers fit.

        An engine that cannot be measured here is planned from its declared hints.
        """
        from docwarden.planner import advise, measure_or_hint
        from docwarden.readings import MIB, parse_memory_size

        settings = Settings(engines=engines.split(",")) if engines else Settings()
        measured = [measure_or_hint(settings, name, measure_it=not hints)
                    for name in _engines_to_plan(settings)]
        result = advise(parse_memory_size(memory) // MIB, measured, settings,
                        cores or len(os.sched_getaffinity(0)))
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
            return
        _print_plan(result.to_dict())

    @app.command()
    def deploy(kind: Annotated[str, typer.Argument(help="systemd or supervisor")],
               memory_max: Annotated[str, typer.Option()] = "4G",
               user: Annotated[str, typer.Option()] = "docwarden",
               working_dir: Annotated[Path, typer.Option()] = Path("/var/lib/docwarden"),
               out: Annotated[Path | None, typer.Option(dir_okay=False)] = None,
               command: Annotated[str, typer.Option(
                   help="serve (API node or one machine) or worker (celery compute node)")
               ] = "serve") -> None:
        """Write a systemd unit or a supervisord program section (stdout or --out)."""
        from docwarden.deploy import DeployOptions, render_supervisor, render_systemd

        renderers = {"systemd": render_systemd, "supervisor": render_supervisor}
        if kind not in renderers:
            raise typer.BadParameter("choose systemd or supervisor")
        options = DeployOptions(memory_max=memory_max, user=user, working_dir=working_dir,
                                command=command)
        try:
            text = renderers[kind](Settings(), options)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text)
            typer.echo(f"wrote {out}")


def _engines_to_plan(settings: Settings) -> list[str]:
    """The engines to measure; an unknown or disabled one is a usage error, not a traceback."""
    from docwarden.engines.registry import known_engines

    known = known_engines()
    unknown = [name for name in settings.engines if name not in known]
    if unknown:
        raise typer.BadParameter(f"unknown engine(s) {', '.join(unknown)}; known: "
                                 f"{', '.join(known)}", param_hint="--engines")
    if "chaos" in settings.engines and not settings.enable_chaos:
        raise typer.BadParameter("chaos is the test engine: set DOCWARDEN_ENABLE_CHAOS=1 to "
                                 "plan it", param_hint="--engines")
    if not settings.served_engines:
        raise typer.BadParameter("no engine to plan", param_hint="--engines")
    return settings.served_engines


def _print_plan(plan: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"docwarden plan for {plan['memory_mb']} MB "
                        f"({plan['usable_mb']} MB usable for workers)")
    for column in ("engine", "load MB", "peak MB", "hint load/job MB", "cost MB", "job s",
                   "from"):
        table.add_column(column)
    for row in plan["measurements"]:
        table.add_row(row["engine"], str(row["load_rss_mb"]), str(row["peak_rss_mb"]),
                      f"{row['load_hint_mb']}/{row['job_hint_mb']}", str(row["cost_mb"]),
                      "-" if row["job_s"] is None else str(row["job_s"]), row["source"])
    console = Console()
    console.print(table)
    for row in plan["measurements"]:
        if row["note"]:
            console.print(f"{row['engine']}: {row['note']}; planned from its hints")
    console.print(f"the memory fits {plan['workers_per_engine']} worker(s) per engine; "
                  f"for {plan['cpu_cores']} core(s): {plan['workers_advised']} worker(s) x "
                  f"{plan['threads_per_worker']} thread(s)")
    for key, value in plan["settings"].items():
        console.print(f"{key}={value}")
