"""API tokens remember which client asked for them and when they were last used.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 01:00:00

Both columns are shown on the account page, beside a button that revokes the token.
Tokens issued before this revision have no client ("") and no use recorded (NULL).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Should SQLite rebuild the table, it keeps AUTOINCREMENT (ids never reused, revision 0003).
KEEP_AUTOINCREMENT = {"sqlite_autoincrement": True}


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None, table_kwargs=KEEP_AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('client', sa.String(length=200), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None, table_kwargs=KEEP_AUTOINCREMENT) as batch_op:
        batch_op.drop_column('client')
        batch_op.drop_column('last_used_at')
