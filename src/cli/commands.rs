//! One function per command: read the flags, open what the command needs, run its job, print
//! its result; and [`failure`], which turns any error into the one line and the exit status the
//! contract gives it (docs/REFERENCE.md §7).

use super::output;
use super::time::parse_now;
use super::{
    CheckConfigArgs, Cli, Command, ImportArgs, ImportCommand, InputFormat, NotifyArgs, PlanArgs, ReportArgs,
    SignalState, StateFilter, TaskAction,
};
use crate::domain::calendar::today_in;
use crate::domain::ids::{PermitId, TaskId};
use crate::domain::import::ImportKind;
use crate::domain::signal;
use crate::domain::task::TaskState;
use crate::errors::{exit, UsageError};
use crate::jobs::close_task::CloseError;
use crate::jobs::import::read::Format;
use crate::jobs::import::{ImportError, ImportOptions};
use crate::jobs::notify::{self, NotifyOptions, Outbox};
use crate::settings::{ConfigError, Settings};
use crate::storage::{self, AnyConnection};

/// Runs a parsed command line and returns the exit status. An error that came from the
/// database names it (`storage::failure`).
pub fn execute(cli: Cli, settings: Settings) -> anyhow::Result<i32> {
    let (engine, lock_wait) = (settings.database.engine.clone(), settings.database.timeouts.lock);
    dispatch(cli, settings).map_err(|e| storage::failure::name_database(&engine, lock_wait, e))
}

fn dispatch(cli: Cli, settings: Settings) -> anyhow::Result<i32> {
    let source = crate::app::ConfigSource { path: cli.config.clone(), database: cli.database.clone() };
    match cli.command {
        Command::Run => crate::app::run_blocking(settings, source),
        Command::Migrate => migrate(&settings),
        Command::CheckConfig(args) => check_config(&settings, args),
        Command::Plan(args) => plan(&settings, (cli.config.as_deref(), cli.database.as_deref()), args),
        Command::Report(args) => report(&settings, args),
        Command::Import(ImportCommand::Permits(args)) => import(&settings, args, ImportKind::Permits),
        Command::Import(ImportCommand::Signals(args)) => import(&settings, args, ImportKind::Signals),
        Command::Signals { state, format } => {
            let state = state.map(|s| match s {
                SignalState::Pending => signal::SignalState::Pending,
                SignalState::Processed => signal::SignalState::Processed,
                SignalState::Unmatched => signal::SignalState::Unmatched,
            });
            let signals = storage::signals::list(&mut open_for_reading(&settings)?, state)?;
            print!("{}", output::signals(&signals, format)?);
            Ok(exit::OK)
        }
        Command::Tick(now) => {
            let now = parse_now(now.now.as_deref(), settings.schedule.timezone)?;
            let today = today_in(now, settings.schedule.timezone);
            let mut conn = open(&settings)?;
            let started = std::time::Instant::now();
            let report = crate::jobs::tick::tick(&mut conn, &settings.policy, today, now)?;
            print!("{}", output::tick(&report, started.elapsed()));
            Ok(exit::OK)
        }
        Command::Notify(args) => notify(&settings, args),
        Command::Tasks { action: Some(TaskAction::Close { id, outcome, note, now }), .. } => {
            let outcome = outcome.parse().map_err(UsageError)?;
            let now = parse_now(now.as_deref(), settings.schedule.timezone)?;
            let key = crate::privacy::PnKey::load_or_create(&settings.privacy_key_file)?;
            let note = crate::jobs::close_task::Note {
                text: &note,
                key: &key,
                today: today_in(now, settings.schedule.timezone),
            };
            let mut conn = open(&settings)?;
            crate::jobs::close_task::close_task(&mut conn, TaskId(id), outcome, &note, now)?;
            println!("task {id} closed: {outcome}");
            Ok(exit::OK)
        }
        Command::Tasks { action: None, list } => {
            let filter = storage::tasks::Filter {
                unit: list.unit,
                state: match list.state {
                    StateFilter::Open => Some(TaskState::Open),
                    StateFilter::Closed => Some(TaskState::Closed),
                    StateFilter::All => None,
                },
                permit: list.permit,
            };
            let mut conn = open_for_reading(&settings)?;
            if let Some(unit) = &filter.unit {
                check_unit(&mut conn, &settings, unit)?;
            }
            let tasks = storage::tasks::list(&mut conn, &filter)?;
            print!("{}", output::tasks(&tasks, list.format)?);
            Ok(exit::OK)
        }
        Command::Rejects(f) => {
            let rejects = storage::imports::rejects(&mut open_for_reading(&settings)?)?;
            print!("{}", output::rejects(&rejects, f.format)?);
            Ok(exit::OK)
        }
        Command::History { permit_id } => {
            let id = PermitId::parse(&permit_id).map_err(|e| UsageError(e.0))?;
            let events = storage::audit::for_permit(&mut open_for_reading(&settings)?, &id)?;
            if events.is_empty() {
                return Err(UsageError(format!("no history for permit {id}")).into());
            }
            print!("{}", output::history(&events));
            Ok(exit::OK)
        }
    }
}

/// The one line `main` prints for an error, and the exit status: 2 for a usage or
/// configuration error, 3 for rejected input records, 1 for anything else (a runtime failure).
pub fn failure(e: &anyhow::Error) -> (String, i32) {
    if let Some(e) = e.downcast_ref::<ImportError>() {
        return match e {
            ImportError::UnknownFormat { file } => (
                format!("{file}: cannot tell the format from the name; use --format csv or --format jsonl"),
                exit::USAGE,
            ),
            ImportError::NotJsonLines { .. } => (e.to_string(), exit::USAGE),
            ImportError::Unreadable { .. } => (e.to_string(), exit::RUNTIME),
            ImportError::Rejected { count, kept_valid, counts, kind } => {
                let rest = if *kept_valid {
                    format!("the valid ones were imported ({})", output::import_summary(*kind, counts))
                } else {
                    "nothing was imported".to_string()
                };
                (format!("{count} record(s) rejected; {rest}"), exit::REJECTED)
            }
        };
    }
    if e.downcast_ref::<crate::jobs::plan::PlanError>().is_some()
        || e.downcast_ref::<crate::jobs::report::ReportError>().is_some()
    {
        return (crate::errors::one_line(e), exit::USAGE);
    }
    if let Some(e) = e.downcast_ref::<CloseError>() {
        let line = match e {
            CloseError::EmptyNote => "--note must give the caseworker's reason".to_string(),
            CloseError::NoTask(_) => format!("{e}; `permit-followup tasks --state all` lists every task"),
            CloseError::AlreadyClosed { .. } => format!("{e}; its outcome is kept"),
        };
        return (line, exit::USAGE);
    }
    let status = if e.downcast_ref::<ConfigError>().is_some() || e.downcast_ref::<UsageError>().is_some() {
        exit::USAGE
    } else {
        exit::RUNTIME
    };
    (crate::errors::one_line(e), status)
}

/// Connects, and migrates when `database.migrate_on_start` allows (else asks for `migrate`).
pub fn open(settings: &Settings) -> anyhow::Result<AnyConnection> {
    let engine = &settings.database.engine;
    let mut conn = storage::connect_with(engine, &settings.database.timeouts)?;
    if storage::needs_migration(&mut conn)? {
        if !settings.database.migrate_on_start {
            anyhow::bail!(
                "the schema of {} is not up to date: run `permit-followup migrate`",
                engine.describe()
            );
        }
        storage::migrate(&mut conn)?;
    }
    Ok(conn)
}

/// `tasks --unit U` of a unit that is neither configured nor on any task is a usage error
/// rather than an empty list. A unit removed from the configuration whose tasks remain is
/// listed: those tasks wait for it (`notify` reports them).
fn check_unit(conn: &mut AnyConnection, settings: &Settings, unit: &str) -> anyhow::Result<()> {
    if settings.policy.units.contains_key(unit) {
        return Ok(());
    }
    let any = storage::tasks::Filter { unit: Some(unit.to_string()), ..storage::tasks::Filter::default() };
    if !storage::tasks::list(conn, &any)?.is_empty() {
        return Ok(());
    }
    let known: Vec<&str> = settings.policy.units.keys().map(String::as_str).collect();
    Err(UsageError(format!(
        "unknown unit {unit:?}: no [units.{unit}] in the configuration and no task of it (units: {})",
        known.join(", ")
    ))
    .into())
}

/// Connects for a command that only reads: as [`open`]; and when that fails on an SQLite file
/// that exists (a read-only file, folder or mount), reading it read-only instead. Should that
/// fail too, the first error is the one reported.
fn open_for_reading(settings: &Settings) -> anyhow::Result<AnyConnection> {
    let engine = &settings.database.engine;
    open(settings).or_else(|e| match engine {
        storage::Engine::Sqlite(path) if path.exists() => {
            storage::read_only::connect_read_only(engine, &settings.database.timeouts).map_err(|_| e)
        }
        _ => Err(e),
    })
}

fn migrate(settings: &Settings) -> anyhow::Result<i32> {
    let engine = &settings.database.engine;
    let mut conn = storage::connect_with(engine, &settings.database.timeouts)?;
    let applied = storage::migrate(&mut conn)?;
    crate::privacy::PnKey::load_or_create(&settings.privacy_key_file)?;
    println!("{}: {} migration(s) applied, schema up to date", engine.describe(), applied.len());
    Ok(exit::OK)
}

fn notify(settings: &Settings, args: NotifyArgs) -> anyhow::Result<i32> {
    let now = parse_now(args.now.as_deref(), settings.schedule.timezone)?;
    let today = today_in(now, settings.schedule.timezone);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let _inside = runtime.enter();
    let mailer = crate::mail::Mailer::new(&settings.mail)?;
    let conn = std::sync::Mutex::new(open(settings)?);
    let outbox = Outbox {
        mailer: &mailer,
        from: &settings.mail.from,
        language: settings.mail.language,
        inbox: settings.web.base_url.as_deref(),
    };
    let opts = NotifyOptions { retry_refused: args.retry_refused };
    let run = notify::notify(&conn, &settings.policy, &outbox, opts, today, now, std::future::pending());
    let report = runtime.block_on(run)?;
    print!("{}", output::notify(&report, &mailer.describe()));
    match output::notify_failure(&report) {
        None => Ok(exit::OK),
        Some(line) => anyhow::bail!(line),
    }
}

fn import(settings: &Settings, args: ImportArgs, kind: ImportKind) -> anyhow::Result<i32> {
    let now = parse_now(args.now.as_deref(), settings.schedule.timezone)?;
    let today = today_in(now, settings.schedule.timezone);
    let key = crate::privacy::PnKey::load_or_create(&settings.privacy_key_file)?;
    let opts = ImportOptions {
        file: crate::jobs::import::shown_path(&args.file, &key, today),
        path: args.file,
        format: args.format.map(|f| match f {
            InputFormat::Csv => Format::Csv,
            InputFormat::Jsonl => Format::Jsonl,
        }),
        skip_invalid: args.skip_invalid,
        now,
        today,
    };
    let mut conn = open(settings)?;
    let mut report_error = |e: &crate::jobs::import::read::RecordError| eprintln!("{e}");
    use crate::jobs::import::{permits, signals};
    let report = match kind {
        ImportKind::Permits => {
            permits::import_permits(&mut conn, &settings.policy, &key, &opts, &mut report_error)?
        }
        ImportKind::Signals => {
            signals::import_signals(&mut conn, &settings.policy, &key, &opts, &mut report_error)?
        }
    };
    println!("{}: {}", opts.file, output::import_summary(kind, &report.counts));
    Ok(exit::OK)
}

/// Reads a `--from`/`--to` date.
fn date(flag: &str, text: &str) -> Result<chrono::NaiveDate, UsageError> {
    crate::domain::calendar::parse_date(text)
        .ok_or_else(|| UsageError(format!("{flag} {text:?}: expected a date YYYY-MM-DD")))
}

fn plan(
    settings: &Settings,
    (config, database): (Option<&std::path::Path>, Option<&str>),
    args: PlanArgs,
) -> anyhow::Result<i32> {
    use crate::jobs::plan::{self as job, PlanRequest};
    let (from, to) = (date("--from", &args.from)?, date("--to", &args.to)?);
    let now = parse_now(args.now.as_deref(), settings.schedule.timezone)?;
    let req = PlanRequest {
        from,
        to,
        today: today_in(now, settings.schedule.timezone),
        signals_from_history: args.signals_from_history,
    };
    let mut conn = open(settings)?;
    let view_of = |current, proposed, estimate, proposed_policy| super::plan::PlanView {
        from,
        to,
        generated_at: now,
        policy: &settings.policy,
        current,
        proposed,
        estimate,
        proposed_policy,
        language: args.language.map_or(settings.web.language, Into::into),
    };
    let text = match &args.compare {
        None => {
            let (forecast, estimate) = job::plan(&mut conn, &settings.policy, req)?;
            super::plan::render(&view_of(&forecast, None, estimate.as_ref(), None), args.format)?
        }
        Some(path) => {
            let other = crate::settings::load_proposal(config, path, database)
                .map_err(|e| ConfigError(format!("--compare {}: {}", path.display(), e.0)))?;
            let (now_f, then_f, estimate) = job::compare(&mut conn, &settings.policy, &other.policy, req)?;
            let source = path.display().to_string();
            super::plan::render(
                &view_of(&now_f, Some((&then_f, source)), estimate.as_ref(), Some(&other.policy)),
                args.format,
            )?
        }
    };
    print!("{text}");
    Ok(exit::OK)
}

fn report(settings: &Settings, args: ReportArgs) -> anyhow::Result<i32> {
    let (from, to) = (date("--from", &args.from)?, date("--to", &args.to)?);
    let now = parse_now(args.now.as_deref(), settings.schedule.timezone)?;
    let mut conn = open(settings)?;
    let report =
        crate::jobs::report::report(&mut conn, &settings.policy, (from, to), settings.schedule.timezone)?;
    print!(
        "{}",
        super::report::render(
            &report,
            &settings.policy,
            (now, args.language.map_or(settings.web.language, Into::into)),
            args.format
        )?
    );
    Ok(exit::OK)
}

fn check_config(settings: &Settings, args: CheckConfigArgs) -> anyhow::Result<i32> {
    print!("{}", super::check_config::report(settings));
    let Some(now) = args.now.as_deref() else {
        println!(
            "\ncapacity check skipped: give --now DATE to hold capacities against the register's demand"
        );
        return Ok(exit::OK);
    };
    let today = today_in(parse_now(Some(now), settings.schedule.timezone)?, settings.schedule.timezone);
    let shortfalls = match open(settings)
        .and_then(|mut c| crate::jobs::plan::capacity_shortfalls(&mut c, &settings.policy, today))
    {
        Ok(s) => s,
        Err(e) => {
            println!("\ncapacity check skipped: {}", crate::errors::one_line(&e));
            return Ok(exit::OK);
        }
    };
    print!("{}", output::capacity(today, &shortfalls));
    Ok(exit::OK)
}
