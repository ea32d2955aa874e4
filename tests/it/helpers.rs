//! One test environment per test: a temporary folder with its own configuration and a fresh
//! database on the engine under test (an SQLite file, or a PostgreSQL database created for the
//! test and dropped afterwards), and a way to run the real binary against it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// The engine a test body runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The server URL of the PostgreSQL suite (`PERMIT_FOLLOWUP_TEST_PG`, without a database name).
/// A test binary built without it marks its PostgreSQL tests ignored (`cfg(pg_tests)`, see
/// build.rs); under CI=true a missing variable is a failure.
pub fn pg_server() -> Option<String> {
    match std::env::var("PERMIT_FOLLOWUP_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_string()),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but PERMIT_FOLLOWUP_TEST_PG is not set: the PostgreSQL suite must run")
        }
        _ => None,
    }
}

/// The server URL for a PostgreSQL test that runs: a binary built with the variable but run
/// without it fails here rather than pass without touching a server.
pub fn require_pg_server() -> String {
    pg_server().unwrap_or_else(|| {
        panic!(
            "this test binary was built with PERMIT_FOLLOWUP_TEST_PG set, but it is not set now: \
             set it to the server (postgres://user@host:port) or rebuild without it"
        )
    })
}

/// Never ignored: under CI=true the PostgreSQL suite must be compiled in and have its server,
/// and anywhere a server given at run time must not meet a binary that ignores its tests.
#[test]
fn the_postgresql_suite_is_not_skipped_when_asked_for() {
    let at_run = std::env::var("PERMIT_FOLLOWUP_TEST_PG").is_ok_and(|v| !v.is_empty());
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        let set = |b: bool| if b { "set" } else { "not set" };
        assert!(
            cfg!(pg_tests) && at_run,
            "CI=true, but the PostgreSQL suite cannot run: PERMIT_FOLLOWUP_TEST_PG was {} when this \
             test binary was built and is {} now; it must be set for both",
            set(cfg!(pg_tests)),
            set(at_run),
        );
    }
    assert!(
        cfg!(pg_tests) || !at_run,
        "PERMIT_FOLLOWUP_TEST_PG is set, but this test binary was built without it and ignores \
         its PostgreSQL tests: build it with the variable set (`cargo test` does)"
    );
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A unique name for a database or folder.
pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}_{}_{}_{n}", std::process::id(), chrono::Utc::now().timestamp_micros() % 1_000_000_000)
}

/// A test's world: folder, configuration, database.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub engine: Engine,
    pub url: String,
    pg_drop: Option<(String, String)>,
}

impl Env {
    /// A fresh environment with `extra` TOML appended to the test configuration.
    pub fn new(engine: Engine, extra: &str) -> Option<Env> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg_drop) = match engine {
            Engine::Sqlite => (format!("sqlite://{}", dir.path().join("test.db").display()), None),
            Engine::Postgres => {
                let server = pg_server()?;
                let name = unique("pf_test");
                psql(&server, &format!("CREATE DATABASE {name}"));
                (format!("{server}/{name}"), Some((server, name)))
            }
        };
        let env = Env { dir, engine, url, pg_drop };
        env.write_config(extra);
        Some(env)
    }

    /// A connection to the environment's database, as the binary opens it.
    pub fn connect(&self) -> permit_followup::storage::AnyConnection {
        permit_followup::storage::connect(&permit_followup::storage::Engine::parse(&self.url).unwrap())
            .unwrap()
    }

    /// The environment's store, as the binary opens it, its schema migrated.
    pub fn store(&self) -> permit_followup::storage::Store {
        let engine = permit_followup::storage::Engine::parse(&self.url).unwrap();
        let store = permit_followup::storage::Store::open(&engine, Default::default()).unwrap();
        store.migrate().unwrap();
        store
    }

    /// Rewrites the configuration: a folder with the test's paths, then `extra` (merged key by key).
    pub fn write_config(&self, extra: &str) {
        let d = self.dir.path();
        let conf = d.join("conf");
        std::fs::create_dir_all(&conf).expect("config folder");
        let paths = format!(
            "[privacy]\nkey_file = \"{}\"\n[mail]\nfile_dir = \"{}\"\n[admin]\nlisten = \"\"\n",
            d.join("privacy.key").display(),
            d.join("outbox").display()
        );
        std::fs::write(conf.join("00-paths.toml"), paths).expect("write config");
        std::fs::write(conf.join("10-test.toml"), extra).expect("write config");
    }

    /// A path inside the test folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the test folder and returns its path as a string.
    pub fn file(&self, name: &str, content: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, content).expect("write file");
        p.display().to_string()
    }

    /// The binary with this environment's configuration and database.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_at(&self.url, args)
    }

    /// The binary with this environment's configuration and the database at `url` (a proxy in
    /// front of the environment's database, a server that never answers, ...).
    pub fn command_at(&self, url: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_permit-followup"));
        c.current_dir(self.dir.path())
            .arg("--config")
            .arg(self.path("conf"))
            .arg("--database")
            .arg(url)
            .args(args)
            .env_remove("PERMIT_FOLLOWUP_LOG")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("CREDENTIALS_DIRECTORY")
            .env("NO_COLOR", "1");
        for (k, _) in std::env::vars() {
            if k.starts_with("PERMIT_FOLLOWUP__") {
                c.env_remove(k);
            }
        }
        c
    }

    /// Runs the binary to the end.
    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.command(args).stdin(Stdio::null()).output().expect("run binary"))
    }

    /// Runs the binary with `input` on standard input.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn binary");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
        Run(child.wait_with_output().expect("wait"))
    }

    /// Runs the binary and insists on success.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code(), 0, "{args:?} failed:\n{}", r.stderr());
        r.stdout()
    }

    /// `tasks --state all --format json`, parsed.
    pub fn tasks(&self) -> Vec<serde_json::Value> {
        let out = self.ok(&["tasks", "--state", "all", "--format", "json"]);
        serde_json::from_str(&out).expect("tasks json")
    }

    /// The one number `sql` (`SELECT COUNT(*) AS n ...`) answers.
    pub fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        use diesel::RunQueryDsl;
        diesel::sql_query(sql).get_result::<N>(&mut self.connect()).unwrap().n
    }

    /// Every byte the database holds, for "never stored in clear" checks.
    pub fn database_dump(&self) -> Vec<u8> {
        match (&self.engine, &self.pg_drop) {
            (Engine::Sqlite, _) => {
                let mut all = Vec::new();
                for name in ["test.db", "test.db-wal"] {
                    if let Ok(bytes) = std::fs::read(self.path(name)) {
                        all.extend(bytes);
                    }
                }
                all
            }
            (Engine::Postgres, Some((server, name))) => {
                let out = Command::new("pg_dump")
                    .arg("--data-only")
                    .arg(format!("{server}/{name}"))
                    .output()
                    .expect("pg_dump");
                assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
                out.stdout
            }
            _ => unreachable!(),
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg_drop {
            psql(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn psql(server: &str, sql: &str) {
    let out = Command::new("psql")
        .arg(format!("{server}/postgres"))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("psql must be installed for the PostgreSQL suite");
    assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A finished run of the binary.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
}

/// The repository's own files (examples).
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Defines a test that runs `$body` once on SQLite and once on PostgreSQL; the PostgreSQL one is
/// ignored in a test binary built without PERMIT_FOLLOWUP_TEST_PG.
#[macro_export]
macro_rules! both_engines {
    ($(#[$m:meta])* fn $name:ident($env:ident) $body:block) => {
        $(#[$m])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($env: $crate::helpers::Engine) $body
            #[test]
            fn sqlite() {
                body($crate::helpers::Engine::Sqlite)
            }
            #[test]
            #[cfg_attr(not(pg_tests), ignore = "no PostgreSQL: set PERMIT_FOLLOWUP_TEST_PG=postgres://... to run")]
            fn postgres() {
                $crate::helpers::require_pg_server();
                body($crate::helpers::Engine::Postgres)
            }
        }
    };
}

/// A small random number generator (xorshift), seeded so that a failing case can be replayed.
pub struct Rng(pub u64);

impl Rng {
    /// A number below `n` (0 for `n` = 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}
