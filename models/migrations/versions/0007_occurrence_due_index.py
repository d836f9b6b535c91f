"""The sweep's due rows in (next_action_at, id) order from one index

Revision ID: 0007
Revises: 0006
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


# Plain index operations: SQLite creates and drops indexes in place, no table copy is needed.
def upgrade() -> None:
    op.create_index('ix_occurrence_due', 'occurrence', ['next_action_at', 'id'], unique=False)
    op.drop_index('ix_occurrence_next_action_at', table_name='occurrence')


def downgrade() -> None:
    op.create_index('ix_occurrence_next_action_at', 'occurrence', ['next_action_at'], unique=False)
    op.drop_index('ix_occurrence_due', table_name='occurrence')
