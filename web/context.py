"""The request's shared state, used by every other console module: the store on `g`,
the logged-in user's role, and whether the client wants JSON.

This module imports nothing from the rest of web/, so anything may import it.
"""

from __future__ import annotations

from flask import current_app, g, request

from core.accounts import role_at_least
from core.store import Store


def get_store() -> Store:
    if "store" not in g:
        g.store = Store.open(current_app.config["SAUTI_CONFIG"].db_path, migrate=False)
    return g.store


def close_store(exc=None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def wants_json() -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def has_role(role: str) -> bool:
    return g.get("user") is not None and role_at_least(g.user["role"], role)
