//! What the crash harness reads back from a database and an outbox: the tasks as a comparable
//! list, the counts that show whether a pass landed whole, the invariants that must hold after
//! any kill, and which Message-IDs each task went out in.

use crate::helpers::{Engine, Env};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};
use std::collections::{BTreeMap, BTreeSet};

/// A task as both worlds must agree on it (ids and times aside).
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskRow {
    #[diesel(sql_type = Text)]
    pub permit_id: String,
    #[diesel(sql_type = Text)]
    pub cause: String,
    #[diesel(sql_type = Text)]
    pub occasion: String,
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Text)]
    pub due_on: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub notified: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Every task, sorted.
pub fn tasks(env: &Env) -> Vec<TaskRow> {
    let sql = "SELECT permit_id, cause, occasion, unit, CAST(due_on AS TEXT) AS due_on, state, outcome, \
               CAST(CASE WHEN notified_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS notified \
               FROM tasks ORDER BY permit_id, cause, occasion";
    diesel::sql_query(sql).load(&mut env.connect()).unwrap()
}

/// `SELECT COUNT(*) AS n …`.
pub fn count(env: &Env, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(&mut env.connect()).unwrap().n
}

/// Counts that any commit of any pass moves: permits, imports, signals and their states, tasks,
/// digests and those sent, tasks notified. Equal before and after a killed run: it was killed
/// before its first commit.
pub fn progress(env: &Env) -> i64 {
    let sql =
        "SELECT (SELECT COUNT(*) FROM imports) + (SELECT COUNT(*) FROM signals WHERE state <> 'pending') \
               + (SELECT COUNT(*) FROM tasks) + (SELECT COUNT(*) FROM digests) \
               + (SELECT COUNT(*) FROM digests WHERE state = 'sent') \
               + (SELECT COUNT(*) FROM tasks WHERE notified_at IS NOT NULL) AS n";
    count(env, sql)
}

/// What must hold after any kill: the SQLite file is sound, no task exists twice, and a
/// digest's tasks are marked notified exactly when the digest is marked sent (one pass).
pub fn assert_sound(env: &Env, after: &str) {
    if env.engine == Engine::Sqlite {
        let checks: Vec<Check> =
            diesel::sql_query("PRAGMA integrity_check").load(&mut env.connect()).unwrap();
        assert_eq!(
            checks.iter().map(|c| c.integrity_check.as_str()).collect::<Vec<_>>(),
            ["ok"],
            "after {after}"
        );
    }
    let twice = "SELECT COUNT(*) AS n FROM (SELECT permit_id FROM tasks GROUP BY permit_id, cause, occasion HAVING COUNT(*) > 1) AS d";
    assert_eq!(count(env, twice), 0, "a task exists twice after {after}");
    let split = "SELECT COUNT(*) AS n FROM tasks t JOIN digests d ON t.digest_id = d.id \
                 WHERE (d.state = 'sent') <> (t.notified_at IS NOT NULL)";
    assert_eq!(count(env, split), 0, "a digest and its tasks disagree after {after}");
}

/// The mails sent so far, each as (Message-ID, text with soft line breaks undone).
pub fn mails_in(raw: impl Iterator<Item = Vec<u8>>) -> Vec<(String, String)> {
    raw.map(|bytes| {
        let text = String::from_utf8_lossy(&bytes).replace("=\r\n", "");
        let id = text.lines().find_map(|l| l.strip_prefix("Message-ID: ")).unwrap_or_default().to_string();
        (id, text)
    })
    .collect()
}

/// Each task's id, by its key.
pub fn task_ids(env: &Env) -> BTreeMap<(String, String, String), i64> {
    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        permit_id: String,
        #[diesel(sql_type = Text)]
        cause: String,
        #[diesel(sql_type = Text)]
        occasion: String,
    }
    let keys: Vec<Key> = diesel::sql_query("SELECT id, permit_id, cause, occasion FROM tasks")
        .load(&mut env.connect())
        .unwrap();
    keys.into_iter().map(|k| ((k.permit_id, k.cause, k.occasion), k.id)).collect()
}

/// Each notified task must have gone out under exactly one Message-ID (a mail sent again
/// after a crash repeats the same one). A task is found in a mail by a line of the text part's
/// new tasks (before its overdue list, which repeats tasks of earlier digests) that begins with
/// the task's id and its permit.
pub fn assert_each_task_in_one_message(
    env: &Env,
    tasks: &[TaskRow],
    mails: &[(String, String)],
    after: &str,
) {
    let ids = task_ids(env);
    let mut carried: BTreeMap<&TaskRow, BTreeSet<&str>> = BTreeMap::new();
    for (message_id, text) in mails {
        let plain = text.split("Content-Type: text/html").next().unwrap_or(text);
        let new = plain.split("\nOVERDUE (").next().unwrap_or(plain);
        for line in new.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let [task, permit, ..] = words.as_slice() else { continue };
            for t in tasks.iter().filter(|t| t.permit_id == *permit) {
                let key = (t.permit_id.clone(), t.cause.clone(), t.occasion.clone());
                if ids.get(&key).is_some_and(|id| id.to_string() == *task) {
                    carried.entry(t).or_default().insert(message_id);
                }
            }
        }
    }
    for t in tasks.iter().filter(|t| t.notified == 1) {
        let n = carried.get(t).map_or(0, BTreeSet::len);
        assert_eq!(
            n, 1,
            "{} {} due {} went out in {n} different messages after {after}",
            t.permit_id, t.cause, t.due_on
        );
    }
}
