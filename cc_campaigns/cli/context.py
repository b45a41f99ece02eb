"""What every command shares: exit codes, the one-line errors, settings, and building the client.

Commands never build a :class:`~cc_campaigns.CampaignsClient` themselves: they ask the
:class:`CliState` (the click context object), which layers the settings, reads tokens from the
environment, the config file or a hidden prompt, and turns the SDK's errors into messages.
"""

from __future__ import annotations

import asyncio
import enum
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, Literal, NoReturn, TypeVar

import attrs
import click

from ..dynamic.client import CampaignsClient, parse_write_token
from ..errors import (
    ApiError,
    AuthenticationError,
    CampaignsError,
    OutcomeUnknownError,
    TransportError,
    ValidationError,
)
from .config import (
    DEFAULT_PROFILE,
    ENV_NAMES,
    ConfigError,
    Resolved,
    default_config_path,
    load_config,
    resolve,
)

__all__ = [
    "EXIT_CODES_HELP",
    "CliError",
    "CliState",
    "ExitCode",
    "explain",
    "fail",
    "is_interactive",
    "pass_state",
    "run",
    "run_bulk",
    "warn",
]

T = TypeVar("T")
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


EXIT_CODES_HELP = """\b
Exit codes:
  0    success (every item is in the campaign: added, or already there)
  1    some items were not added or removed (invalid, rejected, unknown, not sent)
  2    usage or input error (bad option or value, unreadable file, missing settings)
  3    API or authentication error (the service refused, or could not be reached)
  130  interrupted (Ctrl-C); run the same upload again to resume it"""


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


def is_interactive() -> bool:
    """Whether a person is at a terminal to answer prompts (stdin and stderr are terminals)."""
    return _isatty(sys.stdin) and _isatty(sys.stderr)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _where(err: ApiError | TransportError) -> str:
    return f"{err.method} {err.url}" if err.method and err.url else ""


def explain(err: BaseException) -> CliError | None:
    """The message and exit code for an error, or ``None`` when it is not one we expect."""
    if isinstance(err, CliError):
        return err
    if isinstance(err, ConfigError):
        return CliError(str(err), ExitCode.USAGE)
    if isinstance(err, ValidationError):
        return CliError(str(err), ExitCode.USAGE)
    if isinstance(err, AuthenticationError):
        return CliError(
            f"the service refused the credentials (HTTP {err.status}, {_where(err)}): "
            f"{_sentence(err.message)} Check the username, the tokens and --platform/--base-url.",
            ExitCode.API,
        )
    if isinstance(err, OutcomeUnknownError):
        return CliError(
            f"{_sentence(err.message)} ({_where(err)}) The items may or may not have been "
            "added: check with `cc-campaigns records` before sending them again.",
            ExitCode.API,
        )
    if isinstance(err, ApiError):
        if err.status is None:  # refused by the SDK before sending (transition guard)
            return CliError(err.message, ExitCode.API)
        return CliError(f"{err.message} (HTTP {err.status}, {_where(err)})", ExitCode.API)
    if isinstance(err, TransportError):
        return CliError(f"could not reach the service: {err.message} ({_where(err)})", ExitCode.API)
    if isinstance(err, CampaignsError):
        return CliError(str(err), ExitCode.API)
    if isinstance(err, OSError) and err.strerror:
        name = f"{err.filename}: " if err.filename else ""
        return CliError(f"{name}{err.strerror}", ExitCode.USAGE)
    return None


@attrs.define
class CliState:
    """The click context object: the global options, and how to build a client from them."""

    #: Global options as given on the command line (``None``: not given).
    command_line: dict[str, str | None] = attrs.field(factory=dict)
    profile: str | None = None
    config_path: Path | None = None
    debug: bool = False
    environ: Mapping[str, str] = attrs.field(factory=lambda: os.environ, repr=False)

    def settings(self) -> Resolved:
        """The layered settings (command line, environment, config profile)."""
        path = self.config_path or default_config_path(self.environ)
        config = load_config(path)
        profile = self.profile or self.environ.get("CC_PROFILE") or None
        resolved = resolve(self.command_line, self.environ, config, profile)
        if resolved.token_from_shared_file:
            warn(
                f"{path} holds API tokens and other users can read it; "
                f"restrict it with: chmod 600 {path}"
            )
        return resolved

    def client(self, *, write: bool = False) -> CampaignsClient:
        """A client configured from the settings; prompts for a missing token on a terminal.

        Args:
            write: The command changes things: a prompt asks for the Action Request Token
                rather than the Data Request Token.
        """
        settings = self.settings()
        profile = self.profile or self.environ.get("CC_PROFILE") or DEFAULT_PROFILE
        if not settings.username:
            fail(
                "no username: pass --username, set CC_USERNAME, or add `username = ...` to "
                f"profile [{profile}] of the config file"
            )
        if not (settings.platform or settings.base_url):
            fail(
                "where is the service? pass --platform (the cluster in your Configuration "
                "Manager URL, e.g. na12) or --base-url, set CC_PLATFORM or CC_BASE_URL, or add "
                f"`platform = ...` to profile [{profile}] of the config file"
            )
        data_token, action_token = settings.data_token, settings.action_token
        if not (data_token or action_token):
            key = "action_token" if write else "data_token"
            if not is_interactive():
                fail(
                    f"no API token: set {ENV_NAMES['action_token']} (writes) and/or "
                    f"{ENV_NAMES['data_token']} (reads), or add `{key} = ...` to profile "
                    f"[{profile}] of the config file (chmod 600)"
                )
            label = "Action Request Token" if write else "Data Request Token"
            token = click.prompt(label, hide_input=True, err=True).strip()
            if not token:
                fail("no API token given")
            data_token, action_token = (None, token) if write else (token, None)
        try:
            return CampaignsClient(
                settings.platform,
                base_url=settings.base_url,
                username=settings.username,
                data_token=data_token,
                action_token=action_token,
                status_method=_status_method(settings.status_method),
                write_token=_write_token(settings.write_token),
                customer_id_format=_id_format(settings.customer_id_format),
            )
        except ValidationError as err:
            raise CliError(str(err), ExitCode.USAGE) from None


def _bad_choice(key: str, value: str, choices: str) -> NoReturn:
    fail(
        f"{key} must be {choices}, got {value!r} "
        f"(from --{key.replace('_', '-')}, {ENV_NAMES[key]} or the config file)"
    )


def _status_method(value: str | None) -> Literal["POST", "PATCH"] | None:
    """The method set by the user, or ``None``: the client starts with POST and switches to
    PATCH once if the service answers 405."""
    if value is None or not value.strip():
        return None
    text = value.strip().upper()
    if text == "POST":
        return "POST"
    if text == "PATCH":
        return "PATCH"
    _bad_choice("status_method", text, "POST or PATCH")


def _write_token(value: str | None) -> str:
    text = (value or "action").strip().lower()
    try:
        parse_write_token(text)
    except ValidationError:
        _bad_choice(
            "write_token",
            text,
            "action, data, guide or OPERATION=TOKEN pairs such as status=data,delete=data",
        )
    return text


def _id_format(value: str | None) -> Literal["int", "string"]:
    text = (value or "int").strip().lower()
    if text == "int":
        return "int"
    if text == "string":
        return "string"
    _bad_choice("customer_id_format", text, "int or string")


pass_state = click.make_pass_decorator(CliState, ensure=True)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one command's coroutine in a fresh event loop."""
    return asyncio.run(coro)


def run_bulk(
    main: Callable[[asyncio.Event], Coroutine[Any, Any, T]],
    *,
    on_interrupt: Callable[[], None],
) -> T | None:
    """Run a bulk operation so that Ctrl-C stops it cleanly.

    ``main`` gets the engine's ``stop`` event. The first Ctrl-C sets it (and calls
    ``on_interrupt``): the engine sends nothing new, lets the batches in flight finish, journals
    them and returns its report, marked aborted ("interrupted"). A second Ctrl-C cancels at once
    (the checkpoint stays consistent); then ``None`` is returned.
    """

    async def supervise() -> T | None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        task = asyncio.ensure_future(main(stop))

        def interrupt() -> None:
            if not stop.is_set():
                stop.set()
                on_interrupt()
            else:
                task.cancel()

        try:
            loop.add_signal_handler(signal.SIGINT, interrupt)
            installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, a non-main thread
            installed = False
        try:
            return await task
        except asyncio.CancelledError:
            if task.cancelled() and not _cancelling():
                return None
            raise
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGINT)

    return asyncio.run(supervise())


def _cancelling() -> bool:
    """Whether the current task itself is being cancelled (not just the one it awaited)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return bool(cancelling()) if cancelling is not None else False
