"""CSV imports (gazetteer, directory): one helper, the same refusals in French, the limit on the form."""

from __future__ import annotations

import pytest

from tests.fixtures.web import login, post, post_file

PAGES = ["/admin/localities", "/admin/directory"]


@pytest.mark.parametrize("page", PAGES)
def test_the_form_shows_its_limit(client, fresh_db, page):
    login(client, "ada")
    text = client.get(page).text
    assert "UTF-8, 2 Mo au plus." in text and f'action="{page}/import"' in text and f"{page}/" in text
    assert ('name="replace"' in text) == (page == "/admin/localities")   # the gazetteer's own option


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("upload, status, words", [
    (None, 400, "Choisissez un fichier CSV."),
    ((b"code,name\n1,Mb\xe9ni\n", "latin1.csv"), 400, "Le fichier n&#39;est pas du texte UTF-8."),
    ((b"x" * (2 * 1024 * 1024 + 1), "big.csv"), 413, "Fichier trop lourd (2 Mo au plus)."),
])
def test_refusals_are_clear_and_change_nothing(client, fresh_db, page, upload, status, words):
    login(client, "ada")
    before = len(fresh_db.audit_entries())
    if upload:
        response = post_file(client, f"{page}/import", *upload)
    else:
        response = post(client, f"{page}/import", {}, content_type="multipart/form-data")
    assert response.status_code == status and words in response.text
    assert len(fresh_db.audit_entries()) == before


@pytest.mark.parametrize("page, text, words", [
    ("/admin/localities", "code,name\n1,X\n1,Y\n", "ligne 3 : le code 1 figure deux fois"),
    ("/admin/localities", "code,name\n12a,X\n", "ligne 2 : le code est fait de 1 à 6 chiffres, pas « 12a »"),
    ("/admin/directory", "name,localities\nX,1\n", "l&#39;en-tête doit nommer kind, name et localities (manque : kind)"),
    ("/admin/directory", "kind,name,localities\nboss,X,1\n", "ligne 2 : le type est « responder »"),
    ("/admin/directory", "kind,name,localities\nresponder,X,1\n", "X : une nouvelle entrée a besoin d&#39;un numéro"),
    ("/admin/directory", "kind,name,localities,order\nresponder,X,1,0\n", "ligne 2 : l&#39;ordre d&#39;appel est"),
    ("/admin/directory", "kind,name,localities\nresponder,X,1\nresponder,X,2\n", "ligne 3 : « X » figure deux fois"),
])
def test_a_refused_file_is_explained_in_french_with_its_line(client, fresh_db, page, text, words):
    login(client, "ada")
    response = post_file(client, f"{page}/import", text.encode())
    assert response.status_code == 400 and words in response.text, response.text
    for english in ("must", "appears twice", "line "):
        assert english not in response.text.split('id="csv-limit"')[0].split("<main")[-1]


def test_the_forms_show_what_each_field_takes(client, fresh_db):
    login(client, "ada")
    localities = client.get("/admin/localities").text
    assert 'name="code" value="" size="6" maxlength="6" inputmode="numeric" pattern="[0-9]{1,6}"' in localities
    for key in ("name", "territory", "province"):
        assert f'name="{key}" value="" size="10" maxlength="120"' in localities
    assert 'name="order" value="1" size="3" inputmode="numeric" pattern="[0-9]{1,2}" maxlength="2"' in \
        client.get("/admin/directory").text


def test_each_row_has_its_delete_button_asking_first(client, fresh_db):
    """The row's button leads to the confirmation page (web/confirm.py), whose form carries the token."""
    login(client, "ada")
    assert post(client, "/admin/localities", {"code": "4021", "name": "Kalunguta"}).status_code == 302
    assert post(client, "/admin/committees", {"name": "CLP Beni", "locality": "4021", "pin": "246800"}).status_code == 302
    entry = {"kind": "responder", "name": "Base", "localities": "4021", "language": "fr", "number": "+243970000111"}
    assert post(client, "/admin/directory", entry).status_code == 302
    for page, action in (("/admin/localities", "/admin/localities/4021/delete"),
                         ("/admin/committees", f"/admin/committees/{fresh_db.committees()[0]['id']}/delete"),
                         ("/admin/directory", f"/admin/directory/{fresh_db.directory()[0].id}/delete")):
        assert f'<a class="button" href="{action}">Supprimer</a>' in client.get(page).text, page
        form = client.get(action).text.split(f'action="{action}"')[1].split("</form>")[0]
        assert 'name="csrf_token"' in form and 'name="confirm" value="1"' in form, page
        assert '<button class="primary">Supprimer</button>' in form, page
