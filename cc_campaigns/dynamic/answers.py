"""Reading the 8x8 add endpoint's HTTP 207 answer and the delete endpoint's answer.

:func:`read_add_answer` pairs the per-item results of ``POST .../customers`` with the items sent
(by id, in any order; every element checked) and says which were not added and why;
:func:`check_delete_answer` accepts only the documented delete answers. Anything else is an
:class:`~cc_campaigns.errors.UnexpectedResponseError`: nothing in it counts as a success.
"""

from __future__ import annotations

import operator
from itertools import repeat
from typing import Any

from .._transport.session import Response, clip, message_text

__all__ = ["check_delete_answer", "read_add_answer"]

_CID = "customer-id"
_HTTP_STATUS = "http-status"


def read_add_answer(answer: Response, payloads: list[Any]) -> list[tuple[int, str | None]] | None:
    """The per-item (status, message) of an add answer, in the order of ``payloads``; ``None``
    when every item was added.

    The documented answer is a JSON list of one object per item sent, each with an ``http-status``
    (a number, or a string of one) and optionally the ``customer-id`` it is about and a
    ``message``. Elements that name their ``customer-id`` are matched to the items by id, so an
    answer in another order is read right; an element whose id is ``null`` (8x8 names no id for
    an invalid one) takes the place of the one item left unnamed.

    Raises:
        UnexpectedResponseError: anything else - not JSON, not a list, too few or too many
            elements, an element that is not an object or has no readable status, an id that
            was not sent (or named twice), unnamed elements that cannot be paired. The
            message says what came back.
    """
    # orjson alone (no scan of the body for long numbers): an id beyond 64 bits comes back as
    # a rounded float, which can equal a sent id only when such an id was sent; then, and
    # whenever a float shows up where an id belongs, the body is read again exactly.
    data = answer.json(exact=False)
    count = len(payloads)
    if type(data) is not list:
        raise answer.unexpected(f"expected a JSON list of {count} results")
    if len(data) != count:
        raise answer.unexpected(f"{len(data)} results for {count} items sent")
    # The common case at C speed: every element an object naming its id, in order, added.
    try:
        echoed = list(map(_GET_CID, data))
    except (KeyError, TypeError):  # an element without an id, or not an object
        echoed = list(map(_get_cid, data))
    if echoed == payloads and not _beyond_64_bits(payloads):
        try:
            statuses = list(map(_GET_STATUS, data))
        except (KeyError, TypeError):
            return [_status(answer, element) for element in data]
        if statuses.count(200) == count:
            return None
        # In order, some refused: still at C speed when statuses are numbers, messages text.
        messages = list(map(dict.get, data, repeat("message", count)))
        if (
            set(map(type, statuses)) == _INT
            and min(statuses) >= 100
            and max(statuses) <= 599
            and set(map(type, messages)) <= _TEXT_OR_NONE
        ):
            return list(zip(statuses, messages, strict=True))
        return [_status(answer, element) for element in data]
    if float in set(map(type, echoed)):
        data = answer.json()
        echoed = list(map(_get_cid, data))
    return _per_item(answer, payloads, data, echoed)


_GET_CID = operator.itemgetter(_CID)
_INT = {int}
_TEXT_OR_NONE = {str, type(None)}
_GET_STATUS = operator.itemgetter(_HTTP_STATUS)


def _get_cid(element: Any) -> Any:
    if not isinstance(element, dict):
        return None  # refused by _status
    return element.get(_CID)


_BEYOND_64_BITS = 2**64


def _beyond_64_bits(payloads: list[Any]) -> bool:
    """Whether an answer to ``payloads`` must be parsed exactly: an int id of 20 digits was
    sent (or the payloads are not all plain ints or all strings)."""
    try:
        top = max(payloads)
    except TypeError:  # schedules (dicts), mixed kinds
        return True
    return top.__class__ is not str and not (top.__class__ is int and top < _BEYOND_64_BITS)


def _per_item(
    answer: Response, payloads: list[Any], data: list[Any], echoed: list[Any]
) -> list[tuple[int, str | None]]:
    """Every element read and paired with its item (see :func:`read_add_answer`)."""
    results = [_status(answer, element) for element in data]
    sent = [p.get(_CID) if p.__class__ is dict else p for p in payloads]
    if all(e is None or _same_id(e, s) for e, s in zip(echoed, sent, strict=True)):
        return results  # in order (elements without an id hold their place)
    # Another order: pair by id.
    slots: dict[str, list[int]] = {}
    for index, ident in enumerate(sent):
        slots.setdefault(_id_key(ident), []).append(index)
    paired: list[tuple[int, str | None] | None] = [None] * len(payloads)
    unnamed: list[tuple[int, str | None]] = []
    for ident, result in zip(echoed, results, strict=True):
        if ident is None:
            unnamed.append(result)
            continue
        free = slots.get(_id_key(ident))
        if not free:
            raise answer.unexpected(
                f"a result for customer-id {clip(str(ident), 40)!r}, which was not sent "
                "(or is answered twice)"
            )
        paired[free.pop(0)] = result
    if unnamed:
        # Results without an id can be placed only when they say the same thing.
        if len(set(unnamed)) > 1:
            raise answer.unexpected(
                f"{len(unnamed)} results without a customer-id, out of order: they cannot be "
                "matched to the items sent"
            )
        paired = [unnamed[0] if result is None else result for result in paired]
    return [result for result in paired if result is not None]


def _id_key(ident: Any) -> str:
    """An id as text, the same for ``7`` and ``"7"``."""
    return ident.strip() if isinstance(ident, str) else str(ident)


def _same_id(echoed: Any, sent: Any) -> bool:
    return echoed == sent or _id_key(echoed) == _id_key(sent)


def _status(answer: Response, element: Any) -> tuple[int, str | None]:
    """(status, message) of one element, or :class:`UnexpectedResponseError`."""
    if not isinstance(element, dict):
        raise answer.unexpected("a result that is not an object")
    status = element.get(_HTTP_STATUS)
    if type(status) is not int:
        digits = status.strip() if isinstance(status, str) else ""
        if not (digits.isascii() and digits.isdigit() and len(digits) == 3):
            raise answer.unexpected(f"a result without a readable {_HTTP_STATUS}")
        status = int(digits)
    elif not 100 <= status <= 599:
        raise answer.unexpected(f"a result with {_HTTP_STATUS} {status}")
    message = element.get("message")
    if message is None or message.__class__ is str:
        return status, message
    text = message_text(message)
    if text is None:
        raise answer.unexpected("a result whose message is not text")
    return status, text


def check_delete_answer(answer: Response) -> None:
    """A delete succeeded only with 204, or 200 with a JSON object (``{"message": "Customer
    deleted."}``).

    Raises:
        UnexpectedResponseError: any other 2xx (an HTML page, an empty 200, a 202).
    """
    if answer.status == 204:
        return
    if answer.status == 200 and answer.body and isinstance(answer.json(), dict):
        return
    raise answer.unexpected("expected 204, or 200 with a JSON message")
