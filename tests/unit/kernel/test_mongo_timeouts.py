"""A request never waits on the database without bound: default timeouts unless MONGO_URI names its own."""
from services.kernel.mongo import DEFAULT_TIMEOUTS_MS, bounded_timeouts


def test_a_plain_uri_gets_every_bound() -> None:
    assert bounded_timeouts("mongodb://db-0,db-1/?replicaSet=rs0") == DEFAULT_TIMEOUTS_MS


def test_a_uri_that_names_a_timeout_keeps_its_own_whatever_its_case() -> None:
    bounds = bounded_timeouts("mongodb+srv://u:p@cluster.example/hoso?sockettimeoutms=8000&serverSelectionTimeoutMS=1")
    assert bounds == {"connectTimeoutMS": DEFAULT_TIMEOUTS_MS["connectTimeoutMS"]}
