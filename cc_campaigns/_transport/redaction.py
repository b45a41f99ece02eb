"""Secrets never reach an error or a log: masking text before it is shown."""

from __future__ import annotations

from collections.abc import Iterable

from .response import clip

__all__ = ["MIN_SECRET", "Redactor"]

#: Shorter secrets are not scrubbed from text (see :meth:`Redactor.redact`).
MIN_SECRET = 4


class Redactor:
    """Masks a fixed set of secrets (tokens, keys, the header values that carry them)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first: a secret that contains another is masked whole.
        self._secrets = tuple(
            sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        )
        self._longest = max((len(s.encode()) for s in self._secrets), default=0)

    def __repr__(self) -> str:
        return f"<Redactor of {len(self._secrets)} secrets>"

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``.

        Secrets shorter than four characters are left alone: replacing them would mangle
        ordinary words of a message, and no real token is that short. Mask first, then
        shorten (:func:`~.response.clip`): a secret cut in two is no longer recognised.
        """
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def excerpt(self, data: bytes, limit: int) -> str:
        """At most ``limit`` characters of ``data`` as text, secrets masked.

        Only a window of the bytes is decoded; it reaches far enough past the cut that a secret
        straddling the window's end lies wholly beyond the ``limit`` characters kept.
        """
        window = data[: 4 * limit + self._longest]
        return clip(self.redact(window.decode("utf-8", "replace")), limit)
