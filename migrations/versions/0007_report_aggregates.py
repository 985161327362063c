"""complaint generations and stored report aggregates

A closed period's expensive report parts (grouped counts, duration
percentiles, backlog, escalations, the indicator 27 archive check) are stored
in ``report_aggregates`` with the generation of the complaints they were read
from (see ``complaints/report_cache.py``). Triggers count, in
``complaint_generations`` per UTC month (``YYYYMM``), every change that can
move a report:

* a complaint inserted, deleted, or updated in anything but the sweep's
  bookkeeping (``version``, ``next_action_at``, ``escalation_level``,
  ``updated_at``): the month it was received in (before and after);
* an escalation inserted, updated or deleted: the month it fired in (the
  report counts escalations by when they fired);
* an event (PostgreSQL: any event inserted, updated or deleted; SQLite: one
  that gives a complaint its first history or takes its last, an index
  probe per row there): the complaint's month (the report only asks whether
  a complaint has events).

A stored part is used only while the months up to its period's end have not
changed.

PostgreSQL: statement-level triggers with transition tables (a bulk UPDATE
costs one bump per month, not per row). Each bump takes any row of its month
that no other transaction holds (``FOR UPDATE SKIP LOCKED``) or adds a row,
so writers never wait on each other here and cannot deadlock.
SQLite (one writer at a time): row-level triggers, one upsert per bump on one
row per month. Its complaint UPDATE trigger lists the columns that count
(``UPDATE OF``): a migration adding a column to ``complaints`` must recreate
it (``tests/test_report_cache.py`` checks the list).

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

# Columns the sweep writes for itself; the report reads none of them.
BOOKKEEPING = ("version", "next_action_at", "escalation_level", "updated_at")
TABLES = ("complaints", "complaint_events", "escalations")
OPERATIONS = {
    "inserted": ("INSERT", "NEW TABLE AS aduan_new"),
    "updated": ("UPDATE", "OLD TABLE AS aduan_old NEW TABLE AS aduan_new"),
    "deleted": ("DELETE", "OLD TABLE AS aduan_old"),
}
_BOOKKEEPING_ARRAY = "ARRAY[{}]::text[]".format(", ".join(f"'{c}'" for c in BOOKKEEPING))


def _plpgsql_trigger_function(name: str, inserted: str, updated: str, deleted: str) -> str:
    """A trigger function bumping each month the query for its operation returns."""

    def loop(query: str) -> str:
        return (
            f"FOR changed_month IN {query} ORDER BY 1 LOOP "
            "PERFORM aduan_bump_month(changed_month); END LOOP;"
        )

    return f"""
    CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        changed_month integer;
    BEGIN
        IF TG_OP = 'INSERT' THEN {loop(inserted)}
        ELSIF TG_OP = 'UPDATE' THEN {loop(updated)}
        ELSE {loop(deleted)}
        END IF;
        RETURN NULL;
    END
    $$
    """


def _complaint_month(rows: str, alias: str) -> str:
    return (
        f"SELECT aduan_complaint_month(complaints.created_at) FROM {rows} {alias} "
        f"JOIN complaints ON complaints.id = {alias}.complaint_id"
    )


_CHANGED = (
    f"(to_jsonb(n) - {_BOOKKEEPING_ARRAY}) IS DISTINCT FROM (to_jsonb(o) - {_BOOKKEEPING_ARRAY})"
)

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
    _plpgsql_trigger_function(
        "aduan_complaints_changed",
        inserted="SELECT DISTINCT aduan_complaint_month(created_at) FROM aduan_new",
        updated=(
            "SELECT DISTINCT unnest(ARRAY[aduan_complaint_month(o.created_at),"
            " aduan_complaint_month(n.created_at)]) FROM aduan_old o"
            f" JOIN aduan_new n ON n.id = o.id WHERE {_CHANGED}"
        ),
        deleted="SELECT DISTINCT aduan_complaint_month(created_at) FROM aduan_old",
    ),
    _plpgsql_trigger_function(
        "aduan_complaint_events_changed",
        # Every event counts: asking whether it is its complaint's first would
        # look events up per complaint, and a plan made before the table had
        # statistics can turn that into a scan per row on a bulk INSERT.
        inserted="SELECT DISTINCT month FROM (" + _complaint_month("aduan_new", "n") + ") m(month)",
        # Only an event moved to another complaint changes which have events.
        updated=(
            "SELECT DISTINCT aduan_complaint_month(complaints.created_at)"
            " FROM aduan_new n JOIN aduan_old o ON o.id = n.id"
            " JOIN complaints ON complaints.id IN (n.complaint_id, o.complaint_id)"
            " WHERE n.complaint_id <> o.complaint_id"
        ),
        deleted="SELECT DISTINCT month FROM (" + _complaint_month("aduan_old", "o") + ") m(month)",
    ),
    _plpgsql_trigger_function(
        "aduan_escalations_changed",
        inserted="SELECT DISTINCT aduan_complaint_month(fired_at) FROM aduan_new",
        updated=(
            "SELECT aduan_complaint_month(fired_at) FROM aduan_new"
            " UNION SELECT aduan_complaint_month(fired_at) FROM aduan_old"
        ),
        deleted="SELECT DISTINCT aduan_complaint_month(fired_at) FROM aduan_old",
    ),
    *(
        f"""
        CREATE TRIGGER aduan_{table}_{name} AFTER {operation} ON {table}
        REFERENCING {transition}
        FOR EACH STATEMENT EXECUTE FUNCTION aduan_{table}_changed()
        """
        for table in TABLES
        for name, (operation, transition) in OPERATIONS.items()
    ),
]

POSTGRESQL_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS aduan_{table}_{name} ON {table}"
        for table in TABLES
        for name in OPERATIONS
    ),
    *(f"DROP FUNCTION IF EXISTS aduan_{table}_changed()" for table in TABLES),
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


def _sqlite_trigger(name: str, event: str, table: str, month: str, when: str = "") -> str:
    condition = f" WHEN {when}" if when else ""
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table}{condition} "
        f"BEGIN {_sqlite_bump(month)} END"
    )


def _sqlite(counted_columns: list[str]) -> list[str]:
    """Row triggers; ``counted_columns``: the complaint columns whose update counts."""
    complaint_month = {row: _sqlite_month(f"{row}.created_at") for row in ("OLD", "NEW")}
    event_month = {
        row: _sqlite_month(f"(SELECT created_at FROM complaints WHERE id = {row}.complaint_id)")
        for row in ("OLD", "NEW")
    }
    fired_month = {row: _sqlite_month(f"{row}.fired_at") for row in ("OLD", "NEW")}
    counted = ", ".join(counted_columns)
    return [
        _sqlite_trigger("aduan_complaints_inserted", "INSERT", "complaints", complaint_month["NEW"]),
        _sqlite_trigger(
            "aduan_complaints_updated", f"UPDATE OF {counted}", "complaints", complaint_month["NEW"]
        ),
        _sqlite_trigger(
            "aduan_complaints_moved",
            "UPDATE OF created_at",
            "complaints",
            complaint_month["OLD"],
            f"{complaint_month['OLD']} IS NOT {complaint_month['NEW']}",
        ),
        _sqlite_trigger("aduan_complaints_deleted", "DELETE", "complaints", complaint_month["OLD"]),
        _sqlite_trigger(
            "aduan_complaint_events_inserted",
            "INSERT",
            "complaint_events",
            event_month["NEW"],
            "NOT EXISTS (SELECT 1 FROM complaint_events other"
            " WHERE other.complaint_id = NEW.complaint_id AND other.id <> NEW.id)",
        ),
        _sqlite_trigger(
            "aduan_complaint_events_updated",
            "UPDATE OF complaint_id",
            "complaint_events",
            event_month["NEW"],
            "OLD.complaint_id IS NOT NEW.complaint_id",
        ),
        _sqlite_trigger(
            "aduan_complaint_events_moved",
            "UPDATE OF complaint_id",
            "complaint_events",
            event_month["OLD"],
            "OLD.complaint_id IS NOT NEW.complaint_id",
        ),
        _sqlite_trigger(
            "aduan_complaint_events_deleted",
            "DELETE",
            "complaint_events",
            event_month["OLD"],
            "NOT EXISTS (SELECT 1 FROM complaint_events other"
            " WHERE other.complaint_id = OLD.complaint_id)",
        ),
        _sqlite_trigger("aduan_escalations_inserted", "INSERT", "escalations", fired_month["NEW"]),
        _sqlite_trigger("aduan_escalations_updated", "UPDATE", "escalations", fired_month["NEW"]),
        _sqlite_trigger(
            "aduan_escalations_moved",
            "UPDATE OF fired_at",
            "escalations",
            fired_month["OLD"],
            f"{fired_month['OLD']} IS NOT {fired_month['NEW']}",
        ),
        _sqlite_trigger("aduan_escalations_deleted", "DELETE", "escalations", fired_month["OLD"]),
    ]


SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS aduan_{table}_{name}"
    for table in TABLES
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
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        statements = POSTGRESQL
    else:
        columns = [column['name'] for column in sa.inspect(bind).get_columns('complaints')]
        statements = _sqlite([name for name in columns if name not in BOOKKEEPING])
    for statement in statements:
        op.execute(statement)


def downgrade():
    statements = POSTGRESQL_DOWN if op.get_bind().dialect.name == 'postgresql' else SQLITE_DOWN
    for statement in statements:
        op.execute(statement)
    op.drop_table('report_aggregates')
    op.drop_table('complaint_generations')
