"""The agent's HTTP side: pair with one job by its one-time code, fetch the job, post its signatures."""
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


def _check(response: requests.Response) -> dict:
    if response.status_code >= 400:
        try:
            problem = response.json()
            message = problem.get("detail") or problem.get("title")
        except ValueError:
            message = response.text[:200]
        raise ServerError(f"Máy chủ từ chối ({response.status_code}): {message}")
    return response.json()


class SigningServer:
    """The signing service's job API, reached with a job-scoped agent token or the user's access token.

    ``base_url`` is the HoSo address people open in their browser (the gateway routes
    ``/api/signing/v1/...``); with ``direct`` it is the signing service itself (``/api/v1/...``).
    :meth:`pair` is the usual way in: the job id and the one-time code shown on the page give a
    token that reaches that job only (``/agent/jobs/...``). With an ``access_token`` (an
    administrator's route) the agent uses the signed-in person's ``/external-jobs/...`` instead.
    """

    def __init__(self, *, base_url: str, access_token: str = "", agent_token: str = "", direct: bool = False,
                 session: requests.Session | None = None, timeout: float = 30.0) -> None:
        self._base = base_url.rstrip("/") + ("/api/v1" if direct else "/api/signing/v1")
        self._http = session or requests.Session()
        self._timeout = timeout
        if agent_token:
            self._http.headers["Authorization"] = f"HoSo-Agent {agent_token}"
            self._jobs = f"{self._base}/agent/jobs"
        else:
            self._http.headers["Authorization"] = f"Bearer {access_token}"
            self._jobs = f"{self._base}/external-jobs"

    @classmethod
    def pair(cls, *, base_url: str, job_id: str, code: str, direct: bool = False,
             session: requests.Session | None = None, timeout: float = 30.0) -> "SigningServer":
        """Exchange the page's one-time pairing code for a token of ``job_id`` only."""
        base = base_url.rstrip("/") + ("/api/v1" if direct else "/api/signing/v1")
        http = session or requests.Session()
        try:
            body = _check(http.post(f"{base}/agent/pair", json={"job_id": job_id, "code": code}, timeout=timeout))
        except requests.RequestException as exc:
            raise ServerError("Không kết nối được tới máy chủ HoSo.") from exc
        return cls(base_url=base_url, agent_token=body["access_token"], direct=direct, session=http, timeout=timeout)

    def job(self, job_id: str) -> Job:
        try:
            body = _check(self._http.get(f"{self._jobs}/{job_id}", timeout=self._timeout))
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
            return _check(self._http.post(f"{self._jobs}/{job_id}/signatures", json=payload, timeout=self._timeout))
        except requests.RequestException as exc:
            raise ServerError("Không kết nối được tới máy chủ HoSo.") from exc
