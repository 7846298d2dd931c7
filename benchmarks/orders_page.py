"""Orders page: how long the server takes to render the web admin's ORDERS tab at volume.

Run: ``.venv/bin/python benchmarks/orders_page.py [--orders 100000]
[--databases sqlite,postgres] [--postgres-url postgresql+psycopg://…] [--repeat 30]
[--explain]``

For each database, a fresh store is filled with N generated orders over five connections
and a year of purchases (statuses by age, one to three lines from a catalogue of SKUs,
exports, failures and their error entries), written by the store's own order writer, as
an import would. The real app (``create_app``) then answers in-process through
``httpx.ASGITransport``, signed in as an admin, so what is timed is the server's work:
routing, the session lookup, every query, the Jinja2 rendering.

Per page it prints the median and p95 over ``--repeat`` requests (after warm-up), the
p95's ratio to the 300 ms budget, the bare ``list_orders`` (or ``order_detail``) call
for the same page, all SQL the page ran, and what is left for the rendering. A page over
budget gets the plan of its slowest statement (every page with ``--explain``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import event, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from harness import fresh_database
from orderbridge.bootstrap import build_context
from orderbridge.config import Settings
from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, OrderSnapshot
from orderbridge.domain.states import ExportStatus, OrderStatus
from orderbridge.services.context import ServiceContext
from orderbridge.services.queries import list_connections, list_orders, order_detail
from orderbridge.services.users import create_user, session_user
from orderbridge.store.error_log import record_error
from orderbridge.store.feeds import ORDERS, ensure_feed
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.outbox_queue import DEAD, DONE, EXPORT_ORDER, OMS_LANE, PENDING, export_key
from orderbridge.store.tables import (
    connections,
    export_targets,
    import_feeds,
    order_events,
    order_lines,
    orders,
    outbox,
)
from orderbridge.web.app import create_app
from orderbridge.web.ui.orders import PAGE_SIZE
from orderbridge.web.ui.session import COOKIE

BUDGET_MS = 300.0
WARMUP = 3
SECONDS_PER_CASE = 20.0  # of timed requests per page, at most
CHUNK = 1000  # orders per write transaction, as an import page of ten marketplace pages
PASSWORD = "benchmark password"
SEED = 7

# name, channel, currency, marketplace, share of the orders
CONNECTIONS = (
    ("amazon-us", "amazon", "USD", "ATVPDKIKX0DER", 0.30),
    ("amazon-eu", "amazon", "EUR", "A1PA6795UKMFR9", 0.30),
    ("walmart-us", "walmart", "USD", "WALMART_US", 0.15),
    ("bol-nl", "bol", "EUR", "BOL_NL", 0.15),
    ("ebay", "ebay", "USD", "EBAY_US", 0.10),
)
FIRST = "Ada Alan Grace Linus Margaret Ken Barbara Dennis Frances Edsger Radia John Hedy "
FIRST += "Tim Sophie Niklaus Donald Karen Guido Anita Bjarne Jean Leslie Katherine Claude"
LAST = "Lovelace Turing Hopper Torvalds Hamilton Thompson Liskov Ritchie Allen Dijkstra "
LAST += "Perlman Backus Lamarr Berners-Lee Wilson Wirth Knuth Jones Rossum Borg Sammet"
FIRST_NAMES = FIRST.split()
LAST_NAMES = LAST.split()
PRODUCTS = ("Ceramic mug", "Tea towel", "Cutting board", "Salad bowl", "Oven glove", "Apron")
SKUS = 3000


# --- the data -------------------------------------------------------------------------------


# Cumulative shares of the statuses by age: new orders wait, old ones are shipped.
STATUS_BY_AGE: tuple[tuple[timedelta, tuple[tuple[float, str], ...]], ...] = (
    (
        timedelta(days=1),
        ((0.08, "pending"), (0.88, "unshipped"), (0.92, "partially_shipped"), (0.98, "shipped")),
    ),
    (timedelta(days=3), ((0.25, "unshipped"), (0.30, "partially_shipped"), (0.95, "shipped"))),
    (
        timedelta.max,
        ((0.02, "unshipped"), (0.03, "partially_shipped"), (0.58, "shipped"), (0.93, "complete")),
    ),
)


def _status(age: timedelta, rng: random.Random) -> OrderStatus:
    """A realistic status for an order this old; what the table leaves over is cancelled."""
    roll = rng.random()
    table = next(shares for younger_than, shares in STATUS_BY_AGE if age < younger_than)
    return OrderStatus(next((status for limit, status in table if roll < limit), "canceled"))


@dataclass
class Catalogue:
    """SKUs with a long tail: a few sell every day, most a few times a year."""

    rng: random.Random
    skus: list[str] = field(init=False)
    weights: list[float] = field(init=False)

    def __post_init__(self) -> None:
        self.skus = [f"{PRODUCTS[i % len(PRODUCTS)][:3].upper()}-{i:05d}" for i in range(SKUS)]
        self.weights = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(SKUS)))

    def pick(self, count: int) -> list[str]:
        return self.rng.choices(self.skus, cum_weights=self.weights, k=count)


def _external_id(channel: str, number: int) -> str:
    if channel == "amazon":
        return f"{111 + number % 800:03d}-{number:07d}-{(number * 7919) % 10**7:07d}"
    if channel == "ebay":
        return f"{number % 90 + 10:02d}-{number:05d}-{(number * 31) % 10**5:05d}"
    return f"{1_000_000_000 + number}"


def _snapshot(
    connection: tuple[str, str, str, str, float],
    number: int,
    purchased: datetime,
    now: datetime,
    rng: random.Random,
    catalogue: Catalogue,
) -> OrderSnapshot:
    _name, channel, currency, marketplace, _share = connection
    status = _status(now - purchased, rng)
    external_id = _external_id(channel, number)
    buyer_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    count = 1 if rng.random() < 0.7 else (2 if rng.random() < 0.67 else 3)
    shipped_all = status in (OrderStatus.SHIPPED, OrderStatus.COMPLETE)
    lines = []
    for index, sku in enumerate(catalogue.pick(count), start=1):
        quantity = 1 if rng.random() < 0.8 else rng.randint(2, 4)
        price = Decimal(rng.randint(499, 8999)) / 100 * quantity
        lines.append(
            OrderLine(
                external_line_id=f"{external_id}-{index}",
                sku=sku,
                title=f"{PRODUCTS[int(sku[-5:]) % len(PRODUCTS)]} {sku}",
                quantity_ordered=quantity,
                quantity_shipped=quantity if shipped_all else 0,
                item_price=Money(price, currency),
                item_tax=Money((price * Decimal("0.19")).quantize(Decimal("0.01")), currency),
                shipping_price=Money(Decimal("4.95"), currency),
                shipping_tax=Money(Decimal("0.94"), currency),
                discount=Money(Decimal("0.00"), currency),
            )
        )
    address = Address(
        name=buyer_name,
        line1=f"{rng.randint(1, 200)} Main Street",
        city=rng.choice(("Springfield", "Utrecht", "Berlin", "Austin", "Leeds")),
        postal_code=f"{rng.randint(10000, 99999)}",
        country_code=rng.choice(("US", "NL", "DE", "GB")),
    )
    raw = {
        # About the size of a real payload, so the detail page shows one.
        "orderId": external_id,
        "purchaseDate": purchased.isoformat(),
        "orderStatus": status.value.upper(),
        "marketplaceId": marketplace,
        "buyer": {"name": buyer_name, "email": f"{number}@buyers.example.invalid"},
        "shippingAddress": {"name": buyer_name, "city": address.city, "postalCode": "…"},
        "orderItems": [
            {
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity_ordered,
                "itemPrice": {"amount": str(line.item_price.amount), "currencyCode": currency},
                "itemTax": {"amount": str(line.item_tax.amount), "currencyCode": currency},
            }
            for line in lines
        ],
    }
    return OrderSnapshot(
        external_id=external_id,
        marketplace_ids=(marketplace,),
        purchased_at=purchased,
        last_updated_at=min(now, purchased + timedelta(minutes=rng.randint(1, 600))),
        latest_ship_at=purchased + timedelta(days=2),
        marketplace_status=status.value.upper(),
        status=status,
        currency=currency,
        buyer=Buyer(name=buyer_name, email=f"{number}@buyers.example.invalid"),
        shipping_address=address,
        lines=tuple(lines),
        fulfillment_channel="MERCHANT",
        raw=raw,
    )


def _export_fate(age: timedelta, rng: random.Random) -> str:
    """Where a scheduled order stands on its way to the OMS today."""
    roll = rng.random()
    if roll < 0.015:
        return ExportStatus.EXPORT_FAILED.value
    if age < timedelta(hours=1) and roll < 0.5:
        return ExportStatus.SCHEDULED.value
    return ExportStatus.EXPORTED.value


async def _setup_connections(ctx: ServiceContext) -> tuple[int, dict[str, int]]:
    now = ctx.clock()
    async with ctx.db.write() as conn:
        target_id = (
            await conn.execute(
                export_targets.insert()
                .values(
                    name="oms",
                    kind="webhook",
                    settings={"url": "http://127.0.0.1:9/webhooks/orders"},
                    created_at=now,
                    updated_at=now,
                )
                .returning(export_targets.c.id)
            )
        ).scalar_one()
        ids: dict[str, int] = {}
        for name, channel, _currency, marketplace, _share in CONNECTIONS:
            # Rows, not create_connection: no credentials to check, nothing is ever called.
            ids[name] = (
                await conn.execute(
                    connections.insert()
                    .values(
                        name=name,
                        channel=channel,
                        credentials_encrypted=ctx.box.encrypt_json({}),
                        options={"marketplace_ids": [marketplace]},
                        import_enabled=True,
                        import_interval_seconds=300,
                        overlap_seconds=600,
                        auto_export=True,
                        export_target_id=target_id,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(connections.c.id)
                )
            ).scalar_one()
            await ensure_feed(conn, ids[name], ORDERS, now)
        await conn.execute(
            update(import_feeds).values(
                watermark=now - timedelta(minutes=12),
                last_success_at=now - timedelta(minutes=2),
                last_attempt_at=now - timedelta(minutes=2),
                next_poll_at=now + timedelta(minutes=3),
            )
        )
    return target_id, ids


async def _settle_exports(
    conn: AsyncConnection,
    created: list[int],
    snaps: dict[int, OrderSnapshot],
    connection_id: int,
    target_id: int,
    now: datetime,
    rng: random.Random,
) -> None:
    """What the runner would have done with the page's scheduled exports by now."""
    fates = {
        order_id: _export_fate(now - snaps[order_id].purchased_at, rng) for order_id in created
    }
    exported = [order_id for order_id, fate in fates.items() if fate == ExportStatus.EXPORTED]
    failed = [order_id for order_id, fate in fates.items() if fate == ExportStatus.EXPORT_FAILED]
    outbox_status = {ExportStatus.EXPORTED: DONE, ExportStatus.EXPORT_FAILED: DEAD}
    rows = []
    for order_id, fate in fates.items():
        moment = snaps[order_id].purchased_at + timedelta(minutes=3)
        failed_for_good = fate == ExportStatus.EXPORT_FAILED
        rows.append(
            {
                "kind": EXPORT_ORDER,
                "lane": OMS_LANE,
                "dedup_key": export_key(order_id, target_id),
                "order_id": order_id,
                "connection_id": connection_id,
                "target_id": target_id,
                "status": outbox_status.get(ExportStatus(fate), PENDING),
                "attempts": 8 if failed_for_good else int(fate == ExportStatus.EXPORTED),
                "max_attempts": 8,
                "next_attempt_at": moment,
                "last_error": "HTTP 422 from the OMS: unknown SKU" if failed_for_good else None,
                "created_at": moment,
                "updated_at": moment,
                "done_at": moment if fate == ExportStatus.EXPORTED else None,
            }
        )
    if rows:
        await conn.execute(outbox.insert(), rows)
    for ids, status in ((exported, ExportStatus.EXPORTED), (failed, ExportStatus.EXPORT_FAILED)):
        if ids:
            await conn.execute(
                update(orders)
                .where(orders.c.id.in_(ids))
                .values(
                    export_status=status.value,
                    exported_at=orders.c.purchased_at if status is ExportStatus.EXPORTED else None,
                )
            )
    events = [
        {
            "order_id": order_id,
            "kind": OrderEventKind.EXPORT_SUCCEEDED.value,
            "at": snaps[order_id].purchased_at + timedelta(minutes=3),
            "actor": "runner",
            "data": {"target": "oms"},
        }
        for order_id in exported
    ]
    if events:
        await conn.execute(order_events.insert(), events)
    for order_id in failed:
        await record_error(
            conn,
            title="The OMS refused the order",
            operation="export",
            at=snaps[order_id].purchased_at + timedelta(minutes=30),
            attributes={"status": 422, "body": "unknown SKU", "fix": "add the SKU to the OMS"},
            connection_id=connection_id,
            order_id=order_id,
            external_order_id=snaps[order_id].external_id,
        )


@dataclass
class Loaded:
    orders: int
    seconds: float
    connection_ids: dict[str, int]


async def load(ctx: ServiceContext, count: int, days: int) -> Loaded:
    """``count`` orders purchased over the last ``days``, written oldest first in pages, as
    a steady import writes them (so ids grow with purchase time)."""
    rng = random.Random(SEED)
    catalogue = Catalogue(random.Random(SEED + 1))
    target_id, ids = await _setup_connections(ctx)
    now = ctx.clock()
    span = days * 86_400
    moments = sorted(rng.random() * span for _ in range(count))
    names = [c[0] for c in CONNECTIONS]
    shares = [c[4] for c in CONNECTIONS]
    by_name = {c[0]: c for c in CONNECTIONS}
    started = time.perf_counter()
    for start in range(0, count, CHUNK):
        groups: dict[str, list[OrderSnapshot]] = {}
        for offset, moment in enumerate(moments[start : start + CHUNK]):
            name = rng.choices(names, weights=shares)[0]
            purchased = now - timedelta(seconds=span - moment)
            snap = _snapshot(by_name[name], start + offset, purchased, now, rng, catalogue)
            groups.setdefault(name, []).append(snap)
        async with ctx.db.write() as conn:
            for name, snaps in groups.items():
                outcome = await upsert_page(
                    conn, ids[name], snaps, now=now, actor="benchmark", export_new=True
                )
                by_id = {snap.external_id: snap for snap in snaps}
                stored = (
                    await conn.execute(
                        select(orders.c.id, orders.c.external_id).where(
                            orders.c.id.in_(outcome.created_for_export)
                        )
                    )
                ).all()
                snaps_by_order = {row.id: by_id[row.external_id] for row in stored}
                await _settle_exports(
                    conn, outcome.created_for_export, snaps_by_order, ids[name], target_id, now, rng
                )
        if (start // CHUNK) % 20 == 19:
            print(f"  {start + CHUNK:,} orders stored", flush=True)
    async with ctx.db.write() as conn:
        # Open orders past their latest ship date have been flagged by the late-shipment check
        # (at that date, near enough: the moment only shows on the detail page).
        await conn.execute(
            update(orders)
            .where(
                orders.c.status.in_(("unshipped", "partially_shipped")),
                orders.c.latest_ship_at < now,
            )
            .values(late_flagged_at=orders.c.latest_ship_at)
        )
    if ctx.db.is_postgres:
        # Autovacuum would have vacuumed and analysed the tables by now; a benchmark cannot
        # wait for it. (SQLite is left as orderbridge leaves it: the app never runs ANALYZE.)
        async with ctx.db.engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
    return Loaded(count, time.perf_counter() - started, ids)


# --- timing ---------------------------------------------------------------------------------


@dataclass
class Statements:
    """Every SQL statement the app runs, with its time (rows fetched included)."""

    records: list[tuple[float, str, Any]] = field(default_factory=list)

    def since(self, mark: int) -> list[tuple[float, str, Any]]:
        return self.records[mark:]


@contextmanager
def recording(engine: AsyncEngine) -> Iterator[Statements]:
    found = Statements()

    def before(conn: Any, _cursor: Any, _sql: str, _params: Any, _ctx: Any, _many: bool) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        started = conn.info["bench_started"].pop()
        found.records.append((time.perf_counter() - started, sql, params))

    target = engine.sync_engine
    event.listen(target, "before_cursor_execute", before)
    event.listen(target, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(target, "before_cursor_execute", before)
        event.remove(target, "after_cursor_execute", after)


def p95(samples: list[float]) -> float:
    # Nearest rank: with 30 samples, the second slowest.
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Case:
    label: str
    path: str
    query: Callable[[], Awaitable[object]]  # the bare read the page is built on
    matches: str = ""


@dataclass
class Measured:
    case: Case
    page: list[float]
    query: list[float]
    rest: list[float]  # per request: its time less the SQL it ran
    sql: list[float]  # per request: the time of all its SQL statements
    slowest: tuple[float, str, Any]

    @property
    def over_budget(self) -> bool:
        return p95(self.page) * 1000 > BUDGET_MS


def _repetitions(first: float, repeat: int) -> int:
    # A page far over budget gets fewer requests, so one run stays within minutes.
    return min(repeat, max(10, int(SECONDS_PER_CASE / max(first, 1e-6))))


async def _timed(call: Callable[[], Awaitable[object]], repeat: int) -> list[float]:
    started = time.perf_counter()
    await call()
    first = time.perf_counter() - started
    for _ in range(WARMUP - 1):
        await call()
    samples = []
    for _ in range(_repetitions(first, repeat)):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def measure(
    client: httpx.AsyncClient, statements: Statements, case: Case, repeat: int
) -> Measured:
    async def get() -> None:
        answer = await client.get(case.path)
        if answer.status_code != 200:
            raise SystemExit(f"{case.label}: {case.path} answered {answer.status_code}")

    started = time.perf_counter()
    await get()
    first = time.perf_counter() - started
    for _ in range(WARMUP - 1):
        await get()
    page: list[float] = []
    sql: list[float] = []
    rest: list[float] = []
    slowest: tuple[float, str, Any] = (0.0, "", None)
    for _ in range(_repetitions(first, repeat)):
        mark = len(statements.records)
        started = time.perf_counter()
        await get()
        seconds = time.perf_counter() - started
        ran = statements.since(mark)
        page.append(seconds)
        sql.append(sum(statement_seconds for statement_seconds, _, _ in ran))
        rest.append(seconds - sql[-1])
        slowest = max([slowest, *ran], key=lambda item: item[0])
    query = await _timed(case.query, repeat)
    return Measured(case, page, query, rest, sql, slowest)


async def explain(ctx: ServiceContext, sql: str, params: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if ctx.db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    async with ctx.db.read() as conn:
        rows = (await conn.exec_driver_sql(prefix + sql, params)).all()
    if ctx.db.is_sqlite:
        return "\n".join(f"    {row[-1]}" for row in rows)
    return "\n".join(f"    {row[0]}" for row in rows)


# --- the cases ------------------------------------------------------------------------------


def _orders(count: int) -> str:
    return f"{count:,} order{'' if count == 1 else 's'}"


async def _count(ctx: ServiceContext, *conditions: Any) -> int:
    async with ctx.db.read() as conn:
        return int(
            (
                await conn.execute(select(func.count()).select_from(orders).where(*conditions))
            ).scalar_one()
        )


def _filtered(ctx: ServiceContext, connection: str, status: str) -> Callable[[], Awaitable[object]]:
    return lambda: list_orders(ctx, connection=connection, status=[status], limit=PAGE_SIZE)


async def cases(ctx: ServiceContext, loaded: Loaded, deep: int) -> list[Case]:
    def orders_path(**params: str) -> str:
        return "/orders" + (f"?{urlencode(params)}" if params else "")

    found: list[Case] = [
        Case("first page", "/orders", lambda: list_orders(ctx, limit=PAGE_SIZE)),
    ]
    for connection, status in (("amazon-eu", "unshipped"), ("walmart-us", "canceled")):
        matches = await _count(
            ctx,
            orders.c.connection_id == loaded.connection_ids[connection],
            orders.c.status == status,
        )
        found.append(
            Case(
                f"{status} on {connection}",
                orders_path(connection=connection, status=status),
                _filtered(ctx, connection, status),
                _orders(matches),
            )
        )
    # A SKU from the middle of the catalogue's long tail: sold now and then, not daily.
    sku = f"{PRODUCTS[400 % len(PRODUCTS)][:3].upper()}-{400:05d}"
    async with ctx.db.read() as conn:
        sku_orders = (
            await conn.execute(
                select(func.count(func.distinct(order_lines.c.order_id))).where(
                    order_lines.c.sku == sku
                )
            )
        ).scalar_one()
    found.append(
        Case(
            f"search SKU {sku}",
            orders_path(q=sku),
            lambda: list_orders(ctx, search=sku, limit=PAGE_SIZE),
            _orders(sku_orders),
        )
    )
    # An order id as a user pastes it from the marketplace: one order matches.
    async with ctx.db.read() as conn:
        external_id = (
            await conn.execute(
                select(orders.c.external_id)
                .order_by(orders.c.id)
                .offset(loaded.orders // 2)
                .limit(1)
            )
        ).scalar_one()
    found.append(
        Case(
            "search order id",
            orders_path(q=external_id),
            lambda: list_orders(ctx, search=external_id, limit=PAGE_SIZE),
            "1 order",
        )
    )
    cursor = None
    for _ in range(deep - 1):
        cursor = (await list_orders(ctx, limit=PAGE_SIZE, cursor=cursor)).next_cursor
        if cursor is None:
            break
    if cursor is not None:
        found.append(
            Case(
                f"page {deep} (keyset)",
                orders_path(cursor=cursor),
                lambda: list_orders(ctx, limit=PAGE_SIZE, cursor=cursor),
                f"{(deep - 1) * PAGE_SIZE:,} orders in",
            )
        )
    # An order whose export failed for good: its outbox row, its error entry, its events.
    async with ctx.db.read() as conn:
        order_id = (
            await conn.execute(
                select(orders.c.id)
                .where(orders.c.export_status == ExportStatus.EXPORT_FAILED.value)
                .order_by(orders.c.id.desc())
                .limit(1)
            )
        ).scalar_one()
    found.append(
        Case(
            "order detail",
            f"/orders/{order_id}",
            lambda: order_detail(ctx, order_id),
        )
    )
    return found


# --- running --------------------------------------------------------------------------------


@dataclass
class Figures:
    database: str
    loaded: Loaded
    measured: list[Measured]
    other_ms: float  # session lookup and the connection list, which every orders page reads
    plans: dict[str, str]


def _context(url: str) -> ServiceContext:
    return build_context(
        Settings(database_url=url, secret_key=Fernet.generate_key().decode(), log_level="WARNING")
    )


async def run(
    kind: str,
    count: int,
    days: int,
    repeat: int,
    deep: int,
    *,
    explain_all: bool,
    postgres_url: str | None,
) -> Figures:
    with fresh_database(kind, postgres_url) as url:
        ctx = _context(url)
        try:
            loaded = await load(ctx, count, days)
            print(f"  stored in {loaded.seconds:,.0f} s; measuring …", flush=True)
            await create_user(ctx, "ada", PASSWORD, "admin")
            app = create_app(ctx, run_embedded_runner=False)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://orderbridge.test", timeout=120
            ) as client:
                signed = await client.post(
                    "/sign-in", data={"username": "ada", "password": PASSWORD, "next": "/orders"}
                )
                if signed.status_code != 303 or COOKIE not in client.cookies:
                    raise SystemExit(f"signing in failed: {signed.status_code}")
                token = client.cookies[COOKIE]

                async def others() -> None:
                    await session_user(ctx, token)
                    await list_connections(ctx)

                other = await _timed(others, repeat)
                measured = []
                with recording(ctx.db.read_engine) as statements:
                    for case in await cases(ctx, loaded, deep):
                        measured.append(await measure(client, statements, case, repeat))
                plans = {}
                for item in measured:
                    if explain_all or item.over_budget:
                        _seconds, sql, params = item.slowest
                        plans[item.case.label] = f"  {sql}\n{await explain(ctx, sql, params)}"
        finally:
            await ctx.aclose()
    return Figures(kind, loaded, measured, statistics.median(other) * 1000, plans)


COLUMNS = (
    ("page", 24),
    ("n", 4),
    ("median", 8),
    ("p95", 8),
    ("p95/budget", 11),
    ("bare query", 11),
    ("all SQL", 9),
    ("rest", 7),
    ("matches", 18),
)


def _row(values: tuple[str, ...]) -> str:
    cells = zip(values, COLUMNS, strict=True)
    return "".join(f"{v:<{w}}" if i == 0 else f"{v:>{w}}" for i, (v, (_, w)) in enumerate(cells))


def report(figures: Figures) -> None:
    ms = 1000
    print()
    print(
        f"{figures.database}: {figures.loaded.orders:,} orders "
        f"(stored in {figures.loaded.seconds:,.0f} s); times in ms, budget {BUDGET_MS:.0f} ms"
    )
    print(_row(tuple(name for name, _ in COLUMNS)))
    for item in figures.measured:
        print(
            _row(
                (
                    item.case.label,
                    f"{len(item.page)}",
                    f"{statistics.median(item.page) * ms:.1f}",
                    f"{p95(item.page) * ms:.1f}",
                    f"{p95(item.page) * ms / BUDGET_MS:.2f}",
                    f"{statistics.median(item.query) * ms:.1f}",
                    f"{statistics.median(item.sql) * ms:.1f}",
                    f"{statistics.median(item.rest) * ms:.1f}",
                    item.case.matches,
                )
            )
        )
    print(
        "n: timed requests; bare query: list_orders (order_detail) alone, medians; all SQL: "
        "every statement the page ran;\nrest: the page less its SQL (routing, session, "
        "rendering, ASGI). Session lookup + connection list, read by every orders page: "
        f"{figures.other_ms:.1f} ms."
    )
    over = [item.case.label for item in figures.measured if item.over_budget]
    print(f"over budget (p95 > {BUDGET_MS:.0f} ms): {', '.join(over) or 'none'}")
    for label, plan in figures.plans.items():
        print(f"\nslowest statement of '{label}':\n{plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument(
        "--days", type=int, default=365, help="purchases spread over this many days"
    )
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get("ORDERBRIDGE_TEST_POSTGRES_URL"))
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--deep", type=int, default=1000, help="the keyset page to time")
    parser.add_argument("--explain", action="store_true", help="plans of every page's slowest SQL")
    args = parser.parse_args()
    deep = max(2, min(args.deep, args.orders // PAGE_SIZE // 2))
    for kind in args.databases.split(","):
        print(f"{kind.strip()}: {args.orders:,} orders …", flush=True)
        figures = asyncio.run(
            run(
                kind.strip(),
                args.orders,
                args.days,
                args.repeat,
                deep,
                explain_all=args.explain,
                postgres_url=args.postgres_url,
            )
        )
        report(figures)
        print(flush=True)


if __name__ == "__main__":
    main()
