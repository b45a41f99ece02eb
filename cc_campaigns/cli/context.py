"""What every command shares: the settings of each provider and building its client, and
running a command's coroutine (with clean Ctrl-C handling for bulk runs).

Commands never build a client themselves: they ask the context object of their group, a
:class:`CliState` (8x8, and the global options) or a :class:`VoipbinState`, which layers the
settings, reads the secrets from the environment, the config file or a hidden prompt, and turns
a bad setting into a usage error. Errors are mapped in one place, :mod:`.errors`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Literal, NoReturn, TypeVar

import attrs
import click

from ..campaigns_v1 import CampaignsV1Client
from ..dynamic.client import CampaignsClient, parse_write_token
from ..errors import ValidationError
from ..voipbin import DEFAULT_BASE_URL as VOIPBIN_BASE_URL
from ..voipbin import VoipbinClient
from .config import (
    DEFAULT_PROFILE,
    ENV_NAMES,
    ConfigFile,
    Resolved,
    V1Resolved,
    VoipbinResolved,
    default_config_path,
    load_config,
    resolve,
    resolve_v1,
    resolve_voipbin,
)
from .errors import EXIT_CODES_HELP, PROG, CliError, ExitCode, explain, fail, warn

__all__ = [
    "EXIT_CODES_HELP",
    "PROG",
    "CliError",
    "CliState",
    "ExitCode",
    "V1State",
    "VoipbinState",
    "explain",
    "fail",
    "is_interactive",
    "pass_state",
    "pass_v1",
    "pass_voipbin",
    "run",
    "run_bulk",
    "run_client",
    "warn",
]

T = TypeVar("T")
C = TypeVar("C", bound=AbstractAsyncContextManager[Any])


def is_interactive() -> bool:
    """Whether a person is at a terminal to answer prompts (stdin and stderr are terminals)."""
    return _isatty(sys.stdin) and _isatty(sys.stderr)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@attrs.define
class CliState:
    """The click context object: the global options, and how to build a client from them."""

    #: Global options as given on the command line (``None``: not given).
    command_line: dict[str, str | None] = attrs.field(factory=dict)
    profile: str | None = None
    config_path: Path | None = None
    debug: bool = False
    environ: Mapping[str, str] = attrs.field(factory=lambda: os.environ, repr=False)

    @property
    def profile_name(self) -> str | None:
        """The profile asked for (``--profile``, else ``CC_PROFILE``), or ``None``."""
        return self.profile or self.environ.get("CC_PROFILE") or None

    def config(self) -> ConfigFile:
        """The config file (``--config``, else ``CC_CONFIG``, else the default place)."""
        return load_config(self.config_path or default_config_path(self.environ))

    def settings(self) -> Resolved:
        """The layered settings (command line, environment, config profile)."""
        config = self.config()
        path = config.path
        resolved = resolve(self.command_line, self.environ, config, self.profile_name)
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
        profile = self.profile_name or DEFAULT_PROFILE
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


@attrs.define
class VoipbinState:
    """The ``voipbin`` group's context object: its options, and the main group's state."""

    cli: CliState
    command_line: dict[str, str | None] = attrs.field(factory=dict, repr=False)

    def settings(self) -> VoipbinResolved:
        """The layered settings (options, ``VOIPBIN_*`` environment, config profile).

        Raises:
            ConfigError: an unreadable config file, or a named profile it does not have.
            CliError: one layer gives both an access key and a token.
        """
        config = self.cli.config()
        settings = resolve_voipbin(
            self.command_line, self.cli.environ, config, self.cli.profile_name
        )
        if settings.accesskey and settings.token:
            fail(f"{settings.secret_source} gives both a VoIPbin access key and a token: keep one")
        if settings.secret_from_shared_file:
            warn(
                f"{config.path} holds a VoIPbin access key or token and other users can read "
                f"it; restrict it with: chmod 600 {config.path}"
            )
        return settings

    def client(self) -> VoipbinClient:
        """A client configured from the settings; asks for a missing access key on a
        terminal."""
        settings = self.settings()
        accesskey, token = settings.accesskey, settings.token
        if not (accesskey or token):
            if not is_interactive():
                profile = self.cli.profile_name or DEFAULT_PROFILE
                fail(
                    "no VoIPbin credentials: set VOIPBIN_ACCESSKEY (or VOIPBIN_TOKEN), pass "
                    f"--accesskey, or add `voipbin_accesskey = ...` to profile [{profile}] of "
                    "the config file (chmod 600)"
                )
            accesskey = click.prompt("VoIPbin access key", hide_input=True, err=True).strip()
            if not accesskey:
                fail("no access key given")
        try:
            return VoipbinClient(
                accesskey=accesskey, token=token, base_url=settings.base_url or VOIPBIN_BASE_URL
            )
        except ValidationError as err:  # plain http elsewhere, blanks in the key
            raise CliError(str(err), ExitCode.USAGE) from None


pass_voipbin = click.make_pass_decorator(VoipbinState)


@attrs.define
class V1State:
    """The ``v1`` group's context object (8x8 Campaigns API v1): its options, and the main
    group's state."""

    cli: CliState
    command_line: dict[str, str | None] = attrs.field(factory=dict, repr=False)

    def settings(self) -> V1Resolved:
        """The layered settings (options, ``CC_V1_*`` environment, config profile).

        Raises:
            ConfigError: an unreadable config file, or a named profile it does not have.
        """
        config = self.cli.config()
        settings = resolve_v1(self.command_line, self.cli.environ, config, self.cli.profile_name)
        if settings.key_from_shared_file:
            warn(
                f"{config.path} holds a Campaigns API v1 key and other users can read it; "
                f"restrict it with: chmod 600 {config.path}"
            )
        return settings

    def client(self) -> CampaignsV1Client:
        """A client configured from the settings; asks for a missing API key on a terminal."""
        settings = self.settings()
        profile = self.cli.profile_name or DEFAULT_PROFILE
        if not settings.tenant:
            fail(
                "no tenant: pass --tenant, set CC_V1_TENANT, or add `v1_tenant = ...` to "
                f"profile [{profile}] of the config file"
            )
        api_key = settings.api_key
        if not api_key:
            if not is_interactive():
                fail(
                    "no API key: set CC_V1_API_KEY, or add `v1_api_key = ...` to profile "
                    f"[{profile}] of the config file (chmod 600)"
                )
            api_key = click.prompt("Campaigns API v1 key (eght_...)", hide_input=True, err=True)
            api_key = api_key.strip()
            if not api_key:
                fail("no API key given")
        try:
            return CampaignsV1Client(
                settings.site or "US1",
                tenant=settings.tenant,
                api_key=api_key,
                base_url=settings.base_url,
            )
        except ValidationError as err:  # an unknown site, plain http elsewhere, blanks
            raise CliError(str(err), ExitCode.USAGE) from None


pass_v1 = click.make_pass_decorator(V1State)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one command's coroutine in a fresh event loop."""
    return asyncio.run(coro)


def run_client(client: C, main: Callable[[C], Awaitable[T]]) -> T:
    """Run ``main(client)`` inside ``async with client`` in a fresh event loop."""

    async def inside() -> T:
        async with client:
            return await main(client)

    return run(inside())


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
