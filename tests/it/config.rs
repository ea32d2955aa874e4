//! Configuration: layering, environment overrides, and exit status 2 naming the key at fault.

use crate::helpers::{Engine, Env};

fn check(env: &Env) -> crate::helpers::Run {
    env.run(&["check-config"])
}

#[test]
fn the_built_in_defaults_equal_the_shipped_file() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    let with_defaults = env.ok(&["check-config"]);
    let shipped = env
        .command(&["check-config"])
        .args(["--config", crate::helpers::repo("config/default.toml").to_str().unwrap()])
        .output()
        .unwrap();
    let shipped = String::from_utf8_lossy(&shipped.stdout).into_owned();
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !["sources:", "mail:", "admin:", "privacy:"].iter().any(|p| l.starts_with(p)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&with_defaults), strip(&shipped));
    for ground in ["study", "work", "family", "refugee", "subsidiary_protection", "other"] {
        assert!(with_defaults.contains(&format!("\n{ground} ")), "ground {ground} missing");
    }
    for kind in [
        "name_changed",
        "birth_date_changed",
        "citizenship_changed",
        "emigrated",
        "deceased",
        "personal_number_replaced",
        "deregistered",
        "study_registration_missing",
        "study_progress_insufficient",
        "employment_ended",
        "income_reported",
    ] {
        assert!(with_defaults.contains(kind), "signal rule {kind} missing");
    }
}

#[test]
fn a_local_file_changes_only_its_keys_and_the_environment_wins() {
    let env = Env::new(
        Engine::Sqlite,
        "[grounds.study]\nreview_every = \"1 year\"\n[units.work]\nweekly_capacity = \"unlimited\"\n",
    )
    .unwrap();
    let out = check(&env).stdout();
    let study = out.lines().find(|l| l.starts_with("study ")).unwrap();
    assert!(study.contains("6 months") && study.contains("1 year"), "{study}");
    assert!(out.lines().any(|l| l.starts_with("work ") && l.contains("unlimited")), "{out}");
    let r = env
        .command(&["check-config"])
        .env("PERMIT_FOLLOWUP__GROUNDS__STUDY__LEAD_TIME", "3 weeks")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(out.lines().any(|l| l.starts_with("study ") && l.contains("21 days")), "{out}");
}

#[test]
fn a_folder_of_toml_files_is_read_in_name_order() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    let dir = env.path("conf.d");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("10-a.toml"), "[units.study]\nweekly_capacity = 10\n").unwrap();
    std::fs::write(dir.join("20-b.toml"), "[units.study]\nweekly_capacity = 20\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_permit-followup"))
        .args(["--config", dir.to_str().unwrap(), "check-config"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(out.lines().any(|l| l.starts_with("study ") && l.contains(" 20 ")), "{out}");
}

/// (configuration, words the error must contain)
const BAD: &[(&str, &[&str])] = &[
    ("[grounds.study]\nreview_evry = \"1 year\"\n", &["review_evry"]),
    ("[grounds.study]\nreview_every = \"6 fortnights\"\n", &["grounds.study.review_every", "6 fortnights"]),
    ("[grounds.study]\nreview_every = \"0 days\"\n", &["grounds.study.review_every", "zero"]),
    ("[grounds.study]\nunit = \"astronauts\"\n", &["grounds.study.unit", "astronauts"]),
    ("[signals.emigrated]\ngrounds = [\"study\", \"tourism\"]\n", &["signals.emigrated.grounds", "tourism"]),
    ("[schedule]\ntick = \"every 15 minutes\"\n", &["schedule.tick"]),
    ("[schedule]\ndigest = \"0 0 7 * *\"\n", &["schedule.digest", "6 fields"]),
    ("[schedule]\ntimezone = \"Mars/Olympus\"\n", &["schedule.timezone", "Mars/Olympus"]),
    ("[grounds.study]\npriority = \"whenever\"\n", &["grounds.study.priority"]),
    ("[units.study]\nweekly_capacity = -1\n", &["units.study.weekly_capacity"]),
    ("[log]\nformat = \"xml\"\n", &["log.format"]),
    ("[grounds.space]\nreview_every = \"1 year\"\n", &["grounds", "first_review_after"]),
    ("this is not toml", &["10-test.toml"]),
    ("[mail]\ncase_url = \"http://case.example/{permit_id}\"\n", &["mail.case_url", "https://"]),
    (
        "[units.study]\ncase_url = \"https://case.example/permits/\"\n",
        &["units.study.case_url", "{permit_id}"],
    ),
    ("[mail]\noverdue_list_limit = -1\n", &["overdue_list_limit"]),
];

#[test]
fn a_bad_configuration_is_exit_two_naming_the_key() {
    for (toml, words) in BAD {
        let env = Env::new(Engine::Sqlite, toml).unwrap();
        let r = env.run(&["check-config"]);
        assert_eq!(r.code(), 2, "{toml:?} was accepted:\n{}", r.stdout());
        for w in *words {
            assert!(r.stderr().contains(w), "error for {toml:?} lacks {w:?}: {}", r.stderr());
        }
        let r = env.run(&["tick"]);
        assert_eq!(r.code(), 2, "every command refuses a bad configuration");
    }
}

#[test]
fn a_database_url_of_another_engine_is_a_usage_error() {
    let env = Env::new(Engine::Sqlite, "[database]\nurl = \"mysql://x\"\n").unwrap();
    for args in [
        &["--config", env.path("conf").to_str().unwrap(), "check-config"][..],
        &["--database", "mysql://x", "tick"],
    ] {
        let r = std::process::Command::new(env!("CARGO_BIN_EXE_permit-followup"))
            .args(args)
            .current_dir(env.path(""))
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&r.stderr).contains("database.url"));
    }
}

#[test]
fn a_missing_config_path_is_a_usage_error() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_permit-followup"))
        .args(["--config", env.path("nope.toml").to_str().unwrap(), "check-config"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("nope.toml"));
}

#[test]
fn an_unreachable_database_is_exit_one_with_one_line() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    let r =
        env.command(&["tick"]).args(["--database", "postgres://nobody@127.0.0.1:1/none"]).output().unwrap();
    assert_eq!(r.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
}

#[test]
fn check_config_with_a_date_warns_of_a_unit_whose_capacity_cannot_keep_up() {
    // 30 study permits fall due within the week of 2027-03-01 against a capacity of 2 a week.
    let env = Env::new(
        Engine::Sqlite,
        "[grounds.study]\nfirst_review_after = \"1 year\"\nreview_every = \"1 year\"\nlead_time = \"0 days\"\n[units.study]\nweekly_capacity = 0\n",
    )
    .unwrap();
    let mut csv = crate::import::HEADER.to_string();
    for i in 0..30 {
        csv += &format!("S-{i},H-{i},,study,2026-03-0{},,active,,,\n", 1 + i % 6);
    }
    env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2026-12-01"]);
    let out = env.ok(&["check-config", "--now", "2027-01-01"]);
    let warning =
        out.lines().find(|l| l.starts_with("warning: unit study")).unwrap_or_else(|| panic!("{out}"));
    assert!(
        warning.contains("weekly capacity of 0") && warning.contains("0.6 periodic reviews"),
        "{warning}"
    );
    assert!(!out.lines().any(|l| l.starts_with("warning: unit work")), "{out}");
    let without = env.ok(&["check-config"]);
    assert!(without.contains("capacity check skipped: give --now"), "{without}");
    let unreadable = env
        .command(&["check-config", "--now", "2027-01-01"])
        .args(["--database", "postgres://nobody@127.0.0.1:1/none"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&unreadable.stdout);
    assert_eq!(unreadable.status.code(), Some(0));
    assert!(text.contains("capacity check skipped: cannot connect"), "{text}");
}

/// (configuration, the key the message must name): values of the wrong shape, which serde
/// would describe by the program's own type names.
const WRONG_SHAPE: &[(&str, &str)] = &[
    ("[units.study]\nweekly_capacity = -1\n", "units.study.weekly_capacity"),
    ("[units.study]\nweekly_capacity = \"lots\"\n", "units.study.weekly_capacity"),
    ("[units.study]\nweekly_capacity = 1.5\n", "units.study.weekly_capacity"),
    ("[units.study]\nweekly_capacity = 99999999999\n", "units.study.weekly_capacity"),
    ("[signals.income_reported]\nmin_monthly_sek = \"x\"\n", "min_monthly_sek"),
    ("[signals.income_reported]\nmin_monthly_sek = [5]\n", "min_monthly_sek"),
    ("[grounds]\nstudy = \"x\"\n", "grounds.study"),
    ("[units]\nstudy = 5\n", "units.study"),
    ("mail = 5\n", "mail"),
];

#[test]
fn a_value_of_the_wrong_shape_is_named_in_the_configurations_words_not_the_programs() {
    for (toml, key) in WRONG_SHAPE {
        let env = Env::new(Engine::Sqlite, toml).unwrap();
        let r = check(&env);
        assert_eq!(r.code(), 2, "{toml:?} was accepted");
        let stderr = r.stderr();
        assert!(stderr.contains(key), "{toml:?}: {stderr}");
        for internal in ["Raw", "untagged", "enum", "struct", "Limit(", "Word("] {
            assert!(!stderr.contains(internal), "{toml:?} shows {internal:?}: {stderr}");
        }
    }
}
