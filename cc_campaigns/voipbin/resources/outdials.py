"""``client.outdials``: target lists (``/outdials``); their targets are
``client.outdials.targets``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

from ..._transport.session import Session
from ..models import Outdial
from ..wire import outdial_from_wire
from . import _args as check
from ._args import MAX_PAGE_SIZE
from ._base import Resource
from .targets import OutdialTargets

__all__ = ["Outdials"]


class Outdials(Resource):
    """Target lists (``client.outdials``); :attr:`targets` holds the targets' endpoints."""

    #: The targets of an outdial: ``client.outdials.targets.create(outdial_id, "+1555...")``.
    targets: OutdialTargets

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.targets = OutdialTargets(session)

    def list(self, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[Outdial]:
        """Every outdial, newest first (``GET /outdials``), a page at a time.

        Args:
            page_size: Items per request, 1 to 100.

        Returns:
            An async iterator of :class:`Outdial`.

        Raises:
            ValidationError: ``page_size`` not in 1..100 (at once).
            ApiError: while iterating, as any read.
        """
        return self._pages("/outdials", page_size, outdial_from_wire)

    async def get(self, outdial_id: str | uuid.UUID) -> Outdial:
        """One outdial (``GET /outdials/{id}``).

        Args:
            outdial_id: The outdial's UUID.

        Returns:
            The outdial.

        Raises:
            ValidationError: ``outdial_id`` is not a UUID.
            NotFoundError: no such outdial.
        """
        oid = check.uuid_text(outdial_id, "outdial id")
        return await self._read(outdial_from_wire, "GET", f"/outdials/{oid}")

    async def create(
        self,
        name: str,
        *,
        detail: str = "",
        data: str | Mapping[str, Any] = "",
        campaign_id: str | uuid.UUID | None = None,
    ) -> Outdial:
        """Create a target list (``POST /outdials``). Sent once.

        Args:
            name: A human-readable name.
            detail: A description.
            data: Free text kept with the outdial (a mapping is sent as JSON text).
            campaign_id: The campaign it belongs to, if any.

        Returns:
            The new outdial.

        Raises:
            ValidationError: a bad value (nothing sent).
        """
        body = {
            "campaign_id": check.ref(campaign_id, "campaign_id"),
            "name": check.text(name, "name"),
            "detail": check.text(detail, "detail"),
            "data": check.data(data),
        }
        return await self._read(outdial_from_wire, "POST", "/outdials", body=body)

    async def update(
        self,
        outdial_id: str | uuid.UUID,
        *,
        name: str | None = None,
        detail: str | None = None,
    ) -> Outdial:
        """Rename or re-describe an outdial (``PUT /outdials/{id}``); what is left out is kept.

        Args:
            outdial_id: The outdial's UUID.
            name: The new name; ``None`` keeps it.
            detail: The new description; ``None`` keeps it.

        Returns:
            The updated outdial.

        Raises:
            ValidationError: a bad id or value (nothing sent).
            NotFoundError: no such outdial.
        """
        oid = check.uuid_text(outdial_id, "outdial id")
        if name is None or detail is None:
            current = await self.get(oid)
            name = current.name or "" if name is None else name
            detail = current.detail or "" if detail is None else detail
        body = {"name": check.text(name, "name"), "detail": check.text(detail, "detail")}
        return await self._read(outdial_from_wire, "PUT", f"/outdials/{oid}", body=body, retry=True)

    async def delete(self, outdial_id: str | uuid.UUID) -> None:
        """Delete an outdial and its targets (``DELETE /outdials/{id}``). Sent once.

        Args:
            outdial_id: The outdial's UUID.

        Raises:
            ValidationError: ``outdial_id`` is not a UUID.
            NotFoundError: no such outdial.
            InvalidTransitionError: a running campaign uses it.
        """
        oid = check.uuid_text(outdial_id, "outdial id")
        await self._call("DELETE", f"/outdials/{oid}")
