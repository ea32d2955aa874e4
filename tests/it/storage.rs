//! The storage layer through the library, on both engines: what the commands' tests cannot see.

use crate::both_engines;
use crate::helpers::{Engine, Env};

both_engines!(
    fn new_permits_are_stored_field_for_field_as_diesel_itself_stores_them(engine) {
        // `permits::insert` writes SQLite rows through its own statement: two full chunks of
        // 100 rows (the second through the cached statement) and a shorter rest must store
        // every column exactly as diesel's insert does.
        use chrono::NaiveDate;
        use diesel::prelude::*;
        use permit_followup::storage::{permits, rows::PermitRow, schema::permits as p};
        let env = Env::new(engine, "").unwrap();
        let mut conn = env.connect();
        permit_followup::storage::migrate(&mut conn).unwrap();
        let day = |n: i64| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::TimeDelta::days(n);
        let row = |i: i64, prefix: &str| {
            let some = i % 2 == 0; // every optional column both set and NULL
            PermitRow {
                permit_id: format!("{prefix}-{i}"),
                person_id: format!("P-{i}"),
                pn_hash: some.then(|| format!("{i:064x}")),
                ground: ["study", "work"][i as usize % 2].into(),
                valid_from: day(i),
                valid_until: some.then(|| day(i + 700)),
                status: "active".into(),
                unit: some.then(|| "work".into()),
                employer_org_no: some.then(|| format!("org-{i}")),
                institution: some.then(|| format!("Skola \"{i}\", åäö")),
                review_occasion: some.then(|| day(i + 365)),
                review_due_on: some.then(|| day(i + 335)),
                last_review_occasion: (i % 4 == 0).then(|| day(i - 1)),
                updated_at: day(i).and_hms_micro_opt(10, 11, 12, [0, 500_000, 123_456][i as usize % 3]).unwrap(),
                imported_by: some.then_some(i),
            }
        };
        let ours: Vec<PermitRow> = (0..250).map(|i| row(i, "A")).collect();
        permits::insert_rows(&mut conn, ours.clone()).unwrap();
        let mut stored: Vec<PermitRow> =
            p::table.filter(p::permit_id.like("A-%")).select(PermitRow::as_select()).load(&mut conn).unwrap();
        stored.sort_by_key(|r| r.permit_id[2..].parse::<i64>().unwrap());
        assert_eq!(stored, ours);
        // The same rows through diesel's own insert store the same text, byte for byte.
        for i in 0..250 {
            diesel::insert_into(p::table).values(row(i, "B")).execute(&mut conn).unwrap();
        }
        // On SQLite each value with its storage class (`quote`): a date stored as a blob would
        // read back the same but sort apart from the text dates the due-review index compares.
        let columns = [
            "substr(permit_id, 3)", "person_id", "pn_hash", "ground", "valid_from", "valid_until", "status", "unit",
            "employer_org_no", "institution", "review_occasion", "review_due_on", "last_review_occasion", "updated_at",
            "imported_by",
        ];
        let line = match engine {
            Engine::Sqlite => columns.map(|c| format!("quote({c})")).join(" || '|' || "),
            Engine::Postgres => format!("concat_ws('|', {})", columns.join(", ")),
        };
        let text = |prefix: &str, conn: &mut permit_followup::storage::AnyConnection| -> Vec<String> {
            diesel::sql_query(format!("SELECT {line} AS line FROM permits WHERE permit_id LIKE '{prefix}-%' ORDER BY person_id"))
                .load::<Line>(conn)
                .unwrap()
                .into_iter()
                .map(|l| l.line)
                .collect()
        };
        assert_eq!(text("A", &mut conn), text("B", &mut conn));
    }
);

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}
