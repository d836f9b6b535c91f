"""chain of command: contact titles, blockers resolved, extension requests, lateness kept

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import obligations.models.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=True))
    with op.batch_alter_table('occurrence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missed_deadline', obligations.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('blocker', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
    op.create_table(
        'extension_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurrence_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', obligations.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('requested_by', sa.String(length=200), nullable=True),
        sa.Column('until', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('decided_at', obligations.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.Column('extension_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['extension_id'], ['extension.id']),
        sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_request_occurrence_id'), ['occurrence_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extension_request_occurrence_id'))
    op.drop_table('extension_request')
    with op.batch_alter_table('blocker', schema=None) as batch_op:
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolved_by')
    with op.batch_alter_table('occurrence', schema=None) as batch_op:
        batch_op.drop_column('missed_deadline')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('title')
