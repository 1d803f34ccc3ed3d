"""Which process holds which key, checked while the code runs (the static checks are in
test_callbacks_store.py): the console, through every page an admin can open and the
directory's sealing, never loads the callers' contacts key, nor the pseudonym key."""

from __future__ import annotations

import pytest

from core import contacts, secrets
from tests.fixtures.web import login, post


@pytest.fixture
def no_contacts_key(config, monkeypatch):
    (config.secrets_dir / secrets.CONTACTS_KEY).unlink()
    loaded = []

    def refuse(cls, config):
        loaded.append(cls)
        raise AssertionError("the console loaded the contacts key")

    monkeypatch.setattr(contacts.ContactCipher, "from_config", classmethod(refuse))
    # Nor the pseudonym key: with it, anyone holding a list of numbers could tell who called.
    monkeypatch.setattr(secrets, "pseudonym_key", lambda config: loaded.append("pseudonym") or b"")
    return loaded


def test_the_console_never_loads_the_contacts_key_on_any_page(app, client, fresh_db, config, no_contacts_key):
    login(client, "ada")
    form = {"kind": "responder", "name": "Base Beni", "localities": "1101", "language": "fr", "order": "1",
            "number": "+243 970 000 111"}
    assert post(client, "/admin/directory", form).status_code == 302, "the directory seals with its own key"
    opened = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            response = client.get(rule.rule)
            assert response.status_code < 500, rule.rule
            opened.append(rule.rule)
    assert "/admin/directory" in opened and len(opened) > 10
    assert not no_contacts_key
    assert not (config.secrets_dir / secrets.CONTACTS_KEY).exists()
