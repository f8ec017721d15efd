"""``ledger serve``: the web verifier (a page at ``/``) and a versioned REST API, read-only.

An ASGI application (Starlette, served by uvicorn) over a workspace joined to a deployment. It holds
no issuer key and never writes to the chain; people drop or paste a credential file, or open a share
link, and read the verdict in words.

Modules: :mod:`~ledger.serve.service` (the operations, without HTTP), :mod:`~ledger.serve.app` (routes,
errors, security headers, limits), :mod:`~ledger.serve.limits` (rate limit, capped bodies),
:mod:`~ledger.serve.openapi` (the API's description); ``static/`` holds the page (HTML, script, style,
no external resource).

The package imports none of its modules (the command imports what it runs, so the chain of imports stays
short): ``from ledger.serve.app import create_app``, ``from ledger.serve.service import VerifierService``.

May import: the facade (``ledger.ledger``) and every package below it; Starlette and anyio (never click
or rich).
"""

from __future__ import annotations

__all__: list[str] = []  # import from the modules: ledger.serve.app.create_app, ledger.serve.service.VerifierService
