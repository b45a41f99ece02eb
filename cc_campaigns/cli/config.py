"""Where the command line's settings come from.

Three layers, the first that sets a value wins: the command line, the ``CC_*`` environment (the
names the SDK's :meth:`~cc_campaigns.CampaignsClient.from_env` reads), and a named profile of
the config file. Where the service is (``platform`` or ``base_url``) is decided as a unit by the
first layer that says anything about it, so ``--platform na12`` is not overridden by a
``CC_BASE_URL`` left in the environment.

The config file is INI (``config.ini``) or TOML (``config.toml``, Python 3.11+) in the
platform's user config directory, or wherever ``CC_CONFIG`` / ``--config`` point. Each section
is a profile::

    [default]
    platform = na12
    username = acme
    action_token = ...

``cc-campaigns voipbin`` reads ``voipbin_base_url``, ``voipbin_accesskey`` and ``voipbin_token``
from the same profiles (under ``VOIPBIN_*`` in the environment), and ``cc-campaigns v1``
reads ``v1_site``, ``v1_base_url``, ``v1_tenant`` and ``v1_api_key`` (``CC_V1_*``).
"""

from __future__ import annotations

import configparser
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import platformdirs

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_PROFILE",
    "ENV_NAMES",
    "V1_ENV_NAMES",
    "VOIPBIN_ENV_NAMES",
    "ConfigError",
    "ConfigFile",
    "Resolved",
    "V1Resolved",
    "VoipbinResolved",
    "default_config_path",
    "load_config",
    "profile_settings",
    "resolve",
    "resolve_v1",
    "resolve_voipbin",
]

#: Environment variable naming the config file.
CONFIG_ENV = "CC_CONFIG"
#: The profile used when none is named.
DEFAULT_PROFILE = "default"
#: The settings a profile may hold, and their environment variables.
ENV_NAMES: Mapping[str, str] = {
    "platform": "CC_PLATFORM",
    "base_url": "CC_BASE_URL",
    "username": "CC_USERNAME",
    "data_token": "CC_DATA_TOKEN",
    "action_token": "CC_ACTION_TOKEN",
    "status_method": "CC_STATUS_METHOD",
    "write_token": "CC_WRITE_TOKEN",
    "customer_id_format": "CC_CUSTOMER_ID_FORMAT",
}
#: The VoIPbin settings a profile may hold too (``cc-campaigns voipbin``), and their variables.
VOIPBIN_ENV_NAMES: Mapping[str, str] = {
    "voipbin_base_url": "VOIPBIN_BASE_URL",
    "voipbin_accesskey": "VOIPBIN_ACCESSKEY",
    "voipbin_token": "VOIPBIN_TOKEN",
}
#: The Campaigns API v1 settings a profile may hold (``cc-campaigns v1``), and their variables
#: (the names :meth:`~cc_campaigns.campaigns_v1.CampaignsV1Client.from_env` reads).
V1_ENV_NAMES: Mapping[str, str] = {
    "v1_site": "CC_V1_SITE",
    "v1_base_url": "CC_V1_BASE_URL",
    "v1_tenant": "CC_V1_TENANT",
    "v1_api_key": "CC_V1_API_KEY",
}
TOKEN_KEYS = ("data_token", "action_token")
_WHERE = ("platform", "base_url")


class ConfigError(Exception):
    """The configuration is unusable (unreadable file, unknown profile or setting)."""


@attrs.frozen
class ConfigFile:
    """A parsed config file: its profiles, and whether others may read it."""

    path: Path
    #: Profile name -> setting -> value (keys normalised: lower case, ``-`` as ``_``).
    profiles: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict, repr=False)
    #: True when the file exists and group or others may read it (POSIX).
    shared: bool = False

    @property
    def exists(self) -> bool:
        return self.path.exists()


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$CC_CONFIG``, else ``config.toml`` or ``config.ini`` in the user config directory
    (whichever exists, TOML first), else the ``config.ini`` path there."""
    env = os.environ if environ is None else environ
    named = env.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    base = Path(platformdirs.user_config_dir("cc-campaigns"))
    toml_path = base / "config.toml"
    if toml_path.exists() and sys.version_info >= (3, 11):
        return toml_path
    return base / "config.ini"


def _normalise(key: str) -> str:
    return key.strip().lower().replace("-", "_")


def _check_profile(path: Path, name: str, values: Mapping[str, Any]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for key, value in values.items():
        norm = _normalise(str(key))
        if norm not in ENV_NAMES and norm not in VOIPBIN_ENV_NAMES and norm not in V1_ENV_NAMES:
            known = ", ".join([*ENV_NAMES, *VOIPBIN_ENV_NAMES, *V1_ENV_NAMES])
            raise ConfigError(
                f"{path}: unknown setting {key!r} in profile [{name}]; known: {known}"
            )
        if isinstance(value, (dict, list)):
            raise ConfigError(f"{path}: setting {key!r} in profile [{name}] must be a plain value")
        settings[norm] = str(value).strip()
    return settings


def load_config(path: Path) -> ConfigFile:
    """Read ``path`` (INI, or TOML when it ends in ``.toml``). A missing file has no profiles.

    Raises:
        ConfigError: the file cannot be read or parsed, or names an unknown setting.
    """
    if not path.exists():
        return ConfigFile(path=path)
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except OSError as err:
        raise ConfigError(f"cannot read the config file {path}: {err.strerror or err}") from None
    raw: dict[str, Mapping[str, Any]] = {}
    if path.suffix.lower() == ".toml":
        for name, section in _parse_toml(path, text).items():
            if not isinstance(section, dict):
                raise ConfigError(
                    f"{path}: {name!r} is outside any profile; put settings under [{name}] "
                    f"sections such as [{DEFAULT_PROFILE}]"
                )
            raw[name] = section
    else:
        parser = configparser.ConfigParser(interpolation=None, default_section="__none__")
        try:
            parser.read_string(text, source=str(path))
        except configparser.Error as err:
            raise ConfigError(f"{path} is not a valid INI file: {err.message}") from None
        raw = {name: dict(parser.items(name)) for name in parser.sections()}
    profiles = {name: _check_profile(path, name, values) for name, values in raw.items()}
    shared = os.name == "posix" and bool(stat.S_IMODE(mode) & 0o077)
    return ConfigFile(path=path, profiles=profiles, shared=shared)


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{path} is not valid TOML: {err}") from None
    raise ConfigError(  # pragma: no cover - Python 3.10 only
        f"{path}: TOML config files need Python 3.11+; write the same sections to "
        f"{path.with_suffix('.ini')} instead"
    )


def profile_settings(config: ConfigFile, profile: str | None) -> dict[str, str]:
    """The settings of ``profile`` (``None``: the default profile, which may be absent).

    Raises:
        ConfigError: a profile was named but the file does not have it.
    """
    name = profile or DEFAULT_PROFILE
    if profile is not None and name not in config.profiles:
        where = f"in {config.path}" if config.exists else f"(no config file at {config.path})"
        have = ", ".join(sorted(config.profiles)) or "none"
        raise ConfigError(f"no profile [{name}] {where}; profiles there: {have}")
    return dict(config.profiles.get(name, {}))


@attrs.frozen
class Resolved:
    """Settings after layering; tokens are never shown in a repr."""

    platform: str | None = None
    base_url: str | None = None
    username: str | None = None
    data_token: str | None = attrs.field(default=None, repr=False)
    action_token: str | None = attrs.field(default=None, repr=False)
    status_method: str | None = None
    #: Which token each write uses (``action``, ``data``, ``guide`` or ``status=data,...``):
    #: a choice, never a token itself.
    write_token: str | None = None
    customer_id_format: str | None = None
    #: Where each token came from ("environment", the config file path), for messages.
    token_source: str | None = None
    #: True when a token was read from a config file that others may read.
    token_from_shared_file: bool = False


def resolve(
    command_line: Mapping[str, str | None],
    environ: Mapping[str, str],
    config: ConfigFile,
    profile: str | None,
) -> Resolved:
    """Layer the command line over the environment over the profile.

    Args:
        command_line: Values given as options (``None`` when not given).
        environ: The process environment.
        config: The parsed config file.
        profile: The profile asked for (``None``: the default profile, which may be absent).

    Raises:
        ConfigError: a profile was named but the file does not have it.
    """
    file_layer = profile_settings(config, profile)
    env_layer = {key: environ[var] for key, var in ENV_NAMES.items() if environ.get(var)}
    cli_layer = {k: v for k, v in command_line.items() if v and k not in TOKEN_KEYS}
    layers = [cli_layer, env_layer, file_layer]

    values: dict[str, str | None] = {}
    for key in ENV_NAMES:
        if key in _WHERE:
            continue
        values[key] = next((layer[key] for layer in layers if key in layer), None)
    where_layer = next((layer for layer in layers if any(k in layer for k in _WHERE)), {})
    for key in _WHERE:
        values[key] = where_layer.get(key)

    # Tokens never come from the command line (they would show in `ps` and shell history).
    sources = set()
    from_file = False
    for key in TOKEN_KEYS:
        if key in env_layer:
            sources.add("the environment")
        elif key in file_layer:
            sources.add(str(config.path))
            from_file = True
    token_source = " and ".join(sorted(sources)) or None
    return Resolved(
        platform=values["platform"],
        base_url=values["base_url"],
        username=values["username"],
        data_token=values["data_token"],
        action_token=values["action_token"],
        status_method=values["status_method"],
        write_token=values["write_token"],
        customer_id_format=values["customer_id_format"],
        token_source=token_source,
        token_from_shared_file=from_file and config.shared,
    )


@attrs.frozen
class VoipbinResolved:
    """VoIPbin settings after layering; the access key and token are never in a repr."""

    base_url: str | None = None
    accesskey: str | None = attrs.field(default=None, repr=False)
    token: str | None = attrs.field(default=None, repr=False)
    #: Which layer gave the credential ("the environment", "profile [p] of FILE"), for messages.
    secret_source: str | None = None
    #: True when the credential was read from a config file that others may read.
    secret_from_shared_file: bool = False


def resolve_voipbin(
    command_line: Mapping[str, str | None],
    environ: Mapping[str, str],
    config: ConfigFile,
    profile: str | None,
) -> VoipbinResolved:
    """Layer the ``voipbin`` options over the ``VOIPBIN_*`` environment over the profile.

    The base URL and the credential are decided separately; the credential (an access key or a
    token) as a unit, by the first layer that gives either.

    Raises:
        ConfigError: a profile was named but the file does not have it.
    """
    file_layer = {k: v for k, v in profile_settings(config, profile).items() if v}
    env_layer = {k: environ[v] for k, v in VOIPBIN_ENV_NAMES.items() if environ.get(v)}
    cli_layer = {k: v for k, v in command_line.items() if v}
    layers = [
        ("the command line", cli_layer),
        ("the environment", env_layer),
        (f"profile [{profile or DEFAULT_PROFILE}] of {config.path}", file_layer),
    ]
    base_url = next(
        (layer["voipbin_base_url"] for _, layer in layers if "voipbin_base_url" in layer), None
    )
    secrets = ("voipbin_accesskey", "voipbin_token")
    where, chosen = next(
        ((w, layer) for w, layer in layers if any(k in layer for k in secrets)), (None, {})
    )
    return VoipbinResolved(
        base_url=base_url,
        accesskey=chosen.get("voipbin_accesskey"),
        token=chosen.get("voipbin_token"),
        secret_source=where,
        secret_from_shared_file=bool(chosen) and chosen is file_layer and config.shared,
    )


@attrs.frozen
class V1Resolved:
    """Campaigns API v1 settings after layering; the API key is never in a repr."""

    site: str | None = None
    base_url: str | None = None
    tenant: str | None = None
    api_key: str | None = attrs.field(default=None, repr=False)
    #: Which layer gave the API key ("the environment", "profile [p] of FILE"), for messages.
    key_source: str | None = None
    #: True when the API key was read from a config file that others may read.
    key_from_shared_file: bool = False


def resolve_v1(
    command_line: Mapping[str, str | None],
    environ: Mapping[str, str],
    config: ConfigFile,
    profile: str | None,
) -> V1Resolved:
    """Layer the ``v1`` options over the ``CC_V1_*`` environment over the profile.

    Where the service is (``v1_site`` or ``v1_base_url``) is decided as a unit by the first
    layer that says anything about it; the tenant on its own; the API key never comes from the
    command line (it would show in ``ps`` and the shell history).

    Raises:
        ConfigError: a profile was named but the file does not have it.
    """
    file_layer = {
        k: v for k, v in profile_settings(config, profile).items() if v and k in V1_ENV_NAMES
    }
    env_layer = {k: environ[v] for k, v in V1_ENV_NAMES.items() if environ.get(v)}
    cli_layer = {k: v for k, v in command_line.items() if v and k != "v1_api_key"}
    layers = [
        ("the command line", cli_layer),
        ("the environment", env_layer),
        (f"profile [{profile or DEFAULT_PROFILE}] of {config.path}", file_layer),
    ]
    where = ("v1_site", "v1_base_url")
    where_layer = next((layer for _, layer in layers if any(k in layer for k in where)), {})
    tenant = next((layer["v1_tenant"] for _, layer in layers if "v1_tenant" in layer), None)
    source, key = next(
        ((w, layer["v1_api_key"]) for w, layer in layers if "v1_api_key" in layer), (None, None)
    )
    return V1Resolved(
        site=where_layer.get("v1_site"),
        base_url=where_layer.get("v1_base_url"),
        tenant=tenant,
        api_key=key,
        key_source=source,
        key_from_shared_file=key is not None and source == layers[2][0] and config.shared,
    )
