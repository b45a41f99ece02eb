"""What the Campaigns API v1 resources share: one request helper and the campaign id check."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import orjson

from ..._transport.resources import Resource as BaseResource
from ..._transport.session import Response
from ...errors import CampaignsError, ValidationError

__all__ = ["Resource", "campaign_path"]

T = TypeVar("T")


def campaign_path(value: Any) -> str:
    """``/{campaignId}`` for a campaign id (a UUID, as text or :class:`uuid.UUID`).

    Raises:
        ValidationError: not a UUID, or the nil UUID (a legacy campaign's number is refused
            here: the two APIs share no campaigns).
    """
    if isinstance(value, uuid.UUID):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = uuid.UUID(value.strip())
        except ValueError:
            raise ValidationError(
                f"campaign id must be a UUID (copied from Configuration Manager), got {value!r}"
            ) from None
    else:
        raise ValidationError(f"campaign id must be a UUID, got {type(value).__name__}")
    if parsed.int == 0:
        raise ValidationError("campaign id must not be the nil UUID")
    return f"/{parsed}"


class Resource(BaseResource):
    """A group of Campaigns API v1 endpoints sending through the client's session."""

    async def _send(self, method: str, path: str, body: Any) -> Response:
        """One write, never retried by the session (a repeated action or batch is not the
        same request twice: the bulk engine decides what is resent)."""
        return await self._session.request(
            method, path, body=orjson.dumps(body), write=True, retry=False
        )

    @staticmethod
    def _read(answer: Response, read: Callable[[Any], T]) -> T:
        """``read`` the answer's JSON; a body that is not the documented shape is the
        answer's :class:`~cc_campaigns.errors.UnexpectedResponseError`."""
        data = answer.json()
        try:
            return read(data)
        except CampaignsError as err:
            if type(err) is not CampaignsError:
                raise
            raise answer.unexpected(str(err)) from err
