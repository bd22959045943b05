"""Approvals holds a school's catalog briefly: a page of 200 obligations is one catalog read, not 200.

The HTTP adapter is exercised against a stand-in for documents' route that counts requests and
answers ``304`` to a matching ``If-None-Match``, as documents does.
"""
from __future__ import annotations

import json

import requests
from requests.adapters import BaseAdapter

from services.approvals.adapters.documents_service import HttpDocuments
from services.documents.domain.catalog import BASE_CATALOGS
from services.documents.domain.catalog_view import school_catalog_view


class _Documents(BaseAdapter):
    """Documents' ``GET /internal/schools/<id>/catalog``: the body with its ETag, 304 when it matches."""

    def __init__(self) -> None:
        super().__init__()
        self.body = dict(school_catalog_view("th-a", ["tieu_hoc"], BASE_CATALOGS["tieu_hoc"]))
        self.requests: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.requests.append(request.headers.get("If-None-Match", ""))
        resp = requests.Response()
        resp.request, resp.url = request, request.url
        etag = f'"{self.body["version"]}"'
        resp.headers["ETag"] = etag
        if request.headers.get("If-None-Match") == etag:
            resp.status_code = 304
        else:
            resp.status_code, resp._content = 200, json.dumps(self.body).encode()
            resp.headers["Content-Type"] = "application/json"
        return resp

    def close(self) -> None:
        """Nothing to release: no connection is held."""


def _port(clock: list[float]) -> tuple[HttpDocuments, _Documents]:
    documents = _Documents()
    session = requests.Session()
    session.mount("http://documents.test", documents)
    port = HttpDocuments(base_url="http://documents.test", auth=lambda r: r, session=session, max_age=30.0,
                         monotonic=lambda: clock[0])
    return port, documents


def test_within_the_window_the_catalog_is_read_once_then_revalidated_without_a_body() -> None:
    clock = [100.0]
    port, documents = _port(clock)
    names = {port.catalog("th-a").get("ke_hoach_bai_day").name for _ in range(200)}
    assert names == {"Kế hoạch bài dạy"} and len(documents.requests) == 1
    clock[0] += 31
    assert port.catalog("th-a").get("hoc_ba") is not None
    assert len(documents.requests) == 2 and documents.requests[1].startswith('"')  # conditional: 304, no body


def test_a_changed_catalog_is_read_at_once_after_documents_says_so() -> None:
    clock = [0.0]
    port, documents = _port(clock)
    first = port.catalog("th-a")
    documents.body = {**documents.body, "version": "v2",
                      "books": [b for b in documents.body["books"] if b["slug"] != "so_shcm"]}
    assert port.catalog("th-a").get("so_shcm") is not None  # still inside the window
    port.forget("th-a")  # what the consumer of documents.catalog.changed does before recomputing
    fresh = port.catalog("th-a")
    assert fresh.version == "v2" != first.version and fresh.get("so_shcm") is None
