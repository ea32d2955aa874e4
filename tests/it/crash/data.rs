//! The rounds of the crash harness: their dates, and the register file and signal feed of each.

use crate::import::HEADER;

/// The dates of the rounds.
pub const ROUNDS: [&str; 4] = ["2026-07-01", "2026-10-01", "2027-01-15", "2027-04-20"];

/// New permits in each round's register file.
pub const PERMITS: usize = 2_000;

/// Earlier permits each round's file moves to another unit.
pub const CHANGED: usize = 100;

/// Signals in each round's feed.
pub const SIGNALS: usize = 200;

/// Round `round`'s register: new permits of four grounds whose first reviews come due over the
/// rounds, and (after the first) changes to earlier ones — another unit, some revoked.
pub fn register(round: usize) -> String {
    let grounds = ["study", "work", "family", "other"];
    let mut csv = HEADER.to_string();
    for i in 0..PERMITS {
        let from = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
            + chrono::Days::new((i * 7 % 365) as u64 + 30 * round as u64);
        let employer = if i % 4 == 1 { "5560000001" } else { "" };
        csv.push_str(&format!("R{round}-{i:04},P{round}-{i},,{},{from},,,,{employer},\n", grounds[i % 4]));
    }
    if round > 0 {
        for i in 0..CHANGED {
            let from = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
                + chrono::Days::new((i * 7 % 365) as u64 + 30 * (round - 1) as u64);
            let status = if i % 10 == 0 { "revoked" } else { "active" };
            csv.push_str(&format!(
                "R{}-{i:04},P{}-{i},,{},{from},,{status},other,{},\n",
                round - 1,
                round - 1,
                grounds[i % 4],
                if i % 4 == 1 { "5560000001" } else { "" }
            ));
        }
    }
    csv
}

/// Round `round`'s feed: signals of three kinds for persons of this and earlier rounds.
pub fn feed(round: usize) -> String {
    let occurred =
        chrono::NaiveDate::parse_from_str(ROUNDS[round], "%Y-%m-%d").unwrap() - chrono::Days::new(5);
    (0..SIGNALS)
        .map(|j| {
            let (kind, data) = match j % 3 {
                0 => ("emigrated", "{}".to_string()),
                1 => ("name_changed", "{}".to_string()),
                _ => ("income_reported", "{\"employer_org_no\": \"5560000001\", \"amount_sek\": 1000}".to_string()),
            };
            let person = format!("P{}-{}", j % (round + 1), (j * 13) % PERMITS);
            format!("{{\"id\": \"sig-{round}-{j}\", \"kind\": \"{kind}\", \"person_id\": \"{person}\", \"occurred_on\": \"{occurred}\", \"data\": {data}}}\n")
        })
        .collect()
}
