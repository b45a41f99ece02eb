"""The command line's one error mapping: every exception a command of any provider raises
becomes one line ``cc-campaigns: ...`` on stderr and an exit code.

The exit code depends only on the error's class, never on the provider: an authentication
error is 3 from 8x8 and from VoIPbin alike. Only the wording of the advice (which settings to
check, which command confirms an unknown outcome) comes from the :class:`Provider` of the
command's group.
"""

from __future__ import annotations

import asyncio
import enum
import sys
import traceback
from typing import Any, NoReturn

import attrs
import click

from ..errors import (
    ApiError,
    AuthenticationError,
    CampaignsError,
    OutcomeUnknownError,
    TransportError,
    ValidationError,
)
from .config import ConfigError

__all__ = [
    "CAMPAIGNS_V1",
    "DYNAMIC",
    "EXIT_CODES_HELP",
    "PROG",
    "VOIPBIN",
    "CliError",
    "ExitCode",
    "MappedGroup",
    "Provider",
    "exit_codes_help",
    "explain",
    "fail",
    "set_provider",
    "warn",
]

PROG = "cc-campaigns"


class ExitCode(enum.IntEnum):
    """The process exit codes (documented in ``--help``)."""

    OK = 0
    #: Some items were not added (or not removed).
    NOT_ALL_DONE = 1
    #: Bad usage or input: options, files, settings.
    USAGE = 2
    #: The service refused, could not be reached, or the credentials were wrong.
    API = 3
    #: Ctrl-C.
    INTERRUPTED = 130


def exit_codes_help(
    items: str = "items", where: str = "campaign", service: str = "the service"
) -> str:
    """The exit code table of ``--help``, in a provider's words."""
    return f"""\b
Exit codes:
  0    success (every {items[:-1]} is in the {where}: added, or already there)
  1    some {items} were not added or removed (invalid, rejected, unknown, not sent)
  2    usage or input error (bad option or value, unreadable file, missing settings)
  3    API or authentication error ({service} refused, or could not be reached)
  130  interrupted (Ctrl-C); run the same upload again to resume it"""


EXIT_CODES_HELP = exit_codes_help()


@attrs.frozen
class Provider:
    """How the messages of one provider's commands name things; nothing that decides a code."""

    #: The name in messages ("8x8", "VoIPbin").
    name: str
    #: Who refused: "the service", "VoIPbin".
    service: str
    #: Advice after refused credentials.
    credentials_hint: str
    #: Advice after an outcome that is not known.
    unknown_hint: str


DYNAMIC = Provider(
    name="8x8",
    service="the service",
    credentials_hint="Check the username, the tokens and --platform/--base-url.",
    unknown_hint=f"The items may or may not have been added: check with `{PROG} records` "
    "before sending them again.",
)
VOIPBIN = Provider(
    name="VoIPbin",
    service="VoIPbin",
    credentials_hint="Check the access key or token (--accesskey, VOIPBIN_ACCESSKEY, "
    "VOIPBIN_TOKEN or the profile) and --base-url.",
    unknown_hint=f"It may or may not have been applied: check with `{PROG} voipbin status` "
    f"or `{PROG} voipbin records`.",
)
CAMPAIGNS_V1 = Provider(
    name="8x8 Campaigns API v1",
    service="the Campaigns API v1",
    credentials_hint="Check the API key (CC_V1_API_KEY or the profile's v1_api_key: an "
    "eght_ key with the Contact Center Campaigns product), the tenant and --site/--base-url.",
    unknown_hint="It may or may not have been applied, and v1 has no read endpoint: send the "
    f"same action again (its answer shows the campaign, a refusal names the state), or rerun "
    f"`{PROG} v1 upload` with its checkpoint (records already there count as added).",
)
_META_KEY = "cc_campaigns.provider"


def set_provider(ctx: click.Context, provider: Provider) -> None:
    """Called by a provider's group: the errors of its commands speak of ``provider``."""
    ctx.meta[_META_KEY] = provider


class CliError(Exception):
    """An error the user can act on, shown as one line ``cc-campaigns: ...`` (no traceback).

    Commands raise it (or let the SDK's errors through: :func:`explain` maps those); the command
    group prints it and exits with :attr:`exit_code`.
    """

    def __init__(self, message: str, exit_code: int = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = int(exit_code)

    def show(self) -> None:
        click.echo(f"{PROG}: {self.message}", err=True)


def fail(message: str, exit_code: int = ExitCode.USAGE) -> NoReturn:
    """Stop the command with a one-line message and ``exit_code``."""
    raise CliError(message, exit_code)


def warn(message: str) -> None:
    click.echo(f"{PROG}: warning: {message}", err=True)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _where(err: ApiError | TransportError, *before: str) -> str:
    """`` (HTTP 401, GET https://...)``: what is known of the request, in parentheses."""
    parts = [*before, f"{err.method} {err.url}" if err.method and err.url else ""]
    known = ", ".join(part for part in parts if part)
    return f" ({known})" if known else ""


def _support(err: BaseException) -> str:
    """`` [support: instance ..., time ...]``: what the service's answer gave for support to
    find the occurrence (a provider's session attaches ``instance`` and ``time`` to the error,
    already masked of secrets, e.g. the Campaigns API v1's problem body), or nothing."""
    parts = [
        f"{name} {value}"
        for name in ("instance", "time")
        if isinstance(value := getattr(err, name, None), str) and value
    ]
    return f" [support: {', '.join(parts)}]" if parts else ""


def explain(err: BaseException, provider: Provider = DYNAMIC) -> CliError | None:
    """The message and exit code for an error, or ``None`` when it is not one we expect.

    The exit code depends on the class of ``err`` alone; ``provider`` only words the advice.
    """
    if isinstance(err, CliError):
        return err
    if isinstance(err, (ConfigError, ValidationError)):
        return CliError(str(err), ExitCode.USAGE)
    if isinstance(err, AuthenticationError):
        return CliError(
            f"{provider.service} refused the credentials{_where(err, f'HTTP {err.status}')}: "
            f"{_sentence(err.message)} {provider.credentials_hint}{_support(err)}",
            ExitCode.API,
        )
    if isinstance(err, OutcomeUnknownError):
        return CliError(
            f"{_sentence(err.message)}{_where(err)} {provider.unknown_hint}", ExitCode.API
        )
    if isinstance(err, ApiError):
        if err.status is None:  # refused by the SDK before sending (transition guard)
            return CliError(err.message, ExitCode.API)
        return CliError(
            f"{err.message}{_where(err, f'HTTP {err.status}')}{_support(err)}", ExitCode.API
        )
    if isinstance(err, TransportError):
        return CliError(f"could not reach the service: {err.message}{_where(err)}", ExitCode.API)
    if isinstance(err, CampaignsError):
        return CliError(str(err), ExitCode.API)
    if isinstance(err, OSError) and err.strerror:
        name = f"{err.filename}: " if err.filename else ""
        return CliError(f"{name}{err.strerror}", ExitCode.USAGE)
    return None


class MappedGroup(click.Group):
    """The root group: maps every error a command raises (through :func:`explain`, with the
    provider its group named) onto a one-line message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except (click.Abort, KeyboardInterrupt, asyncio.CancelledError):
            # click.Abort: Ctrl-C (or the end of input) at a prompt.
            error = CliError("interrupted", ExitCode.INTERRUPTED)
        except Exception as err:
            if ctx.meta.get("cc_campaigns.debug"):
                traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)
            provider = ctx.meta.get(_META_KEY, DYNAMIC)
            error = explain(err, provider) or CliError(
                f"unexpected error: {type(err).__name__}: {err} (rerun with --debug to see where)",
                ExitCode.API,
            )
        error.show()
        raise click.exceptions.Exit(error.exit_code)
