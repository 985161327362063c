"""channels that reach Indonesians: e-mail, the SMS gateway, WhatsApp Cloud API

- ``complaints.channel`` may be ``email``.
- ``complaints.transport`` / ``outbound_messages.transport`` /
  ``conversations.transport``: which provider a citizen wrote through and an
  answer goes out by ("twilio", "smsgate", "cloud"); NULL for a channel's only one.
- ``conversations.last_inbound_at``: WhatsApp's 24-hour window counts from it.
- ``users.notice_channels``: where a staff member gets their own notices.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

from complaints.types import UTCDateTime

# The channels as of this revision (complaints.models.Channel), written out.
OLD_CHANNELS = ("web", "telegram", "sms", "whatsapp", "api", "open311", "counter", "lapor")
NEW_CHANNELS = (*OLD_CHANNELS, "email")


def _channels(values):
    return "channel IN (" + ", ".join(f"'{value}'" for value in values) + ")"


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transport", sa.String(length=16), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_complaints_channel"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_complaints_channel"), _channels(NEW_CHANNELS)
        )

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_inbound_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("transport", sa.String(length=16), nullable=True))

    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transport", sa.String(length=16), nullable=True))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_channels", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("notice_channels")

    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_column("transport")

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("transport")
        batch_op.drop_column("last_inbound_at")

    emailed = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM complaints WHERE channel = 'email'")
    )
    if emailed:
        raise RuntimeError(
            f"{emailed} complaints came by e-mail: the older schema has no such channel"
        )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_complaints_channel"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_complaints_channel"), _channels(OLD_CHANNELS)
        )
        batch_op.drop_column("transport")
