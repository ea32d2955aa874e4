//! A register file is streamed: the peak memory of `import permits` does not grow with the
//! file. The test imports a file once and then a file three times as long, both long enough
//! that the ids seen spill to disk (`jobs::import::seen`), and compares their peak resident
//! memory, as the operating system counts it for the whole process (GNU `time`). The long run
//! (`cargo test -- --ignored`) does the same with ten million lines.

use crate::helpers::{Engine, Env};
use std::io::Write;

/// The ceiling of issue 12 for any file (MiB).
const CEILING_MIB: u64 = 150;

/// How much more a file three or twenty times as long may take (MiB). Below about a million
/// rows SQLite's sorter and page cache have not reached their caps yet, so the peak still
/// rises a little; a map of the ids seen (16 bytes each, as before issue 12) would add about
/// 38 MiB a million.
const GROWTH_MIB: u64 = 16;

/// Writes a register of `lines` permits, each id once.
fn register(env: &Env, name: &str, lines: usize) -> String {
    let path = env.path(name);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(out, "permit_id,person_id,ground,valid_from,employer_org_no").unwrap();
    for i in 0..lines {
        writeln!(out, "UT-{i:08},P-{i:08},work,2026-{:02}-{:02},5560000001", i % 12 + 1, i % 28 + 1).unwrap();
    }
    out.flush().unwrap();
    path.display().to_string()
}

/// Imports `lines` permits into a fresh SQLite file; returns the peak memory in MiB.
fn peak_mib(lines: usize) -> u64 {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    let file = register(&env, "register.csv", lines);
    let usage = env.path("usage");
    let mut command = std::process::Command::new("/usr/bin/time");
    command.arg("-f").arg("%M").arg("-o").arg(&usage);
    let import = env.command(&["import", "permits", &file]);
    command.arg(import.get_program()).args(import.get_args()).current_dir(env.path(""));
    let out = command.output().expect("GNU time at /usr/bin/time measures the peak memory");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{lines} inserted")));
    let kib: u64 = std::fs::read_to_string(&usage).unwrap().trim().parse().unwrap();
    kib / 1024
}

fn assert_bounded(short: usize, long: usize) {
    let (a, b) = (peak_mib(short), peak_mib(long));
    eprintln!("peak memory: {a} MiB for {short} lines, {b} MiB for {long} lines");
    assert!(a <= CEILING_MIB && b <= CEILING_MIB, "{a} and {b} MiB against {CEILING_MIB}");
    assert!(
        b <= a + GROWTH_MIB,
        "{b} MiB for {long} lines against {a} MiB for {short}: memory grows with the file"
    );
}

#[test]
fn a_register_three_times_as_long_is_imported_in_the_same_bounded_memory() {
    assert_bounded(500_000, 1_500_000);
}

#[test]
#[ignore = "ten million lines take minutes; run with --ignored"]
fn a_register_of_ten_million_lines_is_imported_within_150_mib() {
    assert_bounded(500_000, 10_000_000);
}
