"""Every console page costs what its own content costs, not what the whole history costs.

Two databases filled by the benchmark's filler (bench/fill.py) at the same pace, 500 and
5,000 alerts (100 and 1,000 days of alerts): a page of the queue, a week's export or one
alert hold as much in both, so each page must run about as many SQL statements and as
many SQLite instructions (counted with the connection's progress handler) in the larger
one. A query that reads a whole table, or a statement run once per alert of the history,
costs ten times as much there and fails the test. bench/console.py measures the same
pages over HTTP at up to a million alerts (docs/scale.md).
"""

from __future__ import annotations

import random

import pytest

from bench.fill import fill
from bench.pages import facts_of, pages
from core import api_tokens
from core.identity import hash_password
from core.store import Store
from tests.fixtures.core import make_data_dir

SMALL, LARGE = 500, 5_000
ALERTS_A_DAY = 5   # so the 12 weeks of the response-times report fall inside both
STEP = 100          # SQLite instructions between two counts of the progress handler
# The larger database may cost this much more: its pages hold the same rows, but its
# indexes are a level deeper and the lists that grow up to a bound (the newest 100
# incidents, the queue's last page) are fuller.
GROWTH, SLACK_INSTRUCTIONS, SLACK_STATEMENTS = 2.0, 12_000, 6
# Pages whose content itself grows with the history (docs/scale.md says what care they need):
UNBOUNDED = {
    # every week of every locality since the survey began
    "survey results": "the whole history",
    # one locality's alerts walked in queue order: the small database has 7 of them to show,
    # the large one a full page of 50
    "queue (locality)": "fewer rows to show in the small database",
}


class Meter:
    """Counts the statements and SQLite instructions of every connection the console opens."""

    def __init__(self):
        self.statements = self.instructions = 0
        self.sql: list[str] = []

    def attach(self, store: Store) -> Store:
        def traced(sql: str) -> None:
            if not sql.startswith("--"):   # FTS5's own statements: as many as its index has segments
                self.statements += 1
            self.sql.append(sql)

        def stepped() -> int:
            self.instructions += STEP
            return 0

        store.conn.set_trace_callback(traced)
        store.conn.set_progress_handler(stepped, STEP)
        return store

    def reset(self) -> None:
        self.statements = self.instructions = 0
        self.sql = []


def page_costs(tmp_path_factory, alerts: int) -> dict[str, tuple[int, int, list[str]]]:
    data = tmp_path_factory.mktemp(f"costs{alerts}") / "data"
    config = make_data_dir(data)
    fill(config.db_path, alerts, days=alerts // ALERTS_A_DAY, progress=None)
    with Store.open(config.db_path) as store:
        store.add_user("costs", hash_password("costs-password"), "admin", actor="test")
        facts = facts_of(store)
    token = api_tokens.add(config, "costs")

    from web import create_app

    meter = Meter()
    opened = Store.open.__func__
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "open", classmethod(lambda cls, *a, **k: meter.attach(opened(cls, *a, **k))))
        client = create_app({"SAUTI_CONFIG": config, "TESTING": True}).test_client()
        client.get("/login")
        with client.session_transaction() as session:
            csrf = session["csrf"]
        assert client.post("/login", data={"username": "costs", "password": "costs-password",
                                           "csrf_token": csrf}).status_code == 302
        costs = {}
        for name, address in pages(facts).items():
            url = address(random.Random(name))
            headers = {"Authorization": f"Bearer {token}"}
            assert client.get(url, headers=headers).status_code == 200, url   # templates compiled, caches warm
            meter.reset()
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            costs[name] = (meter.statements, meter.instructions, meter.sql)
    return costs


@pytest.fixture(scope="module")
def costs(tmp_path_factory):
    return page_costs(tmp_path_factory, SMALL), page_costs(tmp_path_factory, LARGE)


def test_each_page_costs_about_the_same_with_ten_times_the_history(costs):
    small, large = costs
    assert set(small) == set(pages(facts_of_nothing())), "every page of bench/pages.py is measured"
    grown = []
    for name in small:
        if name in UNBOUNDED:
            continue
        (s_statements, s_instructions, _), (l_statements, l_instructions, sql) = small[name], large[name]
        if (l_instructions > GROWTH * s_instructions + SLACK_INSTRUCTIONS
                or l_statements > GROWTH * s_statements + SLACK_STATEMENTS):
            grown.append(f"{name}: {s_statements} -> {l_statements} statements, "
                         f"{s_instructions} -> {l_instructions} instructions")
    assert not grown, "\n".join(grown)


def test_the_meter_sees_a_page_that_reads_the_whole_history(costs):
    """The survey results read every answer ever given: ten times the history, ten times the cost."""
    small, large = costs
    assert large["survey results"][1] > 4 * small["survey results"][1]


def facts_of_nothing():
    import datetime as dt

    from bench.pages import Facts

    return Facts(1, 1, dt.date(2026, 1, 1))
