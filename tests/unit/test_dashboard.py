"""The dashboard's routes and files: served from the package, public, self-contained."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI

from docwarden.api.app import create_app
from docwarden.api.dashboard import STATIC_DIR
from docwarden.settings import Settings

KEY = "s3cret-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
URL = re.compile(r"""(?:https?:)?//[^\s"'`)<>]+""")
LOOPBACK = re.compile(r"^(?:https?:)?//(?:127\.0\.0\.1|localhost|\[::1\])(?:[:/]|$)")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    """The real app (engine list, auth, routers) without its lifespan: no worker starts."""
    settings = Settings(engines=["ocr"], enable_chaos=True, api_key=KEY,
                        data_dir=tmp_path / "data")
    built = create_app(settings)
    yield built
    built.state.ctx.supervisor.shutdown(grace_s=0)


class Client:
    """Requests straight into the ASGI app (starlette's TestClient warns about httpx)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://dashboard") as c:
                return await c.request(method, path, **kwargs)  # type: ignore[arg-type]

        return anyio.run(send)

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture
def client(app: FastAPI) -> Client:
    return Client(app)


def static_files() -> list[Path]:
    return sorted(p for p in STATIC_DIR.iterdir() if p.is_file())


def test_index_is_public_with_a_strict_policy(client: Client) -> None:
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert '<script type="module" src="/static/app.js">' in answer.text


@pytest.mark.parametrize(("name", "media_type"), [
    ("app.js", "text/javascript"), ("markdown.js", "text/javascript"), ("app.css", "text/css"),
    ("index.html", "text/html"),
])
def test_assets_are_served_with_their_types(client: Client, name: str,
                                            media_type: str) -> None:
    answer = client.get(f"/static/{name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(media_type)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.content == (STATIC_DIR / name).read_bytes()


@pytest.mark.parametrize("path", [
    "/static/missing.js", "/static/..%2Fapi%2Fapp.py", "/static/.hidden.js", "/static/APP.JS",
    "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
])
def test_nothing_outside_the_asset_list_is_served(client: Client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_every_file_the_page_loads_is_shipped(client: Client) -> None:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    scripts = "".join(p.read_text(encoding="utf-8") for p in STATIC_DIR.glob("*.js"))
    referenced = set(re.findall(r'(?:src|href)="/static/([^"]+)"', html))
    referenced |= set(re.findall(r'from "\./([^"]+)"', scripts))
    assert {"app.js", "app.css", "markdown.js"} <= referenced
    for name in referenced:
        assert client.get(f"/static/{name}").status_code == 200, name


@pytest.mark.parametrize("path", static_files(), ids=lambda p: p.name)
def test_no_external_url_in_the_static_files(path: Path) -> None:
    """Everything is local: no CDN, no web font, no absolute or protocol-relative URL."""
    text = path.read_text(encoding="utf-8")
    external = [url for url in URL.findall(text) if not LOOPBACK.match(url)]
    assert external == [], f"{path.name} loads from outside: {external}"
    assert "@import" not in text and "url(" not in text.replace("url(blob:", "")


def test_drain_needs_the_key(client: Client) -> None:
    answer = client.post("/v1/workers/drain")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


def test_drain_answers_the_count_of_loaded_workers(client: Client) -> None:
    answer = client.post("/v1/workers/drain", headers=AUTH)
    assert answer.status_code == 200
    assert answer.json() == {"draining": 0}  # no worker has loaded: the lifespan did not run
    answer = client.post("/v1/workers/drain?engine=chaos", headers=AUTH)
    assert answer.json() == {"draining": 0}


def test_drain_answers_404_for_an_engine_not_served(client: Client) -> None:
    answer = client.post("/v1/workers/drain?engine=pdf", headers=AUTH)
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "not_found" and "pdf" in error["message"]


def test_health_stays_public_and_metrics_need_the_key(client: Client) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=AUTH).status_code == 200
    assert "drain" in str(client.get("/openapi.json", headers=AUTH).json()["paths"])
