"""Under ASGI the middleware chain runs in one thread, not a thread switch per middleware."""

import pytest
from asgiref import sync
from django.test import AsyncClient

pytestmark = pytest.mark.django_db


async def test_a_request_under_asgi_switches_threads_a_fixed_few_times(monkeypatch):
    calls = []
    real_call = sync.SyncToAsync.__call__

    async def counting_call(self, *args, **kwargs):
        calls.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await real_call(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting_call)

    response = await AsyncClient().get("/console/login/")

    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    # Signals, into the sync chain, process_view, the view, rendering, closing. A sync-only
    # middleware above async-capable ones made it 18 (each process_request/process_response).
    assert len(calls) <= 6, calls
