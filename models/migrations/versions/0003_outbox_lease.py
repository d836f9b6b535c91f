"""outbox lease: a claimed message is ``sending`` until ``lease_until``

The status is a plain string column (``models.outbox.EnumString`` checks its values), so the new
``sending`` value needs no schema change; only the lease's column is added.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import obligations.models.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', obligations.models.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    # A row claimed when the schema goes back would be stuck in a status the old code does not know.
    op.execute("UPDATE notification SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
