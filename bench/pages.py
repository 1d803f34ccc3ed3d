"""The console's pages as verifiers and supervisors open them, for the console benchmark
(bench/console.py) and the test that keeps each page's cost to its own content
(tests/test_page_costs.py): one name and one way to make its address each."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from bench.fill import LOCALITIES, VOCABULARY
from core.model import CATEGORIES

DECIDED = ("verified", "unverified", "false", "duplicate", "escalated")


@dataclass(frozen=True)
class Facts:
    """What the addresses need to know of the database."""
    alerts: int      # alert ids run 1..alerts
    survey_id: int
    today: dt.date


def facts_of(store) -> Facts:
    survey = next(s for s in store.surveys() if s["name"] == "bench-perception")
    return Facts(store.count_alerts(), survey["id"], dt.datetime.now(dt.timezone.utc).date())


def pages(facts: Facts) -> dict[str, Callable[[random.Random], str]]:
    words = [w for w in VOCABULARY if len(w) > 3]
    week_ago = (facts.today - dt.timedelta(days=7)).isoformat()
    month_ago = (facts.today - dt.timedelta(days=30)).isoformat()
    return {
        "queue (waiting)": lambda rng: "/",
        "queue (waiting, page 2)": lambda rng: "/?page=2",
        "queue (all statuses)": lambda rng: "/?status=all",
        "queue (all, page 3)": lambda rng: "/?status=all&page=3",
        "queue (a decided status)": lambda rng: f"/?status={rng.choice(DECIDED)}",
        "queue (language)": lambda rng: f"/?status=all&language={rng.choice(('sw', 'fr', 'ln'))}",
        "queue (locality)": lambda rng: f"/?status=all&locality={rng.choice(LOCALITIES)}",
        "queue (source radio)": lambda rng: "/?status=all&source=radio",
        "queue (language+source)": lambda rng: f"/?language={rng.choice(('sw', 'fr', 'ln'))}&source=radio",
        "queue (category)": lambda rng: f"/?status=all&category={rng.choice(list(CATEGORIES))}",
        "queue (last month)": lambda rng: f"/?status=all&date_from={month_ago}",
        "queue (a day a year ago)": lambda rng: "/?status=all&date_from={0}&date_to={0}".format(
            (facts.today - dt.timedelta(days=365)).isoformat()),
        "queue (every filter)": lambda rng: (f"/?status=verified&language=sw&locality={rng.choice(LOCALITIES)}"
                                             f"&source=phone&category={rng.choice(list(CATEGORIES))}"
                                             f"&date_from={month_ago}"),
        "search (one word)": lambda rng: f"/?status=all&q={rng.choice(words)}",
        "search (two words)": lambda rng: f"/?status=all&q={rng.choice(words)}+{rng.choice(words)}",
        "search (waiting only)": lambda rng: f"/?q={rng.choice(words)}",
        "search (prefix)": lambda rng: f"/?status=all&q={rng.choice(words)[:3]}*",
        "search (no match)": lambda rng: f"/?status=all&q=hakuna{rng.randrange(1000)}",
        "alert page": lambda rng: f"/alerts/{rng.randint(1, facts.alerts)}",
        "live count (/queue/stats)": lambda rng: "/queue/stats",
        "incidents": lambda rng: "/incidents",
        "response times report": lambda rng: "/reports/response-times",
        "response times CSV": lambda rng: "/reports/response-times.csv",
        "live calls": lambda rng: "/live/",
        "export CAP (a week)": lambda rng: f"/exports/cap?since={week_ago}",
        "export HXL (a week)": lambda rng: f"/exports/hxl?since={week_ago}",
        "export GeoJSON (a week)": lambda rng: f"/exports/geojson?since={week_ago}",
        "CAP feed": lambda rng: "/feeds/cap.atom",
        "directory": lambda rng: "/admin/directory",
        "committees": lambda rng: "/admin/committees",
        "surveys": lambda rng: "/surveys",
        "survey results": lambda rng: f"/surveys/{facts.survey_id}/results",
        "audit log": lambda rng: "/admin/audit",
    }
