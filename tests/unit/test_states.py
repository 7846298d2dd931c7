"""The transition tables and their one guard."""

from __future__ import annotations

import pytest

from orderbridge.domain.errors import InvalidTransition
from orderbridge.domain.states import (
    EXPORT_TRANSITIONS,
    ORDER_TRANSITIONS,
    ExportStatus,
    ImportStatus,
    OrderStatus,
    can_transition,
    transition_to,
)


def test_every_state_has_a_row_in_its_table() -> None:
    assert set(ORDER_TRANSITIONS) == set(OrderStatus)
    assert set(EXPORT_TRANSITIONS) == set(ExportStatus)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (OrderStatus.PENDING, OrderStatus.UNSHIPPED),
        (OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED),
        (OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED),
        (OrderStatus.SHIPPED, OrderStatus.COMPLETE),
        (OrderStatus.UNSHIPPED, OrderStatus.CANCELED),
        (OrderStatus.PENDING, OrderStatus.SHIPPED),  # first seen already shipped
    ],
)
def test_lifecycle_moves_forward(current: OrderStatus, target: OrderStatus) -> None:
    assert transition_to(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (OrderStatus.SHIPPED, OrderStatus.UNSHIPPED),
        (OrderStatus.CANCELED, OrderStatus.SHIPPED),
        (OrderStatus.COMPLETE, OrderStatus.CANCELED),
        (OrderStatus.SHIPPED, OrderStatus.CANCELED),
    ],
)
def test_lifecycle_refuses_going_back_or_leaving_an_end(
    current: OrderStatus, target: OrderStatus
) -> None:
    with pytest.raises(InvalidTransition) as refused:
        transition_to(current, target)
    assert current.value in str(refused.value) and target.value in str(refused.value)


def test_export_path_and_its_refusals() -> None:
    status = ExportStatus.NOT_EXPORTED
    for step in (ExportStatus.SCHEDULED, ExportStatus.BEING_EXPORTED, ExportStatus.EXPORTED):
        status = transition_to(status, step)
    assert status is ExportStatus.EXPORTED
    with pytest.raises(InvalidTransition):
        transition_to(ExportStatus.EXPORTED, ExportStatus.SCHEDULED)
    with pytest.raises(InvalidTransition):
        transition_to(ExportStatus.NOT_EXPORTED, ExportStatus.EXPORTED)
    assert can_transition(ExportStatus.EXPORT_FAILED, ExportStatus.SCHEDULED)


def test_import_status_can_block_and_unblock() -> None:
    assert transition_to(ImportStatus.COMPLETE, ImportStatus.BLOCKED) is ImportStatus.BLOCKED
    assert transition_to(ImportStatus.BLOCKED, ImportStatus.COMPLETE) is ImportStatus.COMPLETE


def test_staying_put_is_allowed() -> None:
    assert can_transition(OrderStatus.CANCELED, OrderStatus.CANCELED)
