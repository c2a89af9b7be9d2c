"""Product holds: an open Andon alert takes its product off sale until the alert closes.

One hold row per alert; a product is on hold while any of its holds is not released. The first hold of a product
and its last release are announced through the webhook outbox (`product.hold`, `product.released`), so a shop
system can take the product off sale and put it back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.outbox import enqueue
from core.tables import ProductHoldRow, as_utc


class HoldView(BaseModel):
    product: str
    alert_id: str
    held_at: datetime
    held_by: str
    released_at: datetime | None = None
    released_by: str | None = None


def _view(row: ProductHoldRow) -> HoldView:
    def utc(at: datetime | None) -> datetime | None:
        return None if at is None else as_utc(at)

    return HoldView(
        product=row.product,
        alert_id=row.alert_id,
        held_at=as_utc(row.held_at),
        held_by=row.held_by,
        released_at=utc(row.released_at),
        released_by=row.released_by,
    )


def _active(session: Session, product: str) -> list[ProductHoldRow]:
    return list(
        session.scalars(
            select(ProductHoldRow).where(ProductHoldRow.product == product, ProductHoldRow.released_at.is_(None))
        )
    )


def hold(session: Session, *, product: str, alert_id: str, by: str, now: datetime) -> HoldView:
    """Put `product` on hold for the alert (once per alert); the first hold announces it."""
    existing = session.scalar(select(ProductHoldRow).where(ProductHoldRow.alert_id == alert_id))
    if existing is not None:
        return _view(existing)
    first = not _active(session, product)
    row = ProductHoldRow(product=product, alert_id=alert_id, held_at=now, held_by=by)
    session.add(row)
    session.flush()
    if first:
        enqueue(session, "product.hold", {"hold": _view(row).model_dump(mode="json")}, now=now)
    return _view(row)


def release(session: Session, *, alert_id: str, by: str, now: datetime) -> HoldView | None:
    """Release the alert's hold; the product comes back on sale (announced) when no other alert holds it."""
    row = session.scalar(select(ProductHoldRow).where(ProductHoldRow.alert_id == alert_id))
    if row is None or row.released_at is not None:
        return _view(row) if row is not None else None
    row.released_at, row.released_by = now, by
    session.flush()
    if not _active(session, row.product):
        enqueue(session, "product.released", {"hold": _view(row).model_dump(mode="json")}, now=now)
    return _view(row)


def on_hold(session: Session, products: Iterable[str] | None = None) -> dict[str, HoldView]:
    """Products on hold now, each with its earliest active hold."""
    query = select(ProductHoldRow).where(ProductHoldRow.released_at.is_(None)).order_by(ProductHoldRow.held_at)
    if products is not None:
        query = query.where(ProductHoldRow.product.in_(list(products)))
    out: dict[str, HoldView] = {}
    for row in session.scalars(query):
        out.setdefault(row.product, _view(row))
    return out


def for_alert(session: Session, alert_id: str) -> HoldView | None:
    row = session.scalar(select(ProductHoldRow).where(ProductHoldRow.alert_id == alert_id))
    return _view(row) if row is not None else None


def history(session: Session, product: str) -> list[HoldView]:
    query = select(ProductHoldRow).where(ProductHoldRow.product == product).order_by(ProductHoldRow.held_at.desc())
    return [_view(r) for r in session.scalars(query)]
