"""andon alerts, work orders and topics

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "andon_alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("product", sa.String(length=128), nullable=False),
        sa.Column("issue", sa.String(length=64), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("conversation_ids", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notify_status", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_andon_alerts")),
    )
    with op.batch_alter_table("andon_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_andon_alerts_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_andon_alerts_product"), ["product"], unique=False)
        batch_op.create_index(batch_op.f("ix_andon_alerts_status"), ["status"], unique=False)

    op.create_table(
        "topics",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("centroid", sa.JSON(), nullable=False),
        sa.Column("embedder", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
    )
    op.create_table(
        "work_orders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["andon_alerts.id"], name=op.f("fk_work_orders_alert_id_andon_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("alert_id", "kind", name=op.f("uq_work_orders_alert_id")),
    )
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_orders_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_assignee"), ["assignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_status"), ["status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_orders_status"))
        batch_op.drop_index(batch_op.f("ix_work_orders_assignee"))
        batch_op.drop_index(batch_op.f("ix_work_orders_alert_id"))

    op.drop_table("work_orders")
    op.drop_table("topics")
    with op.batch_alter_table("andon_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_andon_alerts_status"))
        batch_op.drop_index(batch_op.f("ix_andon_alerts_product"))
        batch_op.drop_index(batch_op.f("ix_andon_alerts_opened_at"))

    op.drop_table("andon_alerts")
