"""work orders without an Andon alert: a QA fatal item opens one on its conversation

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.alter_column("alert_id", existing_type=sa.String(length=36), nullable=True)
        batch.add_column(sa.Column("conversation_id", sa.String(length=128), nullable=True))
        batch.create_index(batch.f("ix_work_orders_conversation_id"), ["conversation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_index(batch.f("ix_work_orders_conversation_id"))
        batch.drop_column("conversation_id")
        batch.alter_column("alert_id", existing_type=sa.String(length=36), nullable=False)
