//! Both engines' migrations build the same schema: the same tables, the same columns in the same
//! order with the same nullability and with types that map to the diesel schema's
//! (`src/storage/schema.rs`), the same primary keys and unique constraints, the same indexes
//! (columns, order, partial-index predicates) and triggers that guard the same things. The
//! canonical column types come from the schema module itself (each column's diesel SQL type);
//! only its table names are listed here.
//!
//! Differences between the migrations (`migrations/{sqlite,postgres}/*/up.sql`) that this test
//! knows of and tolerates, because they do not change what the application can store or read:
//! - Dates and timestamps are `TEXT` on SQLite (ISO text, which sorts as the dates do) and
//!   `DATE` / `TIMESTAMP` on PostgreSQL; the mapping is `sqlite_kinds` / `postgres_kind` below.
//! - Generated keys are `INTEGER PRIMARY KEY AUTOINCREMENT` on SQLite (a rowid alias, 64 bits)
//!   and `BIGSERIAL PRIMARY KEY` on PostgreSQL. SQLite declares them without `NOT NULL`, so
//!   `PRAGMA table_info` reports them nullable, but a rowid alias can never hold NULL (inserting
//!   NULL assigns the next rowid): they are compared as NOT NULL. Their defaults (PostgreSQL's
//!   `nextval`, SQLite's `sqlite_sequence`) are not compared.
//! - `permits`, `reviews` and `person_numbers` are `WITHOUT ROWID` on SQLite: storage only, not compared.
//! - Triggers: SQLite raises in the trigger body (`RAISE(ABORT, ...)`), PostgreSQL in a trigger
//!   function; SQLite guards `audit_events` with two triggers (`audit_events_no_update`,
//!   `audit_events_no_delete`) where PostgreSQL has one (`audit_events_no_change`);
//!   SQLite's `imports_record_fixed` fires `BEFORE UPDATE OF id, kind, file, received_at`,
//!   PostgreSQL's on any `UPDATE`, both with a WHEN on those same four columns (`IS NOT` on
//!   SQLite, `IS DISTINCT FROM` on PostgreSQL: both NULL-safe). So triggers are compared by
//!   what they guard (table, message, timing, events, the columns whose change they refuse),
//!   not by name or text.

use std::collections::{BTreeMap, BTreeSet};

use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text, Timestamp};
use diesel::{QueryableByName, RunQueryDsl};
use permit_followup::storage::AnyConnection;

use crate::helpers::{Engine, Env};

#[test]
#[cfg_attr(not(pg_tests), ignore = "no PostgreSQL: set PERMIT_FOLLOWUP_TEST_PG=postgres://... to run")]
fn both_engines_migrations_build_the_same_schema() {
    crate::helpers::require_pg_server();
    let sqlite_env = Env::new(Engine::Sqlite, "").unwrap();
    let postgres_env = Env::new(Engine::Postgres, "").unwrap();
    let mut sqlite_conn = sqlite_env.connect();
    let mut postgres_conn = postgres_env.connect();
    permit_followup::storage::migrate(&mut sqlite_conn).unwrap();
    permit_followup::storage::migrate(&mut postgres_conn).unwrap();
    let sqlite = sqlite_schema(&mut sqlite_conn);
    let postgres = postgres_schema(&mut postgres_conn);
    let declared = schema_rs();

    let mut problems = Vec::new();
    compare_tables(&declared, &sqlite, &postgres, &mut problems);
    compare_named("index", &sqlite.indexes, &postgres.indexes, &mut problems);
    compare_named("trigger guard", &sqlite.guards, &postgres.guards, &mut problems);

    // What the engines must both have, so that two empty introspections cannot agree.
    for (name, schema) in [("SQLite", &sqlite), ("PostgreSQL", &postgres)] {
        let due = schema.indexes.get("reviews_due");
        if due.and_then(|i| i.predicate.as_deref()) != Some("due_on is not null") {
            problems.push(format!("{name}: no partial index reviews_due WHERE due_on IS NOT NULL: {due:?}"));
        }
        let task_key = ["permit_id", "cause", "occasion"].map(String::from).to_vec();
        if !schema.tables.get("tasks").is_some_and(|t| t.unique.contains(&task_key)) {
            problems.push(format!("{name}: no UNIQUE (permit_id, cause, occasion) on tasks"));
        }
        for (key, guard) in expected_guards() {
            match schema.guards.get(&key) {
                Some(found) if found.timing == guard.timing && found.events == guard.events => {}
                found => {
                    problems.push(format!("{name}: trigger guard {key:?} should be {guard:?}, is {found:?}"))
                }
            }
        }
    }
    assert!(problems.is_empty(), "the engines' migrated schemas differ:\n- {}", problems.join("\n- "));
}

/// The guards that keep the audit trail append-only and an import's traces fixed.
fn expected_guards() -> BTreeMap<(String, String), Guard> {
    let guard = |table: &str, message: &str, events: &[(&str, Refuses)]| {
        let events = events.iter().map(|(e, r)| (e.to_string(), r.clone())).collect();
        (
            (table.to_string(), message.to_string()),
            Guard { timing: ["BEFORE ROW".into()].into(), events, triggers: vec![] },
        )
    };
    let changes_of = |cols: &[&str]| Refuses::ChangesOf(cols.iter().map(|c| c.to_string()).collect());
    BTreeMap::from([
        guard(
            "audit_events",
            "audit_events is append-only",
            &[("UPDATE", Refuses::EveryRow), ("DELETE", Refuses::EveryRow)],
        ),
        guard("permits", "permits.imported_by never changes", &[("UPDATE", changes_of(&["imported_by"]))]),
        guard(
            "imports",
            "an import's record never changes",
            &[("UPDATE", changes_of(&["id", "kind", "file", "received_at"])), ("DELETE", Refuses::EveryRow)],
        ),
    ])
}

// ---- the diesel schema: the canonical types -------------------------------------------------

/// A column's type as `src/storage/schema.rs` declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Date,
    Timestamp,
    BigInt,
    Integer,
}

trait Canonical {
    const KIND: Kind;
    const NULLABLE: bool = false;
}
impl Canonical for Text {
    const KIND: Kind = Kind::Text;
}
impl Canonical for Date {
    const KIND: Kind = Kind::Date;
}
impl Canonical for Timestamp {
    const KIND: Kind = Kind::Timestamp;
}
impl Canonical for BigInt {
    const KIND: Kind = Kind::BigInt;
}
impl Canonical for Integer {
    const KIND: Kind = Kind::Integer;
}
impl<T: Canonical> Canonical for Nullable<T> {
    const KIND: Kind = T::KIND;
    const NULLABLE: bool = true;
}

#[derive(Debug)]
struct DeclaredColumn {
    name: &'static str,
    kind: Kind,
    nullable: bool,
}

#[derive(Debug)]
struct DeclaredTable {
    columns: Vec<DeclaredColumn>,
    primary_key: Vec<String>,
}

fn column<C>() -> DeclaredColumn
where
    C: diesel::Column + diesel::Expression,
    C::SqlType: Canonical,
{
    DeclaredColumn {
        name: C::NAME,
        kind: <C::SqlType as Canonical>::KIND,
        nullable: <C::SqlType as Canonical>::NULLABLE,
    }
}

/// A table's `all_columns` tuple, in order.
trait DeclaredColumns {
    fn list() -> Vec<DeclaredColumn>;
}

macro_rules! declared_columns {
    () => {};
    ($first:ident $(, $rest:ident)*) => {
        impl<$first, $($rest),*> DeclaredColumns for ($first, $($rest,)*)
        where
            $first: diesel::Column + diesel::Expression,
            <$first as diesel::Expression>::SqlType: Canonical,
            $($rest: diesel::Column + diesel::Expression, <$rest as diesel::Expression>::SqlType: Canonical,)*
        {
            fn list() -> Vec<DeclaredColumn> {
                vec![column::<$first>() $(, column::<$rest>())*]
            }
        }
        declared_columns!($($rest),*);
    };
}
declared_columns!(
    C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13, C14, C15, C16, C17, C18, C19, C20, C21, C22, C23,
    C24, C25, C26, C27, C28
);

fn declared<T>() -> DeclaredTable
where
    T: diesel::Table,
    T::AllColumns: DeclaredColumns,
    T::PrimaryKey: diesel::Column,
{
    declared_with_key::<T>(&[<T::PrimaryKey as diesel::Column>::NAME])
}

/// A table whose primary key has several columns, named here in order.
fn declared_with_key<T>(key: &[&str]) -> DeclaredTable
where
    T: diesel::Table,
    T::AllColumns: DeclaredColumns,
{
    DeclaredTable {
        columns: <T::AllColumns as DeclaredColumns>::list(),
        primary_key: key.iter().map(|k| k.to_string()).collect(),
    }
}

/// Every table of `src/storage/schema.rs`, columns and types read from the module itself (the
/// table names are listed here: a table the migrations create but this list lacks shows up as
/// a difference, so a new table cannot be forgotten). The module names its tables as in SQL.
fn schema_rs() -> BTreeMap<String, DeclaredTable> {
    use permit_followup::storage::schema as s;
    macro_rules! tables {
        ($($t:ident),+ $(,)?) => {
            BTreeMap::from([$((stringify!($t).to_string(), declared::<s::$t::table>())),+])
        };
    }
    let mut tables = tables!(
        permits,
        reviews,
        ground_schedules,
        person_numbers,
        tasks,
        imports,
        rejects,
        audit_events,
        signals,
        digests,
        web_sessions,
        web_sign_ins,
        web_people,
        api_tokens,
        coverage,
        expectation_marks
    );
    tables.insert("week_tasks".into(), declared_with_key::<s::week_tasks::table>(&["unit", "week"]));
    tables.insert("navet_persons".into(), declared::<s::navet_persons::table>());
    tables.insert("navet_tallies".into(), declared::<s::navet_tallies::table>());
    tables.insert(
        "navet_files".into(),
        declared_with_key::<s::navet_files::table>(&["order_id", "job_id", "part"]),
    );
    tables
}

/// The kinds a declared SQLite type can hold: dates are ISO text, timestamps UTC text, and an
/// integer is 64 bits whatever its declared name.
fn sqlite_kinds(declared: &str) -> &'static [Kind] {
    match declared.to_ascii_uppercase().as_str() {
        "TEXT" => &[Kind::Text, Kind::Date, Kind::Timestamp],
        "INTEGER" => &[Kind::BigInt, Kind::Integer],
        "BIGINT" => &[Kind::BigInt],
        _ => &[],
    }
}

/// The kind of a PostgreSQL `information_schema.columns.data_type`.
fn postgres_kind(data_type: &str) -> Option<Kind> {
    Some(match data_type {
        "text" => Kind::Text,
        "date" => Kind::Date,
        "timestamp without time zone" => Kind::Timestamp,
        "bigint" => Kind::BigInt,
        "integer" => Kind::Integer,
        _ => return None,
    })
}

// ---- what an engine's catalog says ------------------------------------------------------------

#[derive(Debug, Default)]
struct Schema {
    tables: BTreeMap<String, Table>,
    /// Indexes other than those of primary keys and unique constraints, by name.
    indexes: BTreeMap<String, Index>,
    /// Triggers by what they guard: (table, the error they raise).
    guards: BTreeMap<(String, String), Guard>,
}

#[derive(Debug, Default)]
struct Table {
    columns: Vec<DbColumn>,
    primary_key: Vec<String>,
    unique: BTreeSet<Vec<String>>,
}

#[derive(Debug)]
struct DbColumn {
    name: String,
    declared: String,
    nullable: bool,
}

#[derive(Debug, PartialEq, Eq)]
struct Index {
    table: String,
    columns: Vec<String>,
    unique: bool,
    /// Normalised (see `normalise`).
    predicate: Option<String>,
}

#[derive(Debug, Clone)]
struct Guard {
    /// "BEFORE ROW", ...
    timing: BTreeSet<String>,
    /// (event, what it refuses), merged over the guard's triggers.
    events: BTreeSet<(String, Refuses)>,
    /// The triggers' names, for the messages only.
    triggers: Vec<String>,
}

impl PartialEq for Guard {
    fn eq(&self, other: &Self) -> bool {
        self.timing == other.timing && self.events == other.events
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Refuses {
    /// Every row the event touches.
    EveryRow,
    /// An UPDATE that changes one of these columns (a WHEN of `NEW.c IS NOT OLD.c OR ...`,
    /// within the trigger's `UPDATE OF` list if it has one).
    ChangesOf(BTreeSet<String>),
    /// An UPDATE naming one of these columns (`UPDATE OF` without WHEN).
    UpdatesOf(BTreeSet<String>),
    /// Any other condition, normalised.
    When(String),
}

#[derive(QueryableByName)]
struct SqliteColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = BigInt)]
    not_null: i64,
    #[diesel(sql_type = BigInt)]
    pk: i64,
    #[diesel(sql_type = BigInt)]
    without_rowid: i64,
}

#[derive(QueryableByName)]
struct SqliteIndexRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = BigInt)]
    is_unique: i64,
    #[diesel(sql_type = Text)]
    origin: String,
    #[diesel(sql_type = BigInt)]
    partial: i64,
    #[diesel(sql_type = Nullable<Text>)]
    column_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    sql: Option<String>,
}

#[derive(QueryableByName)]
struct PostgresColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PostgresKeyRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    constraint_name: String,
    #[diesel(sql_type = Text)]
    constraint_type: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct PostgresIndexRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = BigInt)]
    is_unique: i64,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    predicate: Option<String>,
}

#[derive(QueryableByName)]
struct TriggerRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    /// The CREATE TRIGGER statement.
    #[diesel(sql_type = Text)]
    sql: String,
    /// Where the error is raised: the statement itself on SQLite, the function's body on
    /// PostgreSQL.
    #[diesel(sql_type = Text)]
    body: String,
}

fn load<T>(conn: &mut AnyConnection, sql: &str) -> Vec<T>
where
    diesel::query_builder::SqlQuery: for<'a> diesel::query_dsl::LoadQuery<'a, AnyConnection, T>,
{
    diesel::sql_query(sql).load::<T>(conn).unwrap_or_else(|e| panic!("{e}: {sql}"))
}

/// diesel's own table, and SQLite's internal ones (`sqlite_sequence`, `sqlite_stat1`...).
const SQLITE_TABLES: &str = r"m.type = 'table' AND m.name <> '__diesel_schema_migrations'
    AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'";

fn sqlite_schema(conn: &mut AnyConnection) -> Schema {
    let mut schema = Schema::default();
    let columns: Vec<SqliteColumnRow> = load(
        conn,
        &format!(
            "SELECT m.name AS table_name, c.name AS column_name, c.type AS declared, c.\"notnull\" AS not_null,
                    c.pk AS pk, l.wr AS without_rowid
             FROM sqlite_master AS m, pragma_table_list(m.name) AS l, pragma_table_info(m.name) AS c
             WHERE {SQLITE_TABLES} AND l.schema = 'main'
             ORDER BY m.name, c.cid"
        ),
    );
    for row in &columns {
        let pk_columns = columns.iter().filter(|c| c.table_name == row.table_name && c.pk > 0).count();
        // A rowid alias (the sole INTEGER PRIMARY KEY of a rowid table) is never NULL, whatever
        // `notnull` says (the migrations declare them without NOT NULL).
        let rowid_alias = row.pk == 1
            && pk_columns == 1
            && row.declared.eq_ignore_ascii_case("INTEGER")
            && row.without_rowid == 0;
        let table = schema.tables.entry(row.table_name.clone()).or_default();
        table.columns.push(DbColumn {
            name: row.column_name.clone(),
            declared: row.declared.clone(),
            nullable: row.not_null == 0 && !rowid_alias,
        });
    }
    let mut pks: Vec<&SqliteColumnRow> = columns.iter().filter(|c| c.pk > 0).collect();
    pks.sort_by_key(|c| (c.table_name.clone(), c.pk));
    for c in pks {
        schema.tables.get_mut(&c.table_name).unwrap().primary_key.push(c.column_name.clone());
    }

    let index_rows: Vec<SqliteIndexRow> = load(
        conn,
        &format!(
            "SELECT m.name AS table_name, il.name AS index_name, il.\"unique\" AS is_unique, il.origin AS origin,
                    il.partial AS partial, ii.name AS column_name, s.sql AS sql
             FROM sqlite_master AS m, pragma_index_list(m.name) AS il, pragma_index_info(il.name) AS ii
             LEFT JOIN sqlite_master AS s ON s.type = 'index' AND s.name = il.name
             WHERE {SQLITE_TABLES}
             ORDER BY m.name, il.name, ii.seqno"
        ),
    );
    let mut uniques: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for row in index_rows {
        let column = row.column_name.clone().unwrap_or_else(|| "<expression>".into());
        match row.origin.as_str() {
            // The primary key's own index: the key is read from table_info above.
            "pk" => {}
            "u" => uniques.entry((row.table_name, row.index_name)).or_default().push(column),
            _ => {
                let predicate = (row.partial != 0).then(|| {
                    let sql = row.sql.as_deref().unwrap_or_default();
                    let words = normalise(sql);
                    let at =
                        words.rfind(" where ").unwrap_or_else(|| panic!("no WHERE in partial index {sql}"));
                    words[at + " where ".len()..].to_string()
                });
                schema
                    .indexes
                    .entry(row.index_name)
                    .or_insert_with(|| Index {
                        table: row.table_name,
                        columns: vec![],
                        unique: row.is_unique != 0,
                        predicate,
                    })
                    .columns
                    .push(column);
            }
        }
    }
    for ((table, _), columns) in uniques {
        schema.tables.get_mut(&table).unwrap().unique.insert(columns);
    }

    let triggers: Vec<TriggerRow> = load(
        conn,
        "SELECT name, tbl_name AS table_name, sql, sql AS body FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
    );
    schema.guards = guards(triggers);
    schema
}

fn postgres_schema(conn: &mut AnyConnection) -> Schema {
    let mut schema = Schema::default();
    let columns: Vec<PostgresColumnRow> = load(
        conn,
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name,
                c.data_type::text AS declared, c.is_nullable::text AS is_nullable
         FROM information_schema.columns AS c
         JOIN information_schema.tables AS t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
         WHERE c.table_schema = current_schema() AND c.table_name <> '__diesel_schema_migrations'
         ORDER BY c.table_name, c.ordinal_position",
    );
    for row in columns {
        schema.tables.entry(row.table_name).or_default().columns.push(DbColumn {
            name: row.column_name,
            declared: row.declared,
            nullable: row.is_nullable == "YES",
        });
    }

    let keys: Vec<PostgresKeyRow> = load(
        conn,
        "SELECT t.table_name::text AS table_name, t.constraint_name::text AS constraint_name,
                t.constraint_type::text AS constraint_type, k.column_name::text AS column_name
         FROM information_schema.table_constraints AS t
         JOIN information_schema.key_column_usage AS k
           ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name
          AND k.table_name = t.table_name
         WHERE t.table_schema = current_schema() AND t.table_name <> '__diesel_schema_migrations'
           AND t.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
         ORDER BY t.table_name, t.constraint_name, k.ordinal_position",
    );
    let mut uniques: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for row in keys {
        if row.constraint_type == "PRIMARY KEY" {
            schema.tables.entry(row.table_name).or_default().primary_key.push(row.column_name);
        } else {
            uniques.entry((row.table_name, row.constraint_name)).or_default().push(row.column_name);
        }
    }
    for ((table, _), columns) in uniques {
        schema.tables.entry(table).or_default().unique.insert(columns);
    }

    // Indexes that back no primary key or unique constraint (those are compared above).
    let indexes: Vec<PostgresIndexRow> = load(
        conn,
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name,
                CASE WHEN x.indisunique THEN 1 ELSE 0 END::bigint AS is_unique,
                pg_get_indexdef(x.indexrelid, k.n, true) AS column_name,
                pg_get_expr(x.indpred, x.indrelid, true) AS predicate
         FROM pg_index AS x
         JOIN pg_class AS i ON i.oid = x.indexrelid
         JOIN pg_class AS t ON t.oid = x.indrelid
         JOIN pg_namespace AS s ON s.oid = t.relnamespace
         CROSS JOIN LATERAL generate_series(1, x.indnkeyatts::int) AS k(n)
         WHERE s.nspname = current_schema() AND t.relname <> '__diesel_schema_migrations'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c
                           WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u'))
         ORDER BY t.relname, i.relname, k.n",
    );
    for row in indexes {
        schema
            .indexes
            .entry(row.index_name)
            .or_insert_with(|| Index {
                table: row.table_name,
                columns: vec![],
                unique: row.is_unique != 0,
                predicate: row.predicate.as_deref().map(normalise),
            })
            .columns
            .push(row.column_name.trim_matches('"').to_string());
    }

    let triggers: Vec<TriggerRow> = load(
        conn,
        "SELECT g.tgname::text AS name, c.relname::text AS table_name, pg_get_triggerdef(g.oid, true) AS sql,
                f.prosrc AS body
         FROM pg_trigger AS g
         JOIN pg_class AS c ON c.oid = g.tgrelid
         JOIN pg_namespace AS s ON s.oid = c.relnamespace
         JOIN pg_proc AS f ON f.oid = g.tgfoid
         WHERE NOT g.tgisinternal AND s.nspname = current_schema()
         ORDER BY g.tgname",
    );
    schema.guards = guards(triggers);
    schema
}

/// Lower case, without parentheses or double quotes, one space between words: SQL text as both
/// engines print it, compared loosely.
fn normalise(sql: &str) -> String {
    // PostgreSQL writes a text literal back with its cast (`'open'::text`); SQLite as given.
    let sql = sql.replace("::text", "");
    sql.replace(['(', ')', '"'], " ").to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Triggers grouped by what they guard.
fn guards(triggers: Vec<TriggerRow>) -> BTreeMap<(String, String), Guard> {
    let mut guards: BTreeMap<(String, String), Guard> = BTreeMap::new();
    for t in triggers {
        let (timing, events) = parse_trigger(&t.sql);
        let message = raised(&t.body).unwrap_or_else(|| format!("(raises nothing: trigger {})", t.name));
        let guard = guards.entry((t.table_name, message)).or_insert_with(|| Guard {
            timing: BTreeSet::new(),
            events: BTreeSet::new(),
            triggers: vec![],
        });
        guard.timing.insert(timing);
        guard.events.extend(events);
        guard.triggers.push(t.name);
    }
    guards
}

/// "BEFORE ROW" and each event with what it refuses, from a CREATE TRIGGER statement (SQLite's
/// own text, PostgreSQL's `pg_get_triggerdef`).
fn parse_trigger(sql: &str) -> (String, Vec<(String, Refuses)>) {
    let words = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let upper = words.to_ascii_uppercase();
    // CREATE TRIGGER name TIMING events ON table [FOR EACH ROW|STATEMENT] [WHEN cond] BEGIN|EXECUTE
    let after_name = upper.splitn(4, ' ').take(3).map(|w| w.len() + 1).sum::<usize>();
    let (timing, rest) = ["BEFORE ", "AFTER ", "INSTEAD OF "]
        .iter()
        .find_map(|t| upper[after_name..].starts_with(t).then(|| (t.trim(), after_name + t.len())))
        .unwrap_or_else(|| unreadable(sql));
    let on = rest + upper[rest..].find(" ON ").unwrap_or_else(|| unreadable(sql));
    let level = if upper[on..].contains(" FOR EACH STATEMENT ") { "STATEMENT" } else { "ROW" };
    let end = [" BEGIN ", " EXECUTE "]
        .iter()
        .filter_map(|e| upper[on..].find(e))
        .min()
        .unwrap_or_else(|| unreadable(sql))
        + on;
    let when = upper[on..end].find(" WHEN ").map(|at| normalise(&words[on + at + " WHEN ".len()..end]));
    let events = upper[rest..on]
        .split(" OR ")
        .map(|event| {
            let mut parts = event.splitn(2, |c: char| c.is_whitespace());
            let name = parts.next().unwrap_or_default().to_string();
            let of: Option<BTreeSet<String>> = parts.next().map(|cols| {
                let cols = cols.trim();
                let cols = if cols.len() >= 3 && cols[..3].eq_ignore_ascii_case("OF ") {
                    &cols[3..]
                } else {
                    unreadable(sql)
                };
                cols.split(',').map(normalise).collect()
            });
            let refuses = match (&when, of) {
                (None, None) => Refuses::EveryRow,
                (None, Some(of)) => Refuses::UpdatesOf(of),
                (Some(cond), of) => match changed_columns(cond) {
                    Some(changed) if name == "UPDATE" => Refuses::ChangesOf(match of {
                        Some(of) => changed.intersection(&of).cloned().collect(),
                        None => changed,
                    }),
                    _ => Refuses::When(format!("{cond} (of {of:?})")),
                },
            };
            (name, refuses)
        })
        .collect();
    (format!("{timing} {level}"), events)
}

fn unreadable(sql: &str) -> ! {
    panic!("cannot read trigger: {sql}")
}

/// The columns of a WHEN made only of `NEW.c IS NOT OLD.c` (SQLite) or
/// `NEW.c IS DISTINCT FROM OLD.c` (PostgreSQL), either way round, joined by OR.
fn changed_columns(cond: &str) -> Option<BTreeSet<String>> {
    cond.replace(" is distinct from ", " is not ")
        .split(" or ")
        .map(|d| {
            let (a, b) = d.trim().split_once(" is not ")?;
            let (a, b) = if a.starts_with("old.") { (b, a) } else { (a, b) };
            let column = a.strip_prefix("new.")?;
            (b.strip_prefix("old.")? == column).then(|| column.to_string())
        })
        .collect()
}

/// The message of the first `RAISE ... '...'` in a trigger's body.
fn raised(body: &str) -> Option<String> {
    let at = body.to_ascii_uppercase().find("RAISE")?;
    let rest = &body[at..];
    let start = rest.find('\'')? + 1;
    let mut message = String::new();
    let mut chars = rest[start..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
            } else {
                return Some(message);
            }
        }
        message.push(c);
    }
    None
}

// ---- comparisons -------------------------------------------------------------------------------

fn compare_tables(
    declared: &BTreeMap<String, DeclaredTable>,
    sqlite: &Schema,
    postgres: &Schema,
    problems: &mut Vec<String>,
) {
    let names: BTreeSet<&String> =
        declared.keys().chain(sqlite.tables.keys()).chain(postgres.tables.keys()).collect();
    for name in names {
        let (d, s, p) = (declared.get(name), sqlite.tables.get(name), postgres.tables.get(name));
        let (Some(d), Some(s), Some(p)) = (d, s, p) else {
            problems.push(format!(
                "table {name}: in schema.rs {}, on SQLite {}, on PostgreSQL {}",
                yes(d.is_some()),
                yes(s.is_some()),
                yes(p.is_some())
            ));
            continue;
        };
        let d_names: Vec<&str> = d.columns.iter().map(|c| c.name).collect();
        let s_names: Vec<&str> = s.columns.iter().map(|c| c.name.as_str()).collect();
        let p_names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
        if d_names != s_names || d_names != p_names {
            problems.push(format!(
                "table {name}: columns differ (names or order):\n    schema.rs  {d_names:?}\n    SQLite     {s_names:?}\n    PostgreSQL {p_names:?}"
            ));
        }
        for dc in &d.columns {
            let (Some(sc), Some(pc)) =
                (s.columns.iter().find(|c| c.name == dc.name), p.columns.iter().find(|c| c.name == dc.name))
            else {
                continue; // reported above
            };
            let column = format!("{name}.{}", dc.name);
            if sc.nullable != dc.nullable || pc.nullable != dc.nullable {
                problems.push(format!(
                    "{column}: schema.rs says {}, SQLite `{}` {}, PostgreSQL `{}` {}",
                    null(dc.nullable),
                    sc.declared,
                    null(sc.nullable),
                    pc.declared,
                    null(pc.nullable)
                ));
            }
            if !sqlite_kinds(&sc.declared).contains(&dc.kind) {
                problems.push(format!(
                    "{column}: schema.rs says {:?}, SQLite declares `{}` (holds {:?})",
                    dc.kind,
                    sc.declared,
                    sqlite_kinds(&sc.declared)
                ));
            }
            if postgres_kind(&pc.declared) != Some(dc.kind) {
                problems.push(format!(
                    "{column}: schema.rs says {:?}, PostgreSQL declares `{}` ({:?})",
                    dc.kind,
                    pc.declared,
                    postgres_kind(&pc.declared)
                ));
            }
        }
        if d.primary_key != s.primary_key || d.primary_key != p.primary_key {
            problems.push(format!(
                "table {name}: primary key in schema.rs {:?}, on SQLite {:?}, on PostgreSQL {:?}",
                d.primary_key, s.primary_key, p.primary_key
            ));
        }
        if s.unique != p.unique {
            problems.push(format!(
                "table {name}: unique constraints on SQLite {:?}, on PostgreSQL {:?}",
                s.unique, p.unique
            ));
        }
    }
}

fn compare_named<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    what: &str,
    sqlite: &BTreeMap<K, V>,
    postgres: &BTreeMap<K, V>,
    problems: &mut Vec<String>,
) {
    let keys: BTreeSet<&K> = sqlite.keys().chain(postgres.keys()).collect();
    for key in keys {
        match (sqlite.get(key), postgres.get(key)) {
            (Some(s), Some(p)) if s == p => {}
            (s, p) => problems.push(format!("{what} {key:?}:\n    SQLite     {s:?}\n    PostgreSQL {p:?}")),
        }
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn null(nullable: bool) -> &'static str {
    if nullable {
        "nullable"
    } else {
        "NOT NULL"
    }
}
