"""The agent's HTTP side: fetch an external signing job, post its signatures."""
from __future__ import annotations

import base64
from dataclasses import dataclass

import requests


class ServerError(Exception):
    """The server refused or could not be reached; the message is Vietnamese."""


@dataclass(frozen=True)
class Job:
    id: str
    certificate_der: bytes
    items: list[tuple[str, bytes, str]]


class SigningServer:
    """The signing service's external-job API, reached with the user's access token.

    ``base_url`` is the HoSo address people open in their browser (the gateway routes
    ``/api/signing/v1/...``); with ``direct`` it is the signing service itself (``/api/v1/...``).
    """

    def __init__(self, *, base_url: str, access_token: str, direct: bool = False,
                 session: requests.Session | None = None, timeout: float = 30.0) -> None:
        self._base = base_url.rstrip("/") + ("/api/v1" if direct else "/api/signing/v1")
        self._http = session or requests.Session()
        self._http.headers["Authorization"] = f"Bearer {access_token}"
        self._timeout = timeout

    def _check(self, response: requests.Response) -> dict:
        if response.status_code >= 400:
            try:
                problem = response.json()
                message = problem.get("detail") or problem.get("title")
            except ValueError:
                message = response.text[:200]
            raise ServerError(f"Máy chủ từ chối ({response.status_code}): {message}")
        return response.json()

    def job(self, job_id: str) -> Job:
        try:
            body = self._check(self._http.get(f"{self._base}/external-jobs/{job_id}", timeout=self._timeout))
        except requests.RequestException as exc:
            raise ServerError("Không kết nối được tới máy chủ HoSo.") from exc
        return Job(
            id=body["id"],
            certificate_der=base64.b64decode(body["certificate"]),
            items=[(i["id"], base64.b64decode(i["data"]), i["label"]) for i in body["items"]],
        )

    def post_signatures(self, job_id: str, signatures: dict[str, bytes]) -> dict:
        payload = {"signatures": [{"id": k, "signature": base64.b64encode(v).decode()} for k, v in signatures.items()]}
        try:
            return self._check(self._http.post(
                f"{self._base}/external-jobs/{job_id}/signatures", json=payload, timeout=self._timeout))
        except requests.RequestException as exc:
            raise ServerError("Không kết nối được tới máy chủ HoSo.") from exc
