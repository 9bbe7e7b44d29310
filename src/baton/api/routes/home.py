"""The landing page at `/`, the favicon, and the API docs served from a package (no CDN).

Swagger UI's and ReDoc's files come from the `fastapi-offline` package (only its files are
used) and are served by Baton at `/docs-assets/`, so `/docs` and `/redoc` work on a machine with
no internet access.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)
ASSETS = "/docs-assets"
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#1f4e79"/>'
    '<path d="M7 25 L25 7" stroke="#f5c542" stroke-width="4" stroke-linecap="round"/>'
    '<circle cx="25" cy="7" r="3" fill="#f5c542"/></svg>'
)


def _page(links: list[tuple[str, str, str]]) -> str:
    items = "".join(
        f'<li><a href="{escape(href)}">{escape(name)}</a>: {escape(what)}</li>'
        for href, name, what in links
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<link rel="icon" href="/favicon.ico" type="image/svg+xml">'
        "<title>Baton</title></head><body><main><h1>Baton</h1>"
        "<p>AI-to-human conversation handoffs.</p>"
        f"<ul>{items}</ul></main></body></html>"
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """Where to go from here: the demo (when running), the console, the API docs, health."""
    links = [
        ("/console", "Agent console", "sign in and work the cases"),
        ("/docs", "API docs", "the bot-facing and admin API (Swagger UI)"),
        ("/healthz", "Health", "liveness; /readyz checks the store"),
    ]
    if getattr(request.app.state, "demo", False):
        links.insert(0, ("/demo", "Demo chat", "talk to the demo bot as a customer"))
    return HTMLResponse(_page(links))


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(FAVICON, media_type="image/svg+xml")


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI with its files served by Baton itself."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title="Baton API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url="/favicon.ico",
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc, its file served by Baton itself."""
    return get_redoc_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title="Baton API",
        redoc_js_url=f"{ASSETS}/redoc.standalone.js",
        redoc_favicon_url="/favicon.ico",
        with_google_fonts=False,
    )


def install(app: FastAPI) -> None:
    """The landing page, favicon, `/docs`, `/redoc` and their files."""
    app.include_router(router)
    folder = Path(str(resources.files("fastapi_offline") / "static"))
    app.mount(ASSETS, StaticFiles(directory=folder), name="docs-assets")
