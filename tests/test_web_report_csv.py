"""The response-time report's CSV takes the page's `by`, and both refuse what they cannot group by."""

from __future__ import annotations

import csv
import io

import pytest

from tests.fixtures.web import login, post
from tests.test_response_times import WEEK, seed


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.text)))


@pytest.mark.parametrize("grouping, group", [("week", WEEK), ("locality", "1101"), ("category", "armed_movement")])
def test_the_csv_holds_the_grouping_the_page_shows(client, fresh_db, config, grouping, group):
    seed(fresh_db, config)
    login(client, "sam")
    page = client.get("/reports/response-times", query_string={"by": grouping}).text
    assert f'/reports/response-times.csv?by={grouping}"' in page, "the page's link carries its grouping"
    rows = rows_of(client.get("/reports/response-times.csv", query_string={"by": grouping}))
    assert {r["grouping"] for r in rows} == {grouping}
    assert group in {r["group"] for r in rows}
    # The same figures as the page's table: one row per group and interval there, one line here.
    table = page.split('id="report-figures"')[1].split("</table>")[0]
    assert table.count("<tr>") - 1 == len(rows)


def test_without_by_the_csv_holds_every_grouping_and_the_page_its_weeks(client, fresh_db, config):
    seed(fresh_db, config)
    login(client, "sam")
    for query in ({}, {"by": ""}):
        assert {r["grouping"] for r in rows_of(client.get("/reports/response-times.csv", query_string=query))} == {
            "week", "locality", "category"}
        assert WEEK in client.get("/reports/response-times", query_string=query).text


@pytest.mark.parametrize("by", ["nothing", "Week", "week ", "locality;category", "é" * 150, "1" * 30])
def test_a_grouping_it_cannot_use_is_a_400_that_says_which_it_takes(client, fresh_db, config, by):
    seed(fresh_db, config)
    login(client, "sam")
    for path in ("/reports/response-times", "/reports/response-times.csv"):
        response = client.get(path, query_string={"by": by})
        expected = 200 if by == "week " else 400     # spaces around a value are dropped, as in every filter
        assert response.status_code == expected, (path, by)
        if expected == 400:
            assert "by=week, by=locality ou by=category" in response.text


def test_two_groupings_at_once_are_refused_in_english_too(client, fresh_db, config):
    login(client, "sam")
    post(client, "/language", {"lang": "en"})
    for path in ("/reports/response-times", "/reports/response-times.csv"):
        response = client.get(path + "?by=week&by=locality")
        assert response.status_code == 400
        assert "by=week, by=locality or by=category, once" in response.text


def test_the_csv_is_for_supervisors(client, fresh_db, config):
    login(client, "vera")
    assert client.get("/reports/response-times.csv?by=week").status_code == 403
    assert client.get("/reports/response-times.csv?by=nothing").status_code == 403
