"""The public surface: every exported name imports, ``__all__`` is sorted, ``py.typed`` ships."""

from __future__ import annotations

import importlib
import importlib.resources

import pytest

import cc_campaigns


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 enforces: CONSTANTS, then Classes, then everything else.
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted() -> None:
    assert list(cc_campaigns.__all__) == sorted(cc_campaigns.__all__, key=_isort_key)


def test_all_has_no_duplicates() -> None:
    assert len(set(cc_campaigns.__all__)) == len(cc_campaigns.__all__)


@pytest.mark.parametrize("name", cc_campaigns.__all__)
def test_every_public_name_imports(name: str) -> None:
    module = importlib.import_module("cc_campaigns")
    assert getattr(module, name) is not None


def test_the_documented_import_line_works() -> None:
    from cc_campaigns import (  # noqa: F401
        ApiError,
        AuthenticationError,
        Campaign,
        CampaignRecord,
        CampaignsClient,
        CampaignsError,
        CampaignState,
        CampaignStatus,
        CustomerItem,
        InvalidTransitionError,
        ItemResult,
        NotFoundError,
        StatusChange,
        ValidationError,
    )


def test_error_classes_form_one_tree() -> None:
    for name in cc_campaigns.__all__:
        value = getattr(cc_campaigns, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, cc_campaigns.CampaignsError), name


def test_py_typed_ships() -> None:
    marker = importlib.resources.files("cc_campaigns").joinpath("py.typed")
    assert marker.is_file()


def test_version_is_a_string() -> None:
    assert isinstance(cc_campaigns.__version__, str)
    assert cc_campaigns.__version__
