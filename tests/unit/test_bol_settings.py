"""A bol.com connection's settings and what they declare: budgets, operations, demo paths."""

from __future__ import annotations

from typing import Any

import pytest

from orderbridge.marketplaces.bol.capabilities import bol_capabilities
from orderbridge.marketplaces.bol.settings import BolSettings
from orderbridge.marketplaces.errors import ConfigurationError

CREDENTIALS = {"client_id": "c0ffee", "client_secret": "s3cret-value"}


def parse(**options: Any) -> BolSettings:
    return BolSettings.parse(CREDENTIALS, options)


def test_defaults_point_at_bol_and_import_what_the_retailer_ships() -> None:
    settings = parse()
    assert settings.base_url == "https://api.bol.com"
    assert settings.token_url == "https://login.bol.com/token"
    assert settings.fulfilment_method == "FBR"
    assert (settings.retailer_root, settings.shared_root) == ("/retailer", "/shared")
    assert "s3cret" not in repr(settings)


def test_the_demo_environment_has_its_own_paths() -> None:
    settings = parse(demo="true")
    assert (settings.retailer_root, settings.shared_root) == ("/retailer-demo", "/shared-demo")


def test_budgets_default_to_bols_table_and_can_be_raised() -> None:
    limits = {limit.operation: limit for limit in bol_capabilities().rate_limits}
    assert limits["get-orders"].burst == 7
    assert limits["get-orders"].rate == pytest.approx(7 / 180)
    assert limits["get-order"].rate == pytest.approx(8 / 60)
    assert limits["cancel-order-item"].burst == 25
    settings = parse(rate_limits={"get-order": {"requests": 20, "seconds": 60}})
    raised = bol_capabilities(2.0, settings.rate_limits).rate_limits
    assert {limit.operation: limit.rate for limit in raised}["get-order"] == pytest.approx(
        20 / 60 * 2
    )


def test_bol_declares_no_refunds_and_per_item_cancellation() -> None:
    capabilities = bol_capabilities()
    assert capabilities.operations == {"import_orders", "get_order", "ship", "cancel"}
    assert capabilities.partial_cancel and not capabilities.tracking_required
    assert capabilities.carrier_codes["postnl"] == "TNT"
    assert capabilities.other_carrier_code == "OTHER"


@pytest.mark.parametrize(
    ("credentials", "options", "message"),
    [
        ({"client_id": "c0ffee"}, {}, "credential 'client_secret' is missing"),
        (CREDENTIALS, {"base_url": "api.bol.com"}, "'base_url' must be an http"),
        (CREDENTIALS, {"fulfilment_method": "VVB"}, "'fulfilment_method' must be one of"),
        (CREDENTIALS, {"demo": "yes please"}, "'demo' must be true or false"),
        (CREDENTIALS, {"rate_limit_scale": 0}, "'rate_limit_scale' must be a positive"),
        (CREDENTIALS, {"rate_limits": {"get-offers": {"requests": 1, "seconds": 1}}}, "unknown"),
        (CREDENTIALS, {"rate_limits": {"get-order": {"requests": 8}}}, "{requests, seconds}"),
        (
            CREDENTIALS,
            {"rate_limits": {"get-order": {"requests": 1.5, "seconds": 60}}},
            "must be whole",
        ),
    ],
)
def test_a_wrong_setting_is_named(
    credentials: dict[str, str], options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        BolSettings.parse(credentials, options)
