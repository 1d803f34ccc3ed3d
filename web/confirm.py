"""Asking before a change an admin cannot take back: a delete, disabling an account, a new password.

It works without JavaScript. The list's button is a link (GET) to a page that says what
will change, whose form POSTs the same URL with `confirm=1` and the session's CSRF token.
A POST without `confirm=1` (a form cached from before, a crafted request, a double
click on the wrong row) changes nothing and shows that same page. The change itself is
audited by the store, as before; looking at the question changes nothing, so it is not.
"""

from __future__ import annotations

from flask import render_template, request

CONFIRM_FIELD = "confirm"


def confirmed() -> bool:
    """True only for a POST that carries the confirmation page's `confirm=1`."""
    return request.method == "POST" and request.form.get(CONFIRM_FIELD) == "1"


def ask(question: str, button: str, back: str, fields: dict[str, str] | None = None,
        texts: dict[str, str] | None = None):
    """The confirmation page for this URL: `question` says what will change, `button` does it,
    `back` (the list) does nothing; `fields` are hidden values the POST needs besides `confirm`,
    `texts` hidden multi-line ones (an uploaded file's text), sent back as multipart."""
    return render_template("confirm.html", question=question, button=button, action=request.path, back=back,
                           fields=fields or {}, texts=texts or {}, confirm_field=CONFIRM_FIELD)
