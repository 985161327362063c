"""complaint generations and stored report aggregates

A closed period's expensive report parts (grouped counts, duration
percentiles, backlog, escalations, the indicator 27 archive check) are stored
in ``report_aggregates`` with the generation of the complaints they were read
from. Triggers count every change to a complaint, to its events and to its
escalations in ``complaint_generations``, under the UTC month the complaint
was received in; a stored part is used only while the months up to its period's
end have not changed (see ``complaints/report_cache.py``).

PostgreSQL: statement-level triggers with transition tables (a bulk UPDATE
costs one bump per month, not per row). Each bump takes any row of its month
that no other transaction holds (``FOR UPDATE SKIP LOCKED``) or adds a row,
so writers never wait on each other here and cannot deadlock.
SQLite (one writer at a time): row-level triggers on one row per month,
one upsert per row written.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 14:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

from complaints.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Tables whose rows belong to a complaint and feed the report: a change to one
# counts for its complaint's month.
CHILD_TABLES = ("complaint_events", "escalations")
OPERATIONS = {
    "inserted": ("INSERT", "NEW TABLE AS aduan_new"),
    "updated": ("UPDATE", "OLD TABLE AS aduan_old NEW TABLE AS aduan_new"),
    "deleted": ("DELETE", "OLD TABLE AS aduan_old"),
}

POSTGRESQL = [
    """
    CREATE FUNCTION aduan_complaint_month(moment timestamptz) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$
        SELECT (to_char(moment AT TIME ZONE 'UTC', 'YYYYMM'))::integer
    $$
    """,
    """
    CREATE FUNCTION aduan_bump_month(changed_month integer) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE complaint_generations SET generation = generation + 1
         WHERE (month, shard) = (
               SELECT month, shard FROM complaint_generations
                WHERE month = changed_month
                LIMIT 1 FOR UPDATE SKIP LOCKED);
        IF NOT FOUND THEN
            INSERT INTO complaint_generations (month, shard, generation)
            VALUES (changed_month, txid_current(), 1);
        END IF;
    END
    $$
    """,
    # Complaints: the month of their own created_at, before and after.
    """
    CREATE FUNCTION aduan_complaints_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        changed_month integer;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            FOR changed_month IN
                SELECT DISTINCT aduan_complaint_month(created_at) FROM aduan_new ORDER BY 1
            LOOP
                PERFORM aduan_bump_month(changed_month);
            END LOOP;
        ELSIF TG_OP = 'UPDATE' THEN
            FOR changed_month IN
                SELECT aduan_complaint_month(created_at) FROM aduan_new
                UNION SELECT aduan_complaint_month(created_at) FROM aduan_old ORDER BY 1
            LOOP
                PERFORM aduan_bump_month(changed_month);
            END LOOP;
        ELSE
            FOR changed_month IN
                SELECT DISTINCT aduan_complaint_month(created_at) FROM aduan_old ORDER BY 1
            LOOP
                PERFORM aduan_bump_month(changed_month);
            END LOOP;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    # Events and escalations: the month of the complaint they belong to.
    """
    CREATE FUNCTION aduan_complaint_rows_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        changed_month integer;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            FOR changed_month IN
                SELECT DISTINCT aduan_complaint_month(complaints.created_at)
                  FROM aduan_new JOIN complaints ON complaints.id = aduan_new.complaint_id
                 ORDER BY 1
            LOOP
                PERFORM aduan_bump_month(changed_month);
            END LOOP;
        ELSIF TG_OP = 'UPDATE' THEN
            FOR changed_month IN
                SELECT aduan_complaint_month(complaints.created_at)
                  FROM aduan_new JOIN complaints ON complaints.id = aduan_new.complaint_id
                UNION
                SELECT aduan_complaint_month(complaints.created_at)
                  FROM aduan_old JOIN complaints ON complaints.id = aduan_old.complaint_id
                 ORDER BY 1
            LOOP
                PERFORM aduan_bump_month(changed_month);
            END LOOP;
        ELSE
            FOR changed_month IN
                SELECT DISTINCT aduan_complaint_month(complaints.created_at)
                  FROM aduan_old JOIN complaints ON complaints.id = aduan_old.complaint_id
                 ORDER BY 1
            LOOP
                PERFORM aduan_bump_month(changed_month);
            END LOOP;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"""
        CREATE TRIGGER aduan_{table}_{name} AFTER {operation} ON {table}
        REFERENCING {transition}
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()
        """
        for table, function in (
            ("complaints", "aduan_complaints_changed"),
            *((child, "aduan_complaint_rows_changed") for child in CHILD_TABLES),
        )
        for name, (operation, transition) in OPERATIONS.items()
    ),
]

POSTGRESQL_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS aduan_{table}_{name} ON {table}"
        for table in ("complaints", *CHILD_TABLES)
        for name in OPERATIONS
    ),
    "DROP FUNCTION IF EXISTS aduan_complaint_rows_changed()",
    "DROP FUNCTION IF EXISTS aduan_complaints_changed()",
    "DROP FUNCTION IF EXISTS aduan_bump_month(integer)",
    "DROP FUNCTION IF EXISTS aduan_complaint_month(timestamptz)",
]


def _sqlite_month(instant: str) -> str:
    # Instants are stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC.
    return f"CAST(substr({instant}, 1, 4) || substr({instant}, 6, 2) AS INTEGER)"


def _sqlite_bump(month: str) -> str:
    return (
        f"INSERT INTO complaint_generations (month, shard, generation) VALUES ({month}, 0, 1) "
        f"ON CONFLICT (month, shard) DO UPDATE SET generation = generation + 1;"
    )


def _sqlite_month_of(table: str, row: str) -> str:
    if table == "complaints":
        return _sqlite_month(f"{row}.created_at")
    return _sqlite_month(f"(SELECT created_at FROM complaints WHERE id = {row}.complaint_id)")


def _sqlite_triggers(table: str) -> list[str]:
    """Row triggers bumping the month of each row written, once per row.

    An UPDATE bumps the new row's month; only one that moves the row to
    another month (``created_at``, or the complaint of an event) bumps the old
    one too.
    """
    moved_by = "created_at" if table == "complaints" else "complaint_id"
    old, new = _sqlite_month_of(table, "OLD"), _sqlite_month_of(table, "NEW")
    return [
        f"CREATE TRIGGER aduan_{table}_inserted AFTER INSERT ON {table} "
        f"BEGIN {_sqlite_bump(new)} END",
        f"CREATE TRIGGER aduan_{table}_updated AFTER UPDATE ON {table} "
        f"BEGIN {_sqlite_bump(new)} END",
        f"CREATE TRIGGER aduan_{table}_moved AFTER UPDATE OF {moved_by} ON {table} "
        f"WHEN {old} IS NOT {new} BEGIN {_sqlite_bump(old)} END",
        f"CREATE TRIGGER aduan_{table}_deleted AFTER DELETE ON {table} "
        f"BEGIN {_sqlite_bump(old)} END",
    ]


SQLITE = [trigger for table in ("complaints", *CHILD_TABLES) for trigger in _sqlite_triggers(table)]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS aduan_{table}_{name}"
    for table in ("complaints", *CHILD_TABLES)
    for name in ("inserted", "updated", "moved", "deleted")
]


def upgrade():
    op.create_table(
        'complaint_generations',
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('shard', sa.BigInteger(), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'shard', name=op.f('pk_complaint_generations')),
    )
    op.create_table(
        'report_aggregates',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.Column('computed_at', UTCDateTime(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_report_aggregates')),
    )
    statements = POSTGRESQL if op.get_bind().dialect.name == 'postgresql' else SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade():
    statements = POSTGRESQL_DOWN if op.get_bind().dialect.name == 'postgresql' else SQLITE_DOWN
    for statement in statements:
        op.execute(statement)
    op.drop_table('report_aggregates')
    op.drop_table('complaint_generations')
