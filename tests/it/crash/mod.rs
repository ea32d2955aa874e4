//! The crash harness: imports, ticks and digest runs killed with SIGKILL at random moments on
//! both engines and both mail transports, and restarted, as systemd would restart them.
//!
//! Each world runs rounds of four passes — import a register file (new permits and changes to
//! earlier ones), import a signal feed, tick, notify — on dates months apart. Every pass is
//! first run once, whole, in a reference world, which times it; in the world under test it is
//! then started again and again and killed, until it has taken its share of kills: three
//! quarters of them at a moment drawn evenly from the start of the process to nine tenths of
//! the reference's time (start-up, reading, writing, the commit of a slower run), the rest just
//! after the pass printed its summary, which it does after its last commit (the commit is then
//! done, the connection closing — on SQLite the write-ahead log's checkpoint — and the process
//! exiting); then it runs to the end. Each digest run of the world starts 11 minutes after the
//! one before, as a restarted service would: a run killed while sending holds its digest for
//! the 10 minutes of its lease (docs/REFERENCE.md §6.3), and the next run takes it over then.
//! After every kill: the SQLite file passes `integrity_check`,
//! no task exists twice, the file being imported is in whole or not at all, each piece of the
//! tick is whole or absent (its signal piece, then its review pieces of `WRITE_CHUNK` tasks: each
//! task with its audit event and its permit's next review moved past it), and a digest is
//! marked sent exactly when its tasks are marked notified. After every pass: the tasks equal
//! the reference's — a tick run after one cut off between pieces completes the rest exactly —
//! and every notified task went out under exactly one Message-ID (repeats of the same message
//! allowed).
//!
//! `PERMIT_FOLLOWUP_CRASH_KILLS` is the number of kills over the four worlds (default 120);
//! `PERMIT_FOLLOWUP_CRASH_SEED` replays a run (the seed is printed).

mod data;
mod state;

use crate::both_engines;
use crate::helpers::{Engine, Env, Rng};
use crate::smtp_server::TestServer;
use data::{feed, register, CHANGED, PERMITS, ROUNDS, SIGNALS};
pub use state::{assert_each_task_in_one_message, mails_in, tasks};
use state::{assert_sound, count, progress};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Kills over the four worlds when the environment does not say.
const DEFAULT_KILLS: u64 = 120;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    File,
    Smtp,
}

/// When a kill comes.
#[derive(Clone, Copy)]
enum When {
    /// This long after the start.
    After(Duration),
    /// This long after the pass printed its summary: after its last commit, while it closes
    /// its connection (on SQLite, the checkpoint of the write-ahead log) and exits.
    AtItsOutput(Duration),
}

/// How the kills of a world fell: before the killed run's first commit, after one of its
/// commits, and in a run of a pass that had landed already (which must then change nothing).
#[derive(Default)]
struct Tally {
    before: u64,
    after: u64,
    again: u64,
}

/// A pass of a round.
#[derive(Clone, Copy, Debug)]
enum Pass {
    Permits,
    Signals,
    Tick,
    Notify,
}

struct World {
    env: Env,
    server: Option<TestServer>,
}

impl World {
    fn new(engine: Engine, transport: Transport) -> World {
        let server = (transport == Transport::Smtp).then(|| TestServer::start(None));
        let config = match &server {
            Some(s) => format!("[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\ntimeout_seconds = 5\n", s.port),
            None => String::new(),
        };
        World { env: Env::new(engine, &config).unwrap(), server }
    }

    /// The command line of `pass`; a digest run's is `attempt` × 11 minutes after 10:00 UTC.
    fn args(&self, pass: Pass, round: usize, attempt: u32) -> Vec<String> {
        let date = ROUNDS[round].to_string();
        let at = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
            .and_utc()
            + chrono::TimeDelta::minutes(11 * i64::from(attempt));
        let file = |name: String, content: fn(usize) -> String| {
            let path = self.env.path(&name);
            if !path.exists() {
                std::fs::write(&path, content(round)).unwrap();
            }
            path.display().to_string()
        };
        match pass {
            Pass::Permits => vec![
                "import".into(),
                "permits".into(),
                file(format!("r{round}.csv"), register),
                "--now".into(),
                date,
            ],
            Pass::Signals => vec![
                "import".into(),
                "signals".into(),
                file(format!("r{round}.jsonl"), feed),
                "--now".into(),
                date,
            ],
            Pass::Tick => vec!["tick".into(), "--now".into(), date],
            Pass::Notify => vec!["notify".into(), "--now".into(), at.to_rfc3339()],
        }
    }

    /// Runs a pass to the end; it must succeed. Returns how long it took.
    fn run(&self, pass: Pass, round: usize, attempt: u32) -> Duration {
        let started = Instant::now();
        let args = self.args(pass, round, attempt);
        let r = self.env.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(r.code(), 0, "{args:?}: {}", r.stderr());
        started.elapsed()
    }

    /// Starts the pass and kills it `when`; `false` when it had ended by then.
    fn kill(&self, pass: Pass, round: usize, attempt: u32, when: When) -> bool {
        let args = self.args(pass, round, attempt);
        let mut child = self
            .env
            .command(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait = match when {
            When::After(wait) => wait,
            When::AtItsOutput(wait) => {
                // Every pass prints its summary after its last commit, before it exits.
                let _ = std::io::Read::read(child.stdout.as_mut().unwrap(), &mut [0u8; 1]);
                wait
            }
        };
        std::thread::sleep(wait);
        let running = child.try_wait().unwrap().is_none();
        if running {
            child.kill().unwrap();
        }
        child.wait().unwrap();
        running
    }

    fn mails(&self) -> Vec<(String, String)> {
        match &self.server {
            Some(s) => mails_in(s.received().mails.iter().map(|(_, raw)| raw.clone())),
            None => mails_in(
                std::fs::read_dir(self.env.path("outbox"))
                    .into_iter()
                    .flatten()
                    .map(|f| std::fs::read(f.unwrap().path()).unwrap()),
            ),
        }
    }
}

/// The tasks a tick of `round` created: (signal tasks, periodic review tasks).
fn tick_tasks(env: &Env, round: usize) -> (i64, i64) {
    let of = |cause: &str| {
        count(
            env,
            &format!(
                "SELECT COUNT(*) AS n FROM tasks WHERE CAST(created_on AS TEXT) = '{}' AND {cause}",
                ROUNDS[round]
            ),
        )
    };
    (of("cause <> 'periodic_review'"), of("cause = 'periodic_review'"))
}

/// After a kill during a tick of `round`: each of its pieces is whole or absent, in order, and
/// each task with what its piece wrote beside it. True when the whole tick is there.
fn assert_whole_pieces(env: &Env, round: usize, (signal, periodic): (i64, i64)) -> bool {
    let (got_signal, got_periodic) = tick_tasks(env, round);
    let chunk = permit_followup::jobs::tick::WRITE_CHUNK as i64;
    assert!(got_signal == 0 || got_signal == signal, "the tick's signal piece left {got_signal} of {signal}");
    assert!(
        got_periodic == 0 || got_periodic == periodic || got_periodic % chunk == 0,
        "the tick's review pieces left {got_periodic} of {periodic}: half a piece"
    );
    assert!(got_periodic == 0 || got_signal == signal, "a review piece landed before the signal piece");
    let day = ROUNDS[round];
    let unaudited = count(
        env,
        &format!(
            "SELECT COUNT(*) AS n FROM tasks t WHERE CAST(t.created_on AS TEXT) = '{day}' AND NOT EXISTS \
             (SELECT 1 FROM audit_events a WHERE a.task_id = t.id AND a.event = 'task_created')"
        ),
    );
    assert_eq!(unaudited, 0, "tasks of the tick without their audit event");
    let unmoved = count(
        env,
        &format!(
            "SELECT COUNT(*) AS n FROM tasks t JOIN reviews r ON r.permit_id = t.permit_id \
             WHERE t.cause = 'periodic_review' AND CAST(t.created_on AS TEXT) = '{day}' \
             AND (r.last_occasion IS NULL OR CAST(r.last_occasion AS TEXT) < t.occasion)"
        ),
    );
    assert_eq!(unmoved, 0, "review tasks whose permit's next review did not move past them");
    got_signal + got_periodic == signal + periodic && signal + periodic > 0
}

/// After a kill during `pass` of `round`: its effect is all there or not at all (a tick's, piece
/// by piece). True when it is all there.
fn assert_whole_or_nothing(env: &Env, pass: Pass, round: usize, reference_tick: (i64, i64)) -> bool {
    let (n, whole) = match pass {
        Pass::Permits => {
            let moved = if round == 0 {
                0
            } else {
                count(
                    env,
                    &format!(
                        "SELECT COUNT(*) AS n FROM permits WHERE permit_id LIKE 'R{}-%' AND unit = 'other'",
                        round - 1
                    ),
                )
            };
            let new =
                count(env, &format!("SELECT COUNT(*) AS n FROM permits WHERE permit_id LIKE 'R{round}-%'"));
            if round > 0 {
                assert_eq!(new == 0, moved == 0, "new and changed permits of one file land together");
                assert!(
                    moved == 0 || moved == CHANGED as i64,
                    "{moved} of the file's {CHANGED} changes landed"
                );
            }
            (new, PERMITS as i64)
        }
        Pass::Signals => (
            count(env, &format!("SELECT COUNT(*) AS n FROM signals WHERE id LIKE 'sig-{round}-%'")),
            SIGNALS as i64,
        ),
        Pass::Tick => return assert_whole_pieces(env, round, reference_tick),
        Pass::Notify => return false,
    };
    assert!(n == 0 || n == whole, "{pass:?} of round {round} left {n} of {whole}: half a pass");
    n == whole && whole > 0
}

/// Kills `share` runs of `pass`: the first three quarters at a moment drawn evenly over most
/// of the reference's run, the rest just after the pass printed its summary. Checks the invariants
/// after each kill and returns the number of runs started.
fn kill_pass(
    world: &World,
    reference: &World,
    (pass, round): (Pass, usize),
    (share, took): (u64, Duration),
    rng: &mut Rng,
    tally: &mut Tally,
) -> u32 {
    let created = tick_tasks(&reference.env, round);
    let (mut killed, mut attempt, mut landed) = (0, 0, false);
    while killed < share {
        attempt += 1;
        let when = if killed < share - share.div_ceil(4) {
            // Up to 0.9 of the reference's time, so that the run is rarely over by then.
            When::After(Duration::from_millis(rng.below(took.as_millis() as u64 * 9 / 10 + 1)))
        } else {
            When::AtItsOutput(Duration::from_millis(rng.below(4)))
        };
        let was = progress(&world.env);
        if !world.kill(pass, round, attempt, when) {
            landed = true; // it ran to its end before the kill
            continue;
        }
        killed += 1;
        assert_sound(&world.env, &format!("a kill during {pass:?} of round {round}"));
        let whole = assert_whole_or_nothing(&world.env, pass, round, created);
        match (landed, progress(&world.env) != was) {
            (true, _) => tally.again += 1,
            (false, true) => tally.after += 1,
            (false, false) => tally.before += 1,
        }
        landed |= whole;
    }
    attempt
}

fn harness(engine: Engine, transport: Transport) {
    let total: u64 = std::env::var("PERMIT_FOLLOWUP_CRASH_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_KILLS);
    let quota = total.div_ceil(4);
    let seed = std::env::var("PERMIT_FOLLOWUP_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| chrono::Utc::now().timestamp_micros() as u64 | 1);
    let mut rng = Rng(seed);
    let (reference, world) = (World::new(engine, transport), World::new(engine, transport));
    for w in [&reference, &world] {
        w.env.ok(&["migrate"]);
    }
    let passes = [Pass::Permits, Pass::Signals, Pass::Tick, Pass::Notify];
    let mut tally = Tally::default();
    for (k, (round, pass)) in (0..ROUNDS.len()).flat_map(|r| passes.map(|p| (r, p))).enumerate() {
        let took = reference.run(pass, round, 0);
        let share = quota * (k as u64 + 1) / 16 - quota * k as u64 / 16;
        let attempts = kill_pass(&world, &reference, (pass, round), (share, took), &mut rng, &mut tally);
        world.run(pass, round, attempts + 1);
        let after = format!("{pass:?} of round {round} (seed {seed})");
        assert_sound(&world.env, &after);
        assert_eq!(tasks(&world.env), tasks(&reference.env), "the tasks after {after}");
        assert_each_task_in_one_message(&world.env, &tasks(&world.env), &world.mails(), &after);
    }
    let Tally { before, after, again } = tally;
    let mails = world.mails();
    assert!(!mails.is_empty() && tasks(&world.env).iter().any(|t| t.notified == 1));
    let distinct: std::collections::BTreeSet<&str> = mails.iter().map(|(id, _)| id.as_str()).collect();
    eprintln!(
        "crash harness ({engine:?}, {}): {} kills: {before} before the run's first commit, {after} after one \
         of its commits, {again} in a run of a pass that had landed; {} mails for {} Message-IDs; seed {seed}",
        if transport == Transport::Smtp { "SMTP" } else { "files" },
        before + after + again,
        mails.len(),
        distinct.len()
    );
    assert!(before + after + again >= quota, "{} kills of {quota}", before + after + again);
}

both_engines!(
    fn killed_at_random_moments_with_mail_as_files_nothing_is_lost_duplicated_or_half_done(engine) {
        harness(engine, Transport::File);
    }
);

both_engines!(
    fn killed_at_random_moments_with_mail_over_smtp_nothing_is_lost_duplicated_or_half_done(engine) {
        harness(engine, Transport::Smtp);
    }
);
