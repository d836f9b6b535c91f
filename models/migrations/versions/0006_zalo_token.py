"""Zalo token pairs in the database, one row per app, shared by workers on every machine

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import obligations.models.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'zalo_token',
        sa.Column('app_id', sa.String(length=64), nullable=False),
        sa.Column('access_token', sa.Text(), nullable=False),
        sa.Column('refresh_token', sa.Text(), nullable=False),
        sa.Column('expires_at', obligations.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', obligations.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('app_id'),
    )


def downgrade() -> None:
    op.drop_table('zalo_token')
