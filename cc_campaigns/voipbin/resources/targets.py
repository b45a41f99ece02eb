"""``client.outdials.targets``: the numbers of an outdial (``/outdials/{id}/targets``).

VoIPbin has no bulk endpoint; many targets go in through
:meth:`~cc_campaigns.voipbin.VoipbinClient.bulk_add_targets` (the shared bulk engine).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from ...errors import ValidationError
from ..models import MAX_DESTINATIONS, Address, OutdialTarget
from ..wire import target_from_wire, target_to_wire, to_address
from . import _args as check
from ._args import MAX_PAGE_SIZE
from ._base import Resource

__all__ = ["OutdialTargets"]


class OutdialTargets(Resource):
    """The targets of an outdial (``client.outdials.targets``); one request per target."""

    async def create(
        self,
        outdial_id: str | uuid.UUID,
        destination: str | Address | Mapping[str, Any],
        *,
        name: str | None = None,
        detail: str | None = None,
        data: str | Mapping[str, Any] | None = None,
        destinations: Iterable[str | Address | Mapping[str, Any]] = (),
    ) -> OutdialTarget:
        """Add one target to an outdial (``POST /outdials/{id}/targets``).

        For many targets use :meth:`~cc_campaigns.voipbin.VoipbinClient.bulk_add_targets`.
        Sent once, never retried (a retry could add it twice).

        Args:
            outdial_id: The outdial's UUID.
            destination: The first number to dial: E.164 text (``"+15551234567"``; spaces,
                dashes and parentheses are removed) or an :class:`Address` (SIP, agent ...).
            name: The target's name (e.g. the customer's).
            detail: A description.
            data: Free text kept with the target (a mapping is sent as JSON text).
            destinations: Up to four more destinations, dialled in order after the first.

        Returns:
            The new target.

        Raises:
            ValidationError: a number that is not E.164, or more than five destinations
                (nothing sent).
            NotFoundError: no such outdial.
            InvalidTransitionError: a running campaign uses this outdial; stop it first.
        """
        oid = check.uuid_text(outdial_id, "outdial id")
        addresses = [to_address(destination), *(to_address(d) for d in destinations)]
        if len(addresses) > MAX_DESTINATIONS:
            raise ValidationError(
                f"a target has at most {MAX_DESTINATIONS} destinations, got {len(addresses)}"
            )
        body = target_to_wire(
            addresses,
            name=check.text(name or "", "name"),
            detail=check.text(detail or "", "detail"),
            data=check.data(data or ""),
        )
        return await self._read(target_from_wire, "POST", f"/outdials/{oid}/targets", body=body)

    def list(
        self, outdial_id: str | uuid.UUID, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[OutdialTarget]:
        """Every target of an outdial, newest first (``GET /outdials/{id}/targets``).

        Args:
            outdial_id: The outdial's UUID.
            page_size: Items per request, 1 to 100.

        Returns:
            An async iterator of :class:`OutdialTarget`.

        Raises:
            ValidationError: a bad id or ``page_size`` (at once).
            NotFoundError: while iterating, no such outdial.
        """
        oid = check.uuid_text(outdial_id, "outdial id")
        return self._pages(f"/outdials/{oid}/targets", page_size, target_from_wire)

    async def get(self, outdial_id: str | uuid.UUID, target_id: str | uuid.UUID) -> OutdialTarget:
        """One target (``GET /outdials/{id}/targets/{target_id}``).

        Args:
            outdial_id: The outdial's UUID.
            target_id: The target's UUID.

        Returns:
            The target.

        Raises:
            ValidationError: an id is not a UUID.
            NotFoundError: no such outdial or target.
        """
        oid = check.uuid_text(outdial_id, "outdial id")
        tid = check.uuid_text(target_id, "target id")
        return await self._read(target_from_wire, "GET", f"/outdials/{oid}/targets/{tid}")

    async def delete(self, outdial_id: str | uuid.UUID, target_id: str | uuid.UUID) -> None:
        """Remove one target (``DELETE /outdials/{id}/targets/{target_id}``). Sent once.

        Args:
            outdial_id: The outdial's UUID.
            target_id: The target's UUID.

        Raises:
            ValidationError: an id is not a UUID.
            NotFoundError: no such outdial or target.
            InvalidTransitionError: a running campaign uses this outdial; stop it first.
        """
        oid = check.uuid_text(outdial_id, "outdial id")
        tid = check.uuid_text(target_id, "target id")
        await self._call("DELETE", f"/outdials/{oid}/targets/{tid}")
