"""An all-or-nothing add-records service in memory, standing in for the client's session.

It answers as the vendor documents (tests/reference/8x8-campaigns-v1-notes.md §6): a batch is
stored whole or refused whole; a record already in the campaign is refused naming it
("Campaign already contains record for Id: X", 409 or 400); a record the service finds bad
(``bad``: say, no valid phone number) is refused without saying which. Errors are built by the
client's own session from problem-JSON bytes, so decoding and classification are the real ones.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson

from cc_campaigns.campaigns_v1._session import v1_session
from cc_campaigns.campaigns_v1.errors import classify_v1_error, decode_v1_error
from cc_campaigns.errors import ConnectError, RequestTimeoutError

from .examples import CID, INSTANCE, TIME


class FakeService:
    """Stands in for ``Session.request``: ``POST /{CID}/records`` only.

    Args:
        stored: CRM record ids already in the campaign.
        bad: ids the service refuses (the refusal does not say which).
        duplicate_status: 409 (guide) or 400 (example body, OpenAPI).
        duplicates_first: when a batch has both kinds, name the duplicate (else the
            unnamed refusal wins).
        lost: numbers of POSTs (1-based) whose answer is lost after they were applied
            (raised as a timeout).
    """

    def __init__(
        self,
        *,
        stored: set[str] | None = None,
        bad: set[str] | None = None,
        duplicate_status: int = 409,
        duplicates_first: bool = True,
        lost: set[int] | None = None,
        indexed: bool = False,
        unreachable: set[int] | None = None,
    ) -> None:
        self.stored: set[str] = set(stored or ())
        self.bad = set(bad or ())
        self.duplicate_status = duplicate_status
        self.duplicates_first = duplicates_first
        self.lost = set(lost or ())
        #: Bad records are named by field errors at ``records[i]`` (all of them).
        self.indexed = indexed
        #: Numbers of POSTs that never reach the service (a refused connection).
        self.unreachable = set(unreachable or ())
        self.posts = 0
        #: How many times each id was stored (never more than once).
        self.stores: Counter[str] = Counter()
        self._errors = v1_session(
            "https://api.8x8.com/cc/US1/campaigns/v1",
            read_headers={},
            write_headers={},
            error_decoder=decode_v1_error,
            classify=classify_v1_error,
        )
        self.base_url = self._errors.base_url
        self.retry = self._errors.retry
        self.connection_limit = 0

    def url(self, path: str) -> str:
        return self._errors.url(path)

    def _refuse(self, status: int, title: str, detail: str, **more: Any) -> Exception:
        body = {"title": title, "status": status, "detail": detail, **more}
        raw = orjson.dumps({**body, "instance": INSTANCE, "time": TIME})
        return self._errors._error(status, raw, {}, "POST", self.url(f"/{CID}/records"))

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        write: bool = False,
        retry: bool | None = None,
        **_: Any,
    ) -> Any:
        assert (method, path, write, retry) == ("POST", f"/{CID}/records", True, False)
        assert body is not None
        self.posts += 1
        if self.posts in self.unreachable:
            raise ConnectError("could not connect", method=method, url=self.url(path))
        ids = [r["crmRecordId"] for r in orjson.loads(body)["records"]]
        assert 1 <= len(ids) <= 100 and len(set(ids)) == len(ids)
        present = [i for i in ids if i in self.stored]
        bad = [i for i in ids if i in self.bad]
        if present and (self.duplicates_first or not bad):
            raise self._refuse(
                self.duplicate_status,
                "Conflict",
                f"Campaign already contains record for Id: {present[0]}",
            )
        if bad and self.indexed:
            errors = [
                {"field": f"records[{n}].crmRecordId", "code": "Invalid", "message": "no number"}
                for n, i in enumerate(ids)
                if i in self.bad
            ]
            raise self._refuse(400, "Validation failed", "Validation failed", errors=errors)
        if bad:
            raise self._refuse(400, "Bad Request", "Invalid request")
        self.stored.update(ids)
        self.stores.update(ids)
        if self.posts in self.lost:
            raise RequestTimeoutError("timed out", method=method, url=self.url(path))
        return None
