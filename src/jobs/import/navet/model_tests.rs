//! A random sequence of records for a few persons gives the signals that a plain model of the
//! comparison gives: one that keeps every value in clear and compares the values themselves.
//! The real path hashes each value under the person's salt (`observe`), compares hashes
//! (`domain::navet::compare`) and names removed countries from their hashes (`country_of`).

use super::check::{country_of, observe, Checked};
use crate::domain::ids::PnHash;
use crate::domain::navet::{compare, Change, Kept};
use crate::privacy::{salt_of, PnKey};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};

/// A record as the test writes it, in clear.
#[derive(Debug, Clone)]
struct Rec {
    person: usize,
    name: Option<[String; 3]>,
    birth: Option<String>,
    citizenships: Option<Vec<String>>,
    deregistration: Option<(String, Option<usize>)>,
    emigration: Option<String>,
}

/// What the plain model keeps: the values themselves.
#[derive(Debug, Clone, Default)]
struct Clear {
    name: Option<[String; 3]>,
    birth: Option<String>,
    citizenships: Option<BTreeSet<String>>,
    deregistration: Option<(String, Option<usize>)>,
    emigration: Option<String>,
}

/// A signal as both sides describe it: its kind, and for citizenship the countries.
type Said = (String, BTreeSet<String>, BTreeSet<String>);

fn model(kept: &mut HashMap<usize, Clear>, r: &Rec) -> Vec<Said> {
    let first = !kept.contains_key(&r.person);
    let k = kept.entry(r.person).or_default();
    let mut out: Vec<Said> = Vec::new();
    let plain = |kind: &str| (kind.to_string(), BTreeSet::new(), BTreeSet::new());
    if let Some(d) = &r.deregistration {
        if k.deregistration.as_ref() != Some(d) {
            out.push(plain(match (d.0.as_str(), d.1) {
                ("UV", _) => "emigrated",
                ("AV", _) => "deceased",
                ("GN" | "GS", Some(_)) => "personal_number_replaced",
                _ => "deregistered",
            }));
        }
    }
    k.deregistration = r.deregistration.clone();
    if let Some(e) = &r.emigration {
        if k.emigration.as_ref() != Some(e) && !out.iter().any(|s| s.0 == "emigrated") {
            out.push(plain("emigrated"));
        }
        k.emigration = Some(e.clone());
    }
    if !first {
        if matches!((&k.name, &r.name), (Some(a), Some(b)) if a != b) {
            out.push(plain("name_changed"));
        }
        if matches!((&k.birth, &r.birth), (Some(a), Some(b)) if a != b) {
            out.push(plain("birth_date_changed"));
        }
        if let (Some(old), Some(new)) = (&k.citizenships, &r.citizenships) {
            let new: BTreeSet<String> = new.iter().cloned().collect();
            if *old != new {
                let added = new.difference(old).cloned().collect();
                let removed = old.difference(&new).cloned().collect();
                out.push(("citizenship_changed".into(), added, removed));
            }
        }
    }
    if r.name.is_some() {
        k.name = r.name.clone();
    }
    if r.birth.is_some() {
        k.birth = r.birth.clone();
    }
    if let Some(c) = &r.citizenships {
        k.citizenships = Some(c.iter().cloned().collect());
    }
    out
}

fn hash_of(person: usize) -> PnHash {
    PnHash::new(format!("{:064x}", person * 7919 + 13))
}

fn real(key: &PnKey, kept: &mut HashMap<usize, Kept>, r: &Rec) -> Vec<Said> {
    let checked = Checked {
        line: 1,
        position: 1,
        person: hash_of(r.person),
        protected: false,
        deregistration: r.deregistration.as_ref().map(|(code, to)| (code.clone(), None, to.map(hash_of))),
        birth_date: r.birth.clone(),
        name: r.name.clone(),
        citizenships: r.citizenships.clone(),
        emigration: r.emigration.clone(),
    };
    let prior = kept.get(&r.person);
    let salt = prior.map_or_else(|| salt_of(&checked.person), |k| k.salt);
    let (changes, next) = compare(prior, salt, &observe(key, salt, &checked));
    kept.insert(r.person, next);
    changes
        .iter()
        .map(|c| match c {
            Change::CitizenshipChanged { added, removed } => (
                c.kind().to_string(),
                added.iter().cloned().collect(),
                removed.iter().map(|h| country_of(key, salt, *h)).collect(),
            ),
            _ => (c.kind().to_string(), BTreeSet::new(), BTreeSet::new()),
        })
        .collect()
}

fn pick(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(items).prop_map(str::to_string)
}

fn record() -> impl Strategy<Value = Rec> {
    let name = proptest::option::of(
        (pick(&["Anna", "Åsa", ""]), pick(&["", "Maria"]), pick(&["Berg", "Öberg"]))
            .prop_map(|(a, b, c)| [a, b, c]),
    );
    let birth = proptest::option::of(pick(&["19900101", "19900100", "19900000"]));
    let citizenships =
        proptest::option::of(proptest::sample::subsequence(vec!["SY", "SE", "NO", "A1"], 0..=3))
            .prop_map(|c| c.map(|v| v.into_iter().map(str::to_string).collect()));
    let deregistration = proptest::option::of((
        pick(&["UV", "AV", "GN", "GS", "OB", "AN", "TA", "FI"]),
        proptest::option::of(0usize..3),
    ));
    let emigration = proptest::option::of(pick(&["NO", "DK", ""]));
    (0usize..3, name, birth, citizenships, deregistration, emigration).prop_map(
        |(person, name, birth, citizenships, deregistration, emigration)| Rec {
            person,
            name,
            birth,
            citizenships,
            deregistration,
            emigration,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_random_sequence_of_records_gives_the_signals_of_the_plain_model(
        records in proptest::collection::vec(record(), 1..30)
    ) {
        let key = PnKey::from_bytes(b"model-key-model-key");
        let (mut clear, mut hashed) = (HashMap::new(), HashMap::new());
        for (i, r) in records.iter().enumerate() {
            let expected = model(&mut clear, r);
            let got = real(&key, &mut hashed, r);
            prop_assert_eq!(&got, &expected, "record {} of {:?}", i, records);
        }
    }
}
