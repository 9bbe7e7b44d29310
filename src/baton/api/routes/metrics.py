"""`GET /metrics`: the Prometheus text format, for an admin-scoped key, of its own tenant."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from baton.api.deps import AdminKey
from baton.metrics import CONTENT_TYPE, TurnMetrics, exposition

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response)
async def metrics(request: Request, caller: AdminKey) -> Response:
    """Turn latency, decisions, shedding, store errors, outbox, queues, SLAs (docs/deployment.md).

    Scrape with an admin-scoped key (`Authorization: Bearer`); every series is the key's tenant's.
    """
    counted: TurnMetrics = request.app.state.metrics
    body = await run_in_threadpool(
        exposition,
        metrics=counted,
        factory=request.app.state.session_factory,
        tenant=caller.tenant_id,
    )
    return Response(content=body, media_type=CONTENT_TYPE)
