"""work orders that close the loop: routing, lifecycle events, SLA deadlines, product holds, the webhook outbox

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

STAMPS = ("warn_at", "due_at", "manager_at", "warned_at", "breached_at", "resolved_at", "verified_at")


def upgrade() -> None:
    with op.batch_alter_table("andon_alerts") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=False, server_default="rule"))
        batch.add_column(sa.Column("raised_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("resolution", sa.String(length=16), nullable=True))
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("product", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("issue", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("team", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("priority", sa.String(length=8), nullable=False, server_default="normal"))
        batch.add_column(sa.Column("root_cause", sa.JSON(), nullable=True))
        for name in STAMPS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalation", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index(batch.f("ix_work_orders_team"), ["team"], unique=False)
        batch.create_index("ix_work_orders_status_due", ["status", "due_at"], unique=False)
    # the two statuses of before: done becomes verified (nobody is left to verify it)
    op.execute(
        "UPDATE work_orders SET status = 'verified', resolved_at = updated_at, verified_at = updated_at "
        "WHERE status = 'done'"
    )
    op.create_table(
        "work_order_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("work_order_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.String(length=128), nullable=True),
        sa.Column("after", sa.String(length=128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_events_work_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_events")),
    )
    op.create_index(op.f("ix_work_order_events_work_order_id"), "work_order_events", ["work_order_id"], unique=False)
    op.create_table(
        "product_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product", sa.String(length=128), nullable=False),
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_by", sa.String(length=64), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["andon_alerts.id"], name=op.f("fk_product_holds_alert_id_andon_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_holds")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_product_holds_alert_id")),
    )
    op.create_index(op.f("ix_product_holds_product"), "product_holds", ["product"], unique=False)
    op.create_index(op.f("ix_product_holds_released_at"), "product_holds", ["released_at"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_status"), "outbox", ["status"], unique=False)
    op.create_index(op.f("ix_outbox_created_at"), "outbox", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("product_holds")
    op.drop_table("work_order_events")
    op.execute("UPDATE work_orders SET status = 'done' WHERE status IN ('resolved', 'verified')")
    op.execute("UPDATE work_orders SET status = 'open' WHERE status NOT IN ('open', 'done')")
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_index("ix_work_orders_status_due")
        batch.drop_index(batch.f("ix_work_orders_team"))
        batch.drop_column("escalation")
        for name in reversed(STAMPS):
            batch.drop_column(name)
        for name in ("root_cause", "priority", "team", "issue", "product"):
            batch.drop_column(name)
    with op.batch_alter_table("andon_alerts") as batch:
        for name in ("resolution", "raised_by", "source"):
            batch.drop_column(name)
