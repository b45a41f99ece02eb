"""``client.outplans``: dialling plans (``/outplans``): caller id, ringing time, retries."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from ..models import Address, Outplan
from ..wire import address_to_wire, outplan_from_wire
from . import _args as check
from ._args import MAX_PAGE_SIZE
from ._base import Resource

__all__ = [
    "DEFAULT_DIAL_TIMEOUT_MS",
    "DEFAULT_MAX_TRY_COUNTS",
    "DEFAULT_TRY_INTERVAL_MS",
    "Outplans",
]

#: Outplan defaults when creating one: 30 s ringing, 60 s between tries, one try each.
DEFAULT_DIAL_TIMEOUT_MS = 30_000
DEFAULT_TRY_INTERVAL_MS = 60_000
DEFAULT_MAX_TRY_COUNTS = (1, 1, 1, 1, 1)


class Outplans(Resource):
    """Dialling plans: how targets are called (``client.outplans``)."""

    def list(self, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[Outplan]:
        """Every outplan, newest first (``GET /outplans``), a page at a time.

        Args:
            page_size: Items per request, 1 to 100.

        Returns:
            An async iterator of :class:`Outplan`.

        Raises:
            ValidationError: ``page_size`` not in 1..100 (at once).
            ApiError: while iterating, as any read.
        """
        return self._pages("/outplans", page_size, outplan_from_wire)

    async def get(self, outplan_id: str | uuid.UUID) -> Outplan:
        """One outplan (``GET /outplans/{id}``).

        Args:
            outplan_id: The outplan's UUID.

        Returns:
            The outplan.

        Raises:
            ValidationError: ``outplan_id`` is not a UUID.
            NotFoundError: no such outplan.
        """
        oid = check.uuid_text(outplan_id, "outplan id")
        return await self._read(outplan_from_wire, "GET", f"/outplans/{oid}")

    async def create(
        self,
        name: str,
        *,
        detail: str = "",
        source: Address | str | None = None,
        dial_timeout: int = DEFAULT_DIAL_TIMEOUT_MS,
        try_interval: int = DEFAULT_TRY_INTERVAL_MS,
        max_try_counts: Sequence[int] = DEFAULT_MAX_TRY_COUNTS,
    ) -> Outplan:
        """Create a dialling plan (``POST /outplans``). Sent once.

        Args:
            name: A human-readable name.
            detail: A description.
            source: The caller id: an E.164 number or an :class:`Address`.
            dial_timeout: Milliseconds a call rings before it counts as unanswered.
            try_interval: Milliseconds between two tries of a target.
            max_try_counts: Most tries of ``destination_0`` .. ``destination_4`` (up to five
                numbers; missing ones are 0).

        Returns:
            The new outplan.

        Raises:
            ValidationError: a bad number or caller id (nothing sent).
        """
        body: dict[str, Any] = {
            "name": check.text(name, "name"),
            "detail": check.text(detail, "detail"),
            "source": None,
        }
        body.update(check.dial_info(source, dial_timeout, try_interval, max_try_counts))
        return await self._read(outplan_from_wire, "POST", "/outplans", body=body)

    async def update(
        self,
        outplan_id: str | uuid.UUID,
        *,
        name: str | None = None,
        detail: str | None = None,
    ) -> Outplan:
        """Rename or re-describe an outplan (``PUT /outplans/{id}``); what is left out is kept.

        Args:
            outplan_id: The outplan's UUID.
            name: The new name; ``None`` keeps it.
            detail: The new description; ``None`` keeps it.

        Returns:
            The updated outplan.

        Raises:
            ValidationError: a bad id or value (nothing sent).
            NotFoundError: no such outplan.
        """
        oid = check.uuid_text(outplan_id, "outplan id")
        if name is None or detail is None:
            current = await self.get(oid)
            name = current.name or "" if name is None else name
            detail = current.detail or "" if detail is None else detail
        body = {"name": check.text(name, "name"), "detail": check.text(detail, "detail")}
        return await self._read(outplan_from_wire, "PUT", f"/outplans/{oid}", body=body, retry=True)

    async def update_dial_info(
        self,
        outplan_id: str | uuid.UUID,
        *,
        source: Address | str | None = None,
        dial_timeout: int | None = None,
        try_interval: int | None = None,
        max_try_counts: Sequence[int] | None = None,
    ) -> Outplan:
        """Change an outplan's dialling settings (``PUT /outplans/{id}/dial_info``); what is left
        out is kept.

        Args:
            outplan_id: The outplan's UUID.
            source, dial_timeout, try_interval, max_try_counts: As in :meth:`create`;
                ``None`` keeps the current value.

        Returns:
            The updated outplan.

        Raises:
            ValidationError: a bad number or caller id (nothing sent).
            NotFoundError: no such outplan.
        """
        oid = check.uuid_text(outplan_id, "outplan id")
        given = check.dial_info(source, dial_timeout, try_interval, max_try_counts)
        body = given
        if None in (source, dial_timeout, try_interval, max_try_counts):
            current = await self.get(oid)
            kept = {
                "source": address_to_wire(current.source) if current.source else None,
                "dial_timeout": current.dial_timeout or 0,
                "try_interval": current.try_interval or 0,
            }
            kept.update({f"max_try_count_{i}": n for i, n in enumerate(current.max_try_counts)})
            body = {**kept, **given}
        return await self._read(
            outplan_from_wire, "PUT", f"/outplans/{oid}/dial_info", body=body, retry=True
        )

    async def delete(self, outplan_id: str | uuid.UUID) -> None:
        """Delete an outplan (``DELETE /outplans/{id}``). Sent once.

        Args:
            outplan_id: The outplan's UUID.

        Raises:
            ValidationError: ``outplan_id`` is not a UUID.
            NotFoundError: no such outplan.
        """
        oid = check.uuid_text(outplan_id, "outplan id")
        await self._call("DELETE", f"/outplans/{oid}")
