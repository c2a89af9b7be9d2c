"""knowledge

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chunks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tokens", sa.Text(), nullable=True))
    with op.batch_alter_table("assist_logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mode", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "knowledge_gaps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("assist_log_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("product", sa.String(length=128), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("embedder", sa.String(length=64), nullable=True),
        sa.Column("vector", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assist_log_id"],
            ["assist_logs.id"],
            name=op.f("fk_knowledge_gaps_assist_log_id_assist_logs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_gaps")),
    )
    with op.batch_alter_table("knowledge_gaps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_gaps_assist_log_id"), ["assist_log_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_gaps_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("knowledge_gaps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_gaps_created_at"))
        batch_op.drop_index(batch_op.f("ix_knowledge_gaps_assist_log_id"))
    op.drop_table("knowledge_gaps")
    with op.batch_alter_table("assist_logs", schema=None) as batch_op:
        batch_op.drop_column("feedback_at")
        batch_op.drop_column("language")
        batch_op.drop_column("mode")
    with op.batch_alter_table("chunks", schema=None) as batch_op:
        batch_op.drop_column("tokens")
