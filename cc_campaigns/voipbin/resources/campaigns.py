"""``client.campaigns``: the campaign endpoints (``/campaigns``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from ...errors import ValidationError, WaitTimeoutError
from ..models import Campaign, CampaignStatus, CampaignType, EndHandle
from ..wire import action_to_wire, campaign_from_wire
from . import _args as check
from ._args import MAX_PAGE_SIZE
from ._base import Resource

__all__ = ["DEFAULT_WAIT_INTERVAL", "DEFAULT_WAIT_TIMEOUT", "Campaigns"]

#: :meth:`Campaigns.wait_for_status` defaults, in seconds.
DEFAULT_WAIT_TIMEOUT = 120.0
DEFAULT_WAIT_INTERVAL = 1.0


class Campaigns(Resource):
    """Campaigns: create and configure them, start and stop them (``client.campaigns``)."""

    def list(self, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[Campaign]:
        """Every campaign, newest first, fetched a page at a time (``GET /campaigns``).

        Use it with ``async for``. Pages are fetched as the iteration needs them; reads are
        retried on 429/5xx.

        Args:
            page_size: Items per request, 1 to 100.

        Returns:
            An async iterator of :class:`Campaign`.

        Raises:
            ValidationError: ``page_size`` out of range (at once, before iterating).
            ApiError: while iterating, as any read.
        """
        return self._pages("/campaigns", page_size, campaign_from_wire)

    async def get(self, campaign_id: str | uuid.UUID) -> Campaign:
        """One campaign (``GET /campaigns/{id}``).

        Args:
            campaign_id: The campaign's UUID.

        Returns:
            The campaign.

        Raises:
            ValidationError: ``campaign_id`` is not a UUID.
            NotFoundError: no such campaign.
            AuthenticationError: wrong access key or token.
        """
        cid = check.uuid_text(campaign_id, "campaign id")
        return await self._read(campaign_from_wire, "GET", f"/campaigns/{cid}")

    async def create(
        self,
        name: str,
        *,
        type: CampaignType | str = CampaignType.CALL,
        detail: str = "",
        service_level: int = 100,
        end_handle: EndHandle | str = EndHandle.STOP,
        actions: Iterable[Mapping[str, Any]] = (),
        outplan_id: str | uuid.UUID | None = None,
        outdial_id: str | uuid.UUID | None = None,
        queue_id: str | uuid.UUID | None = None,
        next_campaign_id: str | uuid.UUID | None = None,
    ) -> Campaign:
        """Create a campaign (``POST /campaigns``). It starts in ``stop``. Sent once.

        Args:
            name: A human-readable name.
            type: ``"call"`` (a voice call per target) or ``"flow"``.
            detail: A description.
            service_level: Percentage steering how many calls are made per available agent.
            end_handle: ``"stop"`` or ``"continue"`` once every target has been tried.
            actions: Flow actions run when a target answers, e.g.
                ``[{"type": "talk", "option": {"text": "Hello", "language": "en-US"}}]``.
            outplan_id: The dialling plan. ``outdial_id``: the targets. ``queue_id``: where
                answered calls go. ``next_campaign_id``: the campaign chained after this one.
                ``None`` for "not assigned".

        Returns:
            The new campaign, as the server answered.

        Raises:
            ValidationError: a bad enum value, id or action (nothing sent).
            NotFoundError, BadRequestError: refused by the server.
        """
        body = {
            "name": check.text(name, "name"),
            "detail": check.text(detail, "detail"),
            "type": check.choice(type, CampaignType, "type"),
            "service_level": check.integer(service_level, "service_level", 0),
            "end_handle": check.choice(end_handle, EndHandle, "end_handle"),
            "actions": [action_to_wire(a) for a in actions],
            "outplan_id": check.ref(outplan_id, "outplan_id"),
            "outdial_id": check.ref(outdial_id, "outdial_id"),
            "queue_id": check.ref(queue_id, "queue_id"),
            "next_campaign_id": check.ref(next_campaign_id, "next_campaign_id"),
        }
        return await self._read(campaign_from_wire, "POST", "/campaigns", body=body)

    async def update(
        self,
        campaign_id: str | uuid.UUID,
        *,
        name: str | None = None,
        detail: str | None = None,
        type: CampaignType | str | None = None,
        service_level: int | None = None,
        end_handle: EndHandle | str | None = None,
    ) -> Campaign:
        """Change a campaign's basic settings (``PUT /campaigns/{id}``).

        The endpoint replaces all five settings; the ones you leave out keep their current
        value (the campaign is read first when any is left out).

        Args:
            campaign_id: The campaign's UUID.
            name, detail, type, service_level, end_handle: As in :meth:`create`; ``None``
                keeps the current value.

        Returns:
            The updated campaign.

        Raises:
            ValidationError: a bad value (nothing sent).
            NotFoundError: no such campaign.
        """
        cid = check.uuid_text(campaign_id, "campaign id")
        # What the caller gives is checked; what is kept is sent back as the server sent it.
        given: dict[str, Any] = {}
        if name is not None:
            given["name"] = check.text(name, "name")
        if detail is not None:
            given["detail"] = check.text(detail, "detail")
        if type is not None:
            given["type"] = check.choice(type, CampaignType, "type")
        if service_level is not None:
            given["service_level"] = check.integer(service_level, "service_level", 0)
        if end_handle is not None:
            given["end_handle"] = check.choice(end_handle, EndHandle, "end_handle")
        body = given
        if len(given) < 5:
            current = await self.get(cid)
            body = {
                "name": current.name or "",
                "detail": current.detail or "",
                "type": check.wire_text(current.type, CampaignType.CALL),
                "service_level": current.service_level or 0,
                "end_handle": check.wire_text(current.end_handle, EndHandle.STOP),
                **given,
            }
        return await self._read(
            campaign_from_wire, "PUT", f"/campaigns/{cid}", body=body, retry=True
        )

    async def update_actions(
        self, campaign_id: str | uuid.UUID, actions: Iterable[Mapping[str, Any]]
    ) -> Campaign:
        """Replace the flow actions run when a target answers (``PUT /campaigns/{id}/actions``).

        Args:
            campaign_id: The campaign's UUID.
            actions: The new actions, each a mapping with a ``type``.

        Returns:
            The updated campaign.

        Raises:
            ValidationError: an action without a ``type``.
            NotFoundError: no such campaign.
        """
        cid = check.uuid_text(campaign_id, "campaign id")
        body = {"actions": [action_to_wire(a) for a in actions]}
        return await self._read(
            campaign_from_wire, "PUT", f"/campaigns/{cid}/actions", body=body, retry=True
        )

    async def update_resources(
        self,
        campaign_id: str | uuid.UUID,
        *,
        outplan_id: str | uuid.UUID | None = None,
        outdial_id: str | uuid.UUID | None = None,
        queue_id: str | uuid.UUID | None = None,
        next_campaign_id: str | uuid.UUID | None = None,
    ) -> Campaign:
        """Point a campaign at other resources (``PUT /campaigns/{id}/resource_info``).

        Args:
            campaign_id: The campaign's UUID.
            outplan_id, outdial_id, queue_id, next_campaign_id: The new ids. Ids left out
                (``None``) keep their current value; pass
                :data:`~cc_campaigns.voipbin.NIL_UUID` to clear one.

        Returns:
            The updated campaign.

        Raises:
            ValidationError: an id that is not a UUID.
            NotFoundError: no such campaign.
        """
        cid = check.uuid_text(campaign_id, "campaign id")
        given = {
            "outplan_id": outplan_id,
            "outdial_id": outdial_id,
            "queue_id": queue_id,
            "next_campaign_id": next_campaign_id,
        }
        if any(v is None for v in given.values()):
            current = await self.get(cid)
            for key, value in given.items():
                if value is None:
                    given[key] = getattr(current, key)
        body = {key: check.ref(value, key) for key, value in given.items()}
        return await self._read(
            campaign_from_wire, "PUT", f"/campaigns/{cid}/resource_info", body=body, retry=True
        )

    async def delete(self, campaign_id: str | uuid.UUID) -> None:
        """Delete a campaign (``DELETE /campaigns/{id}``). Sent once, never retried.

        Args:
            campaign_id: The campaign's UUID.

        Raises:
            NotFoundError: no such campaign (or already deleted).
            InvalidTransitionError: the campaign is running; stop it first.
        """
        cid = check.uuid_text(campaign_id, "campaign id")
        await self._call("DELETE", f"/campaigns/{cid}")

    async def set_status(
        self, campaign_id: str | uuid.UUID, status: CampaignStatus | str
    ) -> Campaign:
        """Start or stop a campaign (``PUT /campaigns/{id}/status``).

        Both changes are idempotent, so the request is retried like a read. Stopping goes
        through ``stopping`` while calls are ended; see :meth:`wait_for_status`.

        Args:
            campaign_id: The campaign's UUID.
            status: ``"run"`` or ``"stop"``.

        Returns:
            The campaign as the server answered (``run``, ``stopping`` or ``stop``).

        Raises:
            ValidationError: any other status (``stopping`` is set by the server only).
            InvalidTransitionError: the server refused the change (``STATE_INVALID``).
            NotFoundError: no such campaign.
        """
        cid = check.uuid_text(campaign_id, "campaign id")
        wanted = check.status(status)
        if wanted is CampaignStatus.STOPPING:
            raise ValidationError("'stopping' is set by the server; ask for 'stop'")
        body = {"status": wanted.value}
        return await self._read(
            campaign_from_wire, "PUT", f"/campaigns/{cid}/status", body=body, retry=True
        )

    async def wait_for_status(
        self,
        campaign_id: str | uuid.UUID,
        status: CampaignStatus | str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        interval: float = DEFAULT_WAIT_INTERVAL,
    ) -> Campaign:
        """Poll the campaign until it has ``status`` (``stopping`` is ridden through to
        ``stop``).

        Args:
            campaign_id: The campaign's UUID.
            status: The status to wait for, e.g. ``"stop"``.
            timeout: Give up after this many seconds (at least one poll is always made).
            interval: Seconds between polls.

        Returns:
            The campaign once it has ``status``.

        Raises:
            WaitTimeoutError: ``timeout`` passed first; ``.last`` is the campaign as last seen.
            NotFoundError: the campaign does not exist (or was deleted meanwhile).
            ValidationError: an unknown status, or a negative ``timeout`` or ``interval``.
        """
        # Defined in client.py for now (imported late: client.py imports this module).

        cid = check.uuid_text(campaign_id, "campaign id")
        wanted = check.status(status)
        if timeout < 0 or interval < 0:
            raise ValidationError("timeout and interval must not be negative")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            campaign = await self.get(cid)
            if campaign.status == wanted:
                return campaign
            remaining = deadline - loop.time()
            if remaining <= 0:
                shown = getattr(campaign.status, "value", campaign.status)
                raise WaitTimeoutError(
                    f"campaign {cid} is still {shown!s} after {timeout:g}s "
                    f"(waiting for {wanted.value})",
                    last=campaign,
                )
            await asyncio.sleep(min(interval, remaining))
