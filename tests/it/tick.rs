//! Ticks end to end through the binary: occasions, lead time, coalescing after an outage,
//! idempotency, capacity by ISO week, inactive permits, closing tasks, policy changes.

use crate::both_engines;
use crate::helpers::Env;
use crate::import::{three_permits, HEADER};
use serde_json::Value;

fn periodic(tasks: &[Value], permit: &str) -> Vec<Value> {
    tasks.iter().filter(|t| t["permit_id"] == permit && t["cause"] == "periodic_review").cloned().collect()
}

both_engines!(
    fn import_then_ticks_on_chosen_dates_create_exactly_the_due_reviews(engine) {
        let env = Env::new(engine, "").unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        // UT-1 (study, from 2026-01-15): first occasion 2026-07-15, due 14 days before.
        assert!(env.ok(&["tick", "--now", "2026-06-30"]).contains("created 0 task(s)"));
        let out = env.ok(&["tick", "--now", "2026-07-01"]);
        assert!(out.contains("created 1 task(s), deferred 0"), "{out}");
        let tasks = env.tasks();
        assert_eq!(tasks.len(), 1);
        let t = &tasks[0];
        for key in ["id", "permit_id", "cause", "occasion", "unit", "priority", "reason", "legal_basis", "evidence",
                    "created_on", "due_on", "state", "outcome", "notified"] {
            assert!(t.get(key).is_some(), "key {key} missing from {t}");
        }
        assert_eq!(t["permit_id"], "UT-1");
        assert_eq!(t["cause"], "periodic_review");
        assert_eq!(t["occasion"], "2026-07-15");
        assert_eq!(t["due_on"], "2026-07-15");
        assert_eq!(t["created_on"], "2026-07-01");
        assert_eq!(t["unit"], "study");
        assert_eq!(t["priority"], "normal");
        assert_eq!(t["legal_basis"], "UtlL 7 kap. 3 §");
        assert_eq!(t["evidence"][0]["occasion"], "2026-07-15");
        assert_eq!(t["state"], "open");
        assert_eq!(t["notified"], false);
        // A second tick the same day creates nothing.
        assert!(env.ok(&["tick", "--now", "2026-07-01T18:00:00+02:00"]).contains("created 0 task(s)"));
        // Down until 2029: UT-1 gets one task, for its last occasion before valid_until
        // (2027-07-15), not one per missed occasion; UT-2 and UT-3 likewise.
        let out = env.ok(&["tick", "--now", "2029-01-01"]);
        assert!(out.contains("created 3 task(s)"), "{out}");
        let tasks = env.tasks();
        let ut1 = periodic(&tasks, "UT-1");
        assert_eq!(ut1.len(), 2);
        assert_eq!(ut1[1]["occasion"], "2027-07-15");
        assert_eq!(periodic(&tasks, "UT-2")[0]["occasion"], "2026-12-01");
        assert_eq!(periodic(&tasks, "UT-3")[0]["occasion"], "2028-11-20");
        assert!(env.ok(&["tick", "--now", "2029-01-01"]).contains("created 0 task(s)"));
    }
);

both_engines!(
    fn a_month_end_permit_is_reviewed_on_the_clamped_day(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = format!("{HEADER}UT-31,P-31,,study,2026-08-31,,,,,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
        env.ok(&["tick", "--now", "2027-02-14"]);
        let tasks = env.tasks();
        assert_eq!(tasks.len(), 1, "due on 2027-02-28 - 14 days = 2027-02-14");
        assert_eq!(tasks[0]["occasion"], "2027-02-28");
        env.ok(&["tick", "--now", "2027-08-17"]);
        assert_eq!(env.tasks()[1]["occasion"], "2027-08-31", "each occasion is computed from valid_from");
    }
);

both_engines!(
    fn capacity_defers_periodic_reviews_to_the_next_iso_week_oldest_first(engine) {
        let env = Env::new(engine, "[units.study]\nweekly_capacity = 2\n").unwrap();
        let mut csv = HEADER.to_string();
        for (id, from) in [("S-5", "2026-01-01"), ("S-4", "2026-01-01"), ("S-3", "2026-01-02"), ("S-2", "2026-01-03"), ("S-1", "2026-01-05")] {
            csv.push_str(&format!("{id},P-{id},,study,{from},,,,,\n"));
        }
        env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
        // Thursday 2026-12-31 of ISO week 2026-W53: all five are due (occasions in January 2027).
        let out = env.ok(&["tick", "--now", "2026-12-31"]);
        assert!(out.contains("created 2 task(s), deferred 3"), "{out}");
        let ids: Vec<String> = env.tasks().iter().map(|t| t["permit_id"].as_str().unwrap().to_string()).collect();
        assert_eq!(ids, ["S-4", "S-5"], "oldest occasion first, ties by permit id");
        // Sunday 2027-01-03 is still 2026-W53: nothing more.
        assert!(env.ok(&["tick", "--now", "2027-01-03"]).contains("created 0 task(s), deferred 3"));
        // Monday 2027-01-04 opens 2027-W01.
        assert!(env.ok(&["tick", "--now", "2027-01-04"]).contains("created 2 task(s), deferred 1"));
        assert!(env.ok(&["tick", "--now", "2027-01-11"]).contains("created 1 task(s), deferred 0"));
        let ids: Vec<String> = env.tasks().iter().map(|t| t["permit_id"].as_str().unwrap().to_string()).collect();
        assert_eq!(ids, ["S-4", "S-5", "S-3", "S-2", "S-1"]);
        assert_eq!(env.tasks()[4]["created_on"], "2027-01-11");
    }
);

both_engines!(
    fn a_permit_that_stops_being_active_has_its_open_reviews_closed(engine) {
        let env = Env::new(engine, "").unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        env.ok(&["tick", "--now", "2026-07-01"]);
        let revoked = three_permits().replace("2028-01-15,active,", "2028-01-15,revoked,");
        let out = env.ok(&["import", "permits", &env.file("p2.csv", &revoked)]);
        assert!(out.contains("0 inserted, 1 updated, 2 unchanged"), "{out}");
        let t = &env.tasks()[0];
        assert_eq!(t["state"], "closed");
        assert_eq!(t["outcome"], "permit_inactive");
        let history = env.ok(&["history", "UT-1"]);
        assert!(history.contains("status changed") && history.contains("permit_inactive"), "{history}");
        // Inactive permits get no new reviews.
        env.ok(&["tick", "--now", "2027-01-01"]);
        assert_eq!(periodic(&env.tasks(), "UT-1").len(), 1);
    }
);

both_engines!(
    fn a_caseworker_closes_a_task_with_an_outcome_and_a_note(engine) {
        let env = Env::new(engine, "").unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        env.ok(&["tick", "--now", "2026-07-01"]);
        let id = env.tasks()[0]["id"].to_string();
        let r = env.run(&["tasks", "close", &id, "--outcome", "no_action", "--note", "  "]);
        assert_eq!(r.code(), 2, "{}", r.stderr());
        let r = env.run(&["tasks", "close", &id, "--outcome", "revoke_now", "--note", "x"]);
        assert_eq!(r.code(), 2);
        assert!(r.stderr().contains("revocation_initiated"), "{}", r.stderr());
        let r = env.run(&["tasks", "close", "9999", "--outcome", "referred", "--note", "x"]);
        assert_eq!(r.code(), 2);
        assert!(r.stderr().contains("no task 9999"), "{}", r.stderr());
        env.ok(&["tasks", "close", &id, "--outcome", "no_action", "--note", "Studies confirmed by Ladok"]);
        let r = env.run(&["tasks", "close", &id, "--outcome", "referred", "--note", "again"]);
        assert_eq!(r.code(), 2);
        assert!(r.stderr().contains("already closed"), "{}", r.stderr());
        assert_eq!(env.tasks()[0]["outcome"], "no_action");
        assert!(env.ok(&["tasks"]).contains("0 task(s)"), "closed tasks are not listed by default");
        assert!(env.ok(&["tasks", "--state", "closed", "--unit", "study"]).contains("UT-1"));
        assert!(env.ok(&["tasks", "--state", "all", "--permit", "UT-2"]).contains("0 task(s)"));
        let history = env.ok(&["history", "UT-1"]);
        assert!(history.contains("task_created") && history.contains("Studies confirmed by Ladok"), "{history}");
    }
);

both_engines!(
    fn a_policy_change_recomputes_the_stored_review_dates(engine) {
        let env = Env::new(engine, "").unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        // Work reviews every year: UT-2 (from 2025-12-01) first due 2026-11-17.
        assert!(env.ok(&["tick", "--now", "2026-06-01"]).contains("created 0 task(s)"));
        env.write_config("[grounds.work]\nfirst_review_after = \"3 months\"\nreview_every = \"3 months\"\n");
        let out = env.ok(&["tick", "--now", "2026-06-01"]);
        assert!(out.contains("review dates of ground work recomputed"), "{out}");
        let ut2 = periodic(&env.tasks(), "UT-2");
        assert_eq!(ut2.len(), 1);
        assert_eq!(ut2[0]["occasion"], "2026-06-01");
    }
);

both_engines!(
    fn a_permit_with_its_own_unit_is_reviewed_by_that_unit(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = format!("{HEADER}UT-7,P-7,,family,2025-01-01,,,refugee,,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
        env.ok(&["tick", "--now", "2026-01-01"]);
        assert_eq!(env.tasks()[0]["unit"], "refugee");
    }
);

both_engines!(
    fn permits_of_a_ground_removed_from_the_configuration_are_reported_not_silently_skipped(engine) {
        let seasonal = "[grounds.seasonal]\nfirst_review_after = \"3 months\"\nreview_every = \"3 months\"\nlead_time = \"0 days\"\nunit = \"work\"\npriority = \"normal\"\nlegal_basis = \"UtlL 6 kap. 2 §\"\n";
        let env = Env::new(engine, seasonal).unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &format!("{HEADER}SW-1,P-1,,seasonal,2026-01-01,,,,,\n"))]);
        env.write_config("");
        let out = env.ok(&["tick", "--now", "2026-04-01"]);
        assert!(out.contains("1 due permit(s) skipped: their ground is missing"), "{out}");
    }
);
