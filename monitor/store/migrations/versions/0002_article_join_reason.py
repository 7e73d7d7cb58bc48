"""Articles keep why they joined their story (or started it), for ``monitor story ID``.

Revision ID: 0002
Revises: 0001

A nullable text column: articles stored before this revision say nothing, which the CLI shows as such.
Batch mode so SQLite (no ALTER ... DROP COLUMN before 3.35) can go down again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("join_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("join_reason")
