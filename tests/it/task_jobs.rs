//! What callers do with tasks, below HTTP (docs/REFERENCE.md §10): the jobs on both engines
//! with callers of every role, races of two claims and two closes, pages that continue while
//! tasks are added; and through the real binary, `tokens create|list|revoke`, `tasks close`
//! recording `cli:USER`, and `history` showing each event's actor.

use crate::both_engines;
use crate::helpers::{Engine, Env};
use crate::import::HEADER;
use permit_followup::domain::access::{Caller, Grant, Role, Units};
use permit_followup::domain::ids::{PermitId, TaskId};
use permit_followup::domain::keys::UnitKey;
use permit_followup::domain::task::Outcome;
use permit_followup::errors::ErrorKind;
use permit_followup::jobs::close_task::{close_task, Note};
use permit_followup::jobs::tasks::{hold, list, note, view};
use permit_followup::privacy::PnKey;
use permit_followup::storage::{Stamp, Store};
use std::sync::{Arc, Barrier};

/// Permits of two units whose first reviews are due by 2026-09-01: `study` and `work`, `n` each.
fn world(env: &Env, n: usize) -> Store {
    let mut csv = HEADER.to_string();
    for i in 0..n {
        csv +=
            &format!("ST-{i},S{i},,study,2026-01-15,,active,,,\nWO-{i},W{i},,work,2025-08-01,,active,,,\n");
    }
    env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2026-01-20"]);
    env.ok(&["tick", "--now", "2026-09-01"]);
    env.store()
}

fn caller(subject: &str, role: Role, units: &[&str]) -> Caller {
    Caller {
        subject: subject.into(),
        name: subject.into(),
        grants: vec![Grant { role, units: Units::parse(units).unwrap() }],
    }
}

fn at() -> Stamp {
    Stamp::new("2026-09-02T10:00:00Z".parse().unwrap(), "2026-09-02".parse().unwrap())
}

fn first_of(store: &Store, unit: &str) -> TaskId {
    let everyone = caller("x", Role::Auditor, &["*"]);
    let query = list::TaskQuery {
        state: None,
        unit: Some(UnitKey::parse(unit).unwrap()),
        cause: None,
        priority: None,
        assignee: None,
        overdue_on: None,
        permit: None,
        limit: 1,
        cursor: None,
    };
    list::list_tasks(store, &everyone, &query).unwrap().tasks[0].id
}

fn key() -> PnKey {
    PnKey::from_bytes(&[7; 32])
}

both_engines!(
    fn every_change_follows_the_one_rule_and_is_recorded_with_its_actor(engine) {
        let env = Env::new(engine, "").unwrap();
        let store = world(&env, 2);
        let study = first_of(&store, "study");
        let work = first_of(&store, "work");
        let anna = caller("anna", Role::Caseworker, &["study"]);
        let boss = caller("boss", Role::Manager, &["study"]);
        let audit = caller("eve", Role::Auditor, &["study"]);
        let system = caller("token:case", Role::Integration, &["study"]);

        // Another unit's task is answered as one that does not exist, for every action.
        assert_eq!(hold::claim(&store, &anna, work, at()).unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(hold::claim(&store, &anna, TaskId(999_999), at()).unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(view::view_task(&store, &anna, work, at()).unwrap_err().kind(), ErrorKind::NotFound);

        // Roles that may not hold tasks are refused; a caseworker claims, twice the same.
        assert_eq!(hold::claim(&store, &audit, study, at()).unwrap_err().kind(), ErrorKind::Forbidden);
        assert_eq!(hold::claim(&store, &system, study, at()).unwrap_err().kind(), ErrorKind::Forbidden);
        let claimed = hold::claim(&store, &anna, study, at()).unwrap();
        assert_eq!((claimed.assignee.as_deref(), claimed.version), (Some("anna"), 2));
        assert_eq!(hold::claim(&store, &anna, study, at()).unwrap().version, 2, "a second claim changes nothing");
        let other = caller("bo", Role::Caseworker, &["study"]);
        let held = hold::claim(&store, &other, study, at()).unwrap_err();
        assert_eq!((held.kind(), held.to_string()), (ErrorKind::Conflict, format!("task {study} is held by anna")));
        assert_eq!(hold::release(&store, &other, study, at()).unwrap_err().kind(), ErrorKind::Forbidden);
        assert_eq!(hold::assign(&store, &anna, study, "bo", at()).unwrap_err().kind(), ErrorKind::Forbidden);

        // A manager assigns and releases anyone's; a note joins the events.
        assert_eq!(hold::assign(&store, &boss, study, "bo", at()).unwrap().assignee.as_deref(), Some("bo"));
        assert_eq!(hold::assign(&store, &boss, study, " ", at()).unwrap_err().kind(), ErrorKind::Invalid);
        assert_eq!(hold::release(&store, &boss, study, at()).unwrap().assignee, None);
        let n = Note { text: "Called the university, 19900101-1239", key: &key(), today: at().today };
        note::add_note(&store, &system, study, &n, at()).unwrap();
        let blank = Note { text: "  ", ..n };
        assert_eq!(note::add_note(&store, &system, study, &blank, at()).unwrap_err().kind(), ErrorKind::Invalid);
        assert_eq!(note::add_note(&store, &audit, study, &n, at()).unwrap_err().kind(), ErrorKind::Forbidden);

        // Closing: the auditor may not; a stale version is refused; the integration closes.
        let close = |c: &Caller, version: Option<i64>| {
            let n = Note { text: "Decided in the case system", key: &key(), today: at().today };
            close_task(&store, c, (study, version), (Outcome::NoAction, &n), "2026-09-02T11:00:00Z".parse().unwrap())
        };
        assert_eq!(close(&audit, None).unwrap_err().kind(), ErrorKind::Forbidden);
        assert_eq!(close(&system, Some(1)).unwrap_err().kind(), ErrorKind::Stale);
        let closed = close(&system, Some(5)).unwrap();
        assert_eq!((closed.closed_by.as_deref(), closed.version), (Some("token:case"), 6));
        let again = close(&anna, None).unwrap_err();
        assert_eq!((again.kind(), again.to_string()), (ErrorKind::Conflict, format!("task {study} is already closed (no_action)")));
        assert_eq!(hold::claim(&store, &anna, study, at()).unwrap_err().kind(), ErrorKind::Conflict);

        // Opening it records a view; its events name their actors, the note without the number.
        let (task, events) = view::view_task(&store, &audit, study, at()).unwrap();
        assert_eq!(task.outcome, Some(Outcome::NoAction));
        let trail: Vec<(&str, &str)> = events.iter().map(|e| (e.kind.as_str(), e.actor.as_str())).collect();
        assert_eq!(
            trail,
            [
                ("task_created", "system"),
                ("task_claimed", "anna"),
                ("task_assigned", "boss"),
                ("task_released", "boss"),
                ("note_added", "token:case"),
                ("task_closed", "token:case"),
                ("viewed", "eve"),
            ]
        );
        assert!(!events.iter().any(|e| e.detail.contains("19900101")), "{events:?}");
        let permit = task.permit_id.clone();
        let history = view::view_history(&store, &env_policy(), &audit, &permit, at()).unwrap();
        assert_eq!(history.last().map(|e| (e.kind.as_str(), e.detail.as_str())), Some(("viewed", "history opened")));
        let outsider = caller("w", Role::Manager, &["work"]);
        assert_eq!(view::view_history(&store, &env_policy(), &outsider, &permit, at()).unwrap_err().kind(), ErrorKind::NotFound);
        let nobody = PermitId::parse("NO-SUCH").unwrap();
        assert_eq!(view::view_history(&store, &env_policy(), &audit, &nobody, at()).unwrap_err().kind(), ErrorKind::NotFound);

        // The trail stays unchangeable, the new column too.
        let refused = store.with_connection(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query("UPDATE audit_events SET actor = 'someone'").execute(c)
        });
        assert!(refused.unwrap().is_err(), "an audit row's actor was changed");
    }
);

fn env_policy() -> permit_followup::domain::policy::Policy {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    let settings = permit_followup::settings::load(Some(&env.path("conf")), None).unwrap();
    settings.policy
}

both_engines!(
    fn of_two_claims_or_two_closes_at_once_exactly_one_wins(engine) {
        let env = Env::new(engine, "").unwrap();
        let store = world(&env, 1);
        let task = first_of(&store, "study");
        for round in 0..2 {
            let barrier = Arc::new(Barrier::new(2));
            let handles: Vec<_> = ["anna", "bo"]
                .into_iter()
                .map(|who| {
                    let (store, barrier) = (store.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        let c = caller(who, Role::Caseworker, &["study"]);
                        barrier.wait();
                        if round == 0 {
                            hold::claim(&store, &c, task, at()).map(|_| ()).map_err(|e| e.kind())
                        } else {
                            let n = Note { text: "done", key: &key(), today: at().today };
                            close_task(&store, &c, (task, None), (Outcome::Referred, &n), "2026-09-02T11:00:00Z".parse().unwrap())
                                .map(|_| ())
                                .map_err(|e| e.kind())
                        }
                    })
                })
                .collect();
            let mut results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            results.sort_by_key(|r| r.is_err());
            assert_eq!(results, [Ok(()), Err(ErrorKind::Conflict)], "round {round}");
        }
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM audit_events WHERE event IN ('task_claimed', 'task_closed')"), 2);
    }
);

both_engines!(
    fn pages_continue_where_they_ended_while_tasks_are_added(engine) {
        let env = Env::new(engine, "").unwrap();
        let store = world(&env, 7);
        let anna = caller("anna", Role::Caseworker, &["study", "work"]);
        let mut query = list::TaskQuery {
            state: Some(permit_followup::domain::task::TaskState::Open),
            unit: None,
            cause: None,
            priority: None,
            assignee: None,
            overdue_on: None,
            permit: None,
            limit: 3,
            cursor: None,
        };
        let mut seen = Vec::new();
        let first = list::list_tasks(&store, &anna, &query).unwrap();
        seen.extend(first.tasks.iter().map(|t| t.id));
        // More tasks arrive between pages.
        let csv = format!("{HEADER}ST-LATE,SL,,study,2026-01-15,,active,,,\n");
        env.ok(&["import", "permits", &env.file("late.csv", &csv), "--now", "2026-01-20"]);
        env.ok(&["tick", "--now", "2026-09-01"]);
        query.cursor = first.next_cursor;
        while let Some(cursor) = query.cursor.take() {
            query.cursor = Some(cursor);
            let page = list::list_tasks(&store, &anna, &query).unwrap();
            assert!(page.tasks.len() <= 3);
            seen.extend(page.tasks.iter().map(|t| t.id));
            query.cursor = page.next_cursor;
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "no task twice: {seen:?}");
        assert!(seen.len() >= 14, "every task there before the pages: {seen:?}");
        // Only the caller's units; a bad cursor or limit is invalid.
        let study_only = caller("s", Role::Auditor, &["study"]);
        query.cursor = None;
        query.limit = 500;
        let page = list::list_tasks(&store, &study_only, &query).unwrap();
        assert!(page.tasks.iter().all(|t| t.unit.as_str() == "study") && page.tasks.len() == 8, "{}", page.tasks.len());
        query.cursor = Some("garbage".into());
        assert_eq!(list::list_tasks(&store, &anna, &query).unwrap_err().kind(), ErrorKind::Invalid);
        query.cursor = None;
        query.limit = 501;
        assert_eq!(list::list_tasks(&store, &anna, &query).unwrap_err().kind(), ErrorKind::Invalid);
    }
);

both_engines!(
    fn tokens_are_shown_once_kept_as_hashes_listed_and_revoked(engine) {
        let env = Env::new(engine, "").unwrap();
        let store = world(&env, 1);
        let secret = env.ok(&["tokens", "create", "case-system", "--role", "integration", "--unit", "study", "--unit", "work"]);
        let secret = secret.trim();
        assert!(secret.starts_with("pft_") && secret.len() == 68, "{secret}");
        assert!(!String::from_utf8_lossy(&env.database_dump()).contains(secret), "the secret itself is not stored");
        let today = "2026-09-02".parse().unwrap();
        let c = permit_followup::jobs::tokens::caller_of(&store, secret, today).unwrap().unwrap();
        assert_eq!(c.subject, "token:case-system");
        assert_eq!(permit_followup::jobs::tokens::caller_of(&store, "pft_00", today).unwrap(), None);

        let again = env.run(&["tokens", "create", "case-system", "--role", "auditor", "--unit", "*"]);
        assert_eq!(again.code(), 2, "{}", again.stderr());
        for bad in [
            &["tokens", "create", "x", "--role", "admin", "--unit", "study"][..],
            &["tokens", "create", "x", "--role", "auditor", "--unit", "nosuch"],
            &["tokens", "create", "x y", "--role", "auditor", "--unit", "study"],
            &["tokens", "create", "x", "--role", "auditor", "--unit", "*", "--expires", "2001-01-01"],
            &["tokens", "revoke", "nosuch"],
        ] {
            let r = env.run(bad);
            assert_eq!((r.code(), r.stdout().as_str()), (2, ""), "{bad:?}: {}", r.stderr());
        }
        env.ok(&["tokens", "create", "old", "--role", "auditor", "--unit", "*", "--expires", "2099-01-01"]);
        let listed = env.ok(&["tokens", "list"]);
        let row: Vec<&str> = listed.lines().nth(1).unwrap().split_whitespace().collect();
        assert_eq!(row, ["case-system", "integration", "study,work", "-", "active"], "{listed}");
        assert!(listed.ends_with("2 token(s)\n") && !listed.contains("pft_"), "{listed}");
        env.ok(&["tokens", "revoke", "case-system"]);
        let json: serde_json::Value = serde_json::from_str(&env.ok(&["tokens", "list", "--format", "json"])).unwrap();
        assert_eq!(json[0]["state"], "revoked");
        assert_eq!(json[1]["units"], serde_json::json!(["*"]));
        assert_eq!(permit_followup::jobs::tokens::caller_of(&store, secret, today).unwrap(), None);
    }
);

both_engines!(
    fn a_close_on_the_command_line_names_its_user_and_history_shows_every_actor(engine) {
        let env = Env::new(engine, "").unwrap();
        let store = world(&env, 1);
        let task = first_of(&store, "study");
        let out = env
            .command(&["tasks", "close", &task.to_string(), "--outcome", "no_action", "--note", "Seen"])
            .env("USER", "tester")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json = env.tasks();
        let closed = json.iter().find(|t| t["id"] == task.0).unwrap();
        assert_eq!(closed["state"], "closed");
        let history = env.ok(&["history", "ST-0"]);
        let header: Vec<&str> = history.lines().next().unwrap().split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        assert_eq!(header, ["AT (UTC)", "EVENT", "ACTOR", "DETAIL"]);
        assert!(history.lines().any(|l| l.contains("task_closed") && l.contains("cli:tester")), "{history}");
        assert!(history.lines().any(|l| l.contains("task_created") && l.contains("system")), "{history}");
    }
);
