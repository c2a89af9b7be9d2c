"""insights

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insight_state",
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("pipeline_version", sa.String(length=64), nullable=False),
        sa.Column("insights", sa.Integer(), nullable=False),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_insight_state_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_insight_state")),
    )
    with op.batch_alter_table("insight_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_insight_state_pipeline_version"), ["pipeline_version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("insight_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insight_state_pipeline_version"))
    op.drop_table("insight_state")
