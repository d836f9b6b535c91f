"""outbox payload, fallback and messages without occurrence

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 23:17:32.146997
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import obligations.models.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('fallback_of', sa.Integer(), nullable=True))
        batch_op.alter_column('occurrence_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key('fk_notification_fallback_of', 'notification', ['fallback_of'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notification_fallback_of', type_='foreignkey')
        batch_op.alter_column('occurrence_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('fallback_of')
        batch_op.drop_column('payload')

