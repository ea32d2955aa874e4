//! One function per command: read the flags, open what the command needs, run its job, print
//! its result; and [`failure`], which turns any error into the one line and the exit status the
//! contract gives it (docs/REFERENCE.md §7): the line from the use case's error (the database
//! named), the status from its kind alone.

use super::output;
use super::time::parse_now;
use super::{
    CheckConfigArgs, Cli, Command, ImportArgs, ImportCommand, InputFormat, NavetArgs, NotifyArgs, PlanArgs,
    ReportArgs, SignalState, StateFilter, TaskAction, TokenCommand,
};
use crate::domain::calendar::today_in;
use crate::domain::expectation::Cover;
use crate::domain::ids::{quoted, PermitId, TaskId};
use crate::domain::import::ImportKind;
use crate::domain::keys::UnitKey;
use crate::domain::signal;
use crate::domain::task::TaskState;
use crate::errors::{exit, ErrorKind, UsageError};
use crate::jobs::close_task::CloseError;
use crate::jobs::import::read::Format;
use crate::jobs::import::{ImportError, ImportOptions};
use crate::jobs::notify::{self, NotifyError, NotifyOptions, Outbox};
use crate::jobs::plan::PlanError;
use crate::jobs::report::ReportError;
use crate::jobs::tick::TickError;
use crate::jobs::tokens::TokenError;
use crate::settings::{ConfigError, DatabaseSettings, Settings};
use crate::storage::{self, Options, Store};

/// Why a command failed: a use case's own error, or the command line's.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Used wrongly.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// A configuration that cannot be used (`--compare`).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database, for a command that only reads or migrates.
    #[error(transparent)]
    Store(#[from] storage::Error),
    /// `import`.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// `tick`.
    #[error(transparent)]
    Tick(#[from] TickError),
    /// `notify`.
    #[error(transparent)]
    Notify(#[from] NotifyError),
    /// Digests `notify` could not send (what it printed says which).
    #[error("{0}")]
    NotSent(String),
    /// `tasks close`.
    #[error(transparent)]
    Close(#[from] CloseError),
    /// `plan`.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// `report`.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// `tokens`.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Anything else of the command's own: the daemon's start, the privacy key, the mail
    /// settings, what it prints.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    /// Its classification: the use case's own.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CliError::Usage(_) => ErrorKind::Usage,
            CliError::Config(_) => ErrorKind::Config,
            CliError::Store(e) => e.kind(),
            CliError::Import(e) => e.kind(),
            CliError::Tick(e) => e.kind(),
            CliError::Notify(e) => e.kind(),
            CliError::NotSent(_) => ErrorKind::Unavailable,
            CliError::Close(e) => e.kind(),
            CliError::Plan(e) => e.kind(),
            CliError::Report(e) => e.kind(),
            CliError::Token(e) => e.kind(),
            CliError::Other(_) => ErrorKind::Internal,
        }
    }
}

/// A failed command: the one line `main` prints, and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The line.
    pub line: String,
    /// The exit status.
    pub status: i32,
}

/// Runs a parsed command line and returns the exit status, or the failure.
pub fn execute(cli: Cli, settings: Settings) -> Result<i32, Failure> {
    let database = settings.database.clone();
    dispatch(cli, settings).map_err(|e| failure(&e, &database))
}

fn dispatch(cli: Cli, settings: Settings) -> Result<i32, CliError> {
    let source = crate::app::ConfigSource { path: cli.config.clone(), database: cli.database.clone() };
    match cli.command {
        Command::Run => Ok(crate::app::run_blocking(settings, source)?),
        Command::Serve => {
            let store = Store::open_with(
                &settings.database.engine,
                settings.database.timeouts,
                Options {
                    connections: Some(crate::web::CONNECTIONS),
                    checkpoint_in_background: true,
                    ..Options::default()
                },
            )?;
            store.ensure_schema(settings.database.migrate_on_start)?;
            Ok(crate::app::serve_blocking(settings, source, store)?)
        }
        Command::Migrate => migrate(&settings),
        Command::CheckConfig(args) => check_config(&settings, args),
        Command::Plan(args) => plan(&settings, (cli.config.as_deref(), cli.database.as_deref()), args),
        Command::Report(args) => report(&settings, args),
        Command::Import(ImportCommand::Permits(args)) => import(&settings, args, (ImportKind::Permits, &[])),
        Command::Import(ImportCommand::Signals(args)) => {
            let covers = args
                .covers
                .iter()
                .map(|c| Cover::parse(c).map_err(|e| UsageError(format!("--covers {}: {e}", quoted(c)))))
                .collect::<Result<Vec<_>, _>>()?;
            import(&settings, args.common, (ImportKind::Signals, &covers))
        }
        Command::Import(ImportCommand::Navet(NavetArgs { file, skip_invalid, now })) => {
            let args = ImportArgs { file, format: None, skip_invalid, now };
            import(&settings, args, (ImportKind::Navet, &[]))
        }
        Command::Signals { state, format } => {
            let state = state.map(|s| match s {
                SignalState::Pending => signal::SignalState::Pending,
                SignalState::Processed => signal::SignalState::Processed,
                SignalState::Unmatched => signal::SignalState::Unmatched,
            });
            let store = open_for_reading(&settings)?;
            let signals = store.read(|tx| storage::signals::list(tx, state))?;
            print!("{}", output::signals(&signals, format)?);
            if format == super::OutputFormat::Table {
                print!("{}", output::covered_line(&store.read(storage::expectations::list)?));
            }
            Ok(exit::OK)
        }
        Command::Tick(now) => {
            let now = parse_now(now.now.as_deref(), settings.schedule.timezone)?;
            let today = today_in(now, settings.schedule.timezone);
            let store = open(&settings)?;
            let started = std::time::Instant::now();
            let report = crate::jobs::tick::tick(&store, &settings.policy, today, now)?;
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
            let store = open(&settings)?;
            let caller = crate::domain::access::Caller::cli(&os_user());
            crate::jobs::close_task::close_task(&store, &caller, (TaskId(id), None), (outcome, &note), now)?;
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
            let store = open_for_reading(&settings)?;
            if let Some(unit) = &filter.unit {
                check_unit(&store, &settings, unit)?;
            }
            let tasks = store.read(|tx| storage::tasks::list(tx, &filter))?;
            print!("{}", output::tasks(&tasks, list.format)?);
            Ok(exit::OK)
        }
        Command::Tokens(command) => tokens(&settings, command),
        Command::Coverage(f) => {
            let covered = open_for_reading(&settings)?.read(storage::expectations::list)?;
            print!("{}", output::coverage(&covered, f.format)?);
            Ok(exit::OK)
        }
        Command::Rejects(f) => {
            let rejects = open_for_reading(&settings)?.read(storage::imports::rejects)?;
            print!("{}", output::rejects(&rejects, f.format)?);
            Ok(exit::OK)
        }
        Command::History { permit_id } => {
            let id = PermitId::parse(&permit_id).map_err(|e| UsageError(e.0))?;
            let events = open_for_reading(&settings)?.read(|tx| storage::audit::for_permit(tx, &id))?;
            if events.is_empty() {
                return Err(UsageError(format!("no history for permit {id}")).into());
            }
            print!("{}", output::history(&events));
            Ok(exit::OK)
        }
    }
}

/// The one line `main` prints for a failed command, and its exit status: the line from the
/// error, in the command line's words where a flag can help, with the database named
/// (`storage::failure::describe`); the status from its kind alone — the one place where a
/// kind becomes an exit status.
pub fn failure(e: &CliError, database: &DatabaseSettings) -> Failure {
    let named = |e: &storage::Error| storage::failure::describe(&database.engine, database.timeouts.lock, e);
    let line = match e {
        CliError::Import(ImportError::UnknownFormat { file }) => {
            format!("{file}: cannot tell the format from the name; use --format csv or --format jsonl")
        }
        CliError::Import(ImportError::Rejected { count, kept_valid, counts, kind }) => {
            let rest = if *kept_valid {
                format!("the valid ones were imported ({})", output::import_summary(*kind, counts))
            } else {
                "nothing was imported".to_string()
            };
            format!("{count} record(s) rejected; {rest}")
        }
        CliError::Import(ImportError::Store { file, source }) => {
            format!("import of {file} failed; nothing was imported: {}", named(source))
        }
        CliError::Close(CloseError::EmptyNote) => "--note must give the caseworker's reason".to_string(),
        CliError::Close(e @ CloseError::NoTask(_)) => {
            format!("{e}; `permit-followup tasks --state all` lists every task")
        }
        CliError::Close(e @ CloseError::AlreadyClosed { .. }) => format!("{e}; its outcome is kept"),
        CliError::Store(e)
        | CliError::Tick(TickError::Store(e))
        | CliError::Notify(NotifyError::Store(e))
        | CliError::Close(CloseError::Store(e))
        | CliError::Plan(PlanError::Store(e))
        | CliError::Report(ReportError::Store(e))
        | CliError::Token(TokenError::Store(e)) => named(e),
        CliError::Other(e) => crate::errors::one_line(e),
        e => crate::errors::error_line(e),
    };
    Failure { line, status: status(e.kind()) }
}

/// The exit status of a failure of `kind` (docs/REFERENCE.md §7.7).
fn status(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::Usage
        | ErrorKind::Config
        | ErrorKind::Invalid
        | ErrorKind::NotFound
        | ErrorKind::Conflict
        | ErrorKind::Forbidden
        | ErrorKind::Stale => exit::USAGE,
        ErrorKind::Rejected => exit::REJECTED,
        ErrorKind::Unavailable | ErrorKind::Internal => exit::RUNTIME,
    }
}

/// `tokens create|list|revoke`.
fn tokens(settings: &Settings, command: TokenCommand) -> Result<i32, CliError> {
    use crate::domain::access::{Grant, Role, Units};
    let now = chrono::Utc::now();
    let at = storage::Stamp::new(now, today_in(now, settings.schedule.timezone));
    match command {
        TokenCommand::Create { name, role, units, expires } => {
            let role = Role::parse(&role).map_err(|e| UsageError(format!("--role: {e}")))?;
            let units = Units::parse(&units).map_err(|e| UsageError(format!("--unit: {e}")))?;
            if let Units::Some(keys) = &units {
                if let Some(u) = keys.iter().find(|u| !settings.policy.units.contains_key(*u)) {
                    return Err(UsageError(format!(
                        "--unit: unknown unit {u:?}; the units are those under [units]"
                    ))
                    .into());
                }
            }
            let expires = expires.map(|d| date("--expires", &d)).transpose()?;
            let store = open(settings)?;
            let secret =
                crate::jobs::tokens::create_token(&store, &name, Grant { role, units }, expires, at)?;
            println!("{secret}");
            eprintln!(
                "token {name} created; its secret above is shown only now: keep it where the system reads it"
            );
        }
        TokenCommand::List(f) => {
            let tokens = crate::jobs::tokens::list_tokens(&open_for_reading(settings)?)?;
            print!("{}", output::tokens(&tokens, f.format, at.today)?);
        }
        TokenCommand::Revoke { name } => {
            crate::jobs::tokens::revoke_token(&open(settings)?, &name, at)?;
            println!("token {name} revoked");
        }
    }
    Ok(exit::OK)
}

/// The operating-system user running the command, for the actor `cli:USER`: `$USER`, else
/// `$LOGNAME`, else the name of the process's user id in `/etc/passwd`, else `uid-N`.
fn os_user() -> String {
    let named = |v: &str| std::env::var(v).ok().filter(|u| !u.trim().is_empty());
    if let Some(user) = named("USER").or_else(|| named("LOGNAME")) {
        return user;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or("unknown")
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2] == uid)
        .map_or_else(|| format!("uid-{uid}"), |f| f[0].to_string())
}

/// Opens the store, and migrates when `database.migrate_on_start` allows (else asks for
/// `migrate`).
pub fn open(settings: &Settings) -> Result<Store, storage::Error> {
    let store = Store::open(&settings.database.engine, settings.database.timeouts)?;
    store.ensure_schema(settings.database.migrate_on_start)?;
    Ok(store)
}

/// `tasks --unit U` of a unit that is neither configured nor on any task is a usage error
/// rather than an empty list. A unit removed from the configuration whose tasks remain is
/// listed: those tasks wait for it (`notify` reports them).
fn check_unit(store: &Store, settings: &Settings, unit: &str) -> Result<(), CliError> {
    if settings.policy.units.contains_key(unit) {
        return Ok(());
    }
    let any = storage::tasks::Filter { unit: Some(unit.to_string()), ..storage::tasks::Filter::default() };
    if !store.read(|tx| storage::tasks::list(tx, &any))?.is_empty() {
        return Ok(());
    }
    let known: Vec<&str> = settings.policy.units.keys().map(UnitKey::as_str).collect();
    Err(UsageError(format!(
        "unknown unit {unit:?}: no [units.{unit}] in the configuration and no task of it (units: {})",
        known.join(", ")
    ))
    .into())
}

/// Opens the store for a command that only reads: as [`open`]; and when that fails on an
/// SQLite file that exists (a read-only file, folder or mount), reading it read-only instead.
/// Should that fail too, the first error is the one reported.
fn open_for_reading(settings: &Settings) -> Result<Store, storage::Error> {
    let (engine, timeouts) = (&settings.database.engine, settings.database.timeouts);
    open(settings).or_else(|e| match engine {
        storage::Engine::Sqlite(path) if path.exists() => {
            let read_only = Options { read_only: true, ..Options::default() };
            Store::open_with(engine, timeouts, read_only)
                .and_then(|store| store.ensure_schema(false).map(|_| store))
                .map_err(|_| e)
        }
        _ => Err(e),
    })
}

fn migrate(settings: &Settings) -> Result<i32, CliError> {
    let engine = &settings.database.engine;
    let applied = Store::open(engine, settings.database.timeouts)?.migrate()?;
    crate::privacy::PnKey::load_or_create(&settings.privacy_key_file)?;
    println!("{}: {} migration(s) applied, schema up to date", engine.describe(), applied.len());
    Ok(exit::OK)
}

fn notify(settings: &Settings, args: NotifyArgs) -> Result<i32, CliError> {
    let now = parse_now(args.now.as_deref(), settings.schedule.timezone)?;
    let today = today_in(now, settings.schedule.timezone);
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(anyhow::Error::from)?;
    let _inside = runtime.enter();
    let mailer = crate::mail::Mailer::new(&settings.mail)?;
    let store = open(settings)?;
    let outbox = Outbox {
        mailer: &mailer,
        from: &settings.mail.from,
        language: settings.mail.language,
        inbox: settings.web.base_url.as_deref(),
    };
    let opts = NotifyOptions { retry_refused: args.retry_refused };
    let run = notify::notify(&store, &settings.policy, &outbox, opts, today, now, std::future::pending());
    let report = runtime.block_on(run)?;
    print!("{}", output::notify(&report, &mailer.describe()));
    match output::notify_failure(&report) {
        None => Ok(exit::OK),
        Some(line) => Err(CliError::NotSent(line)),
    }
}

fn import(
    settings: &Settings,
    args: ImportArgs,
    (kind, covers): (ImportKind, &[Cover]),
) -> Result<i32, CliError> {
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
    let store = open(settings)?;
    let mut report_error = |e: &crate::jobs::import::read::RecordError| eprintln!("{e}");
    use crate::jobs::import::{navet, permits, signals};
    let report = match kind {
        ImportKind::Permits => {
            permits::import_permits(&store, &settings.policy, &key, &opts, &mut report_error)?
        }
        ImportKind::Signals => {
            let report = signals::import_signals_covering(
                &store,
                &settings.policy,
                &key,
                &opts,
                covers,
                &mut report_error,
            );
            if let (Err(ImportError::Rejected { kept_valid: true, .. }), false) = (&report, covers.is_empty())
            {
                eprintln!(
                    "{}: the periods of --covers were not declared: a feed with rejected records is not complete (import the corrected records with --covers again)",
                    opts.file
                );
            }
            report?
        }
        ImportKind::Navet => {
            let report = navet::import_navet(&store, &key, &opts, &mut report_error)?;
            print!("{}", output::navet_summary(&opts.file, &report));
            return Ok(exit::OK);
        }
    };
    println!("{}: {}", opts.file, output::import_summary(kind, &report.counts));
    print!("{}", output::covers(&report.covers));
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
) -> Result<i32, CliError> {
    use crate::jobs::plan::{self as job, PlanRequest};
    let (from, to) = (date("--from", &args.from)?, date("--to", &args.to)?);
    let now = parse_now(args.now.as_deref(), settings.schedule.timezone)?;
    let req = PlanRequest {
        from,
        to,
        today: today_in(now, settings.schedule.timezone),
        signals_from_history: args.signals_from_history,
    };
    let store = open(settings)?;
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
            let (forecast, estimate) = job::plan(&store, &settings.policy, req)?;
            super::plan::render(&view_of(&forecast, None, estimate.as_ref(), None), args.format)?
        }
        Some(path) => {
            let other = crate::settings::load_proposal(config, path, database)
                .map_err(|e| ConfigError(format!("--compare {}: {}", path.display(), e.0)))?;
            let (now_f, then_f, estimate) = job::compare(&store, &settings.policy, &other.policy, req)?;
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

fn report(settings: &Settings, args: ReportArgs) -> Result<i32, CliError> {
    let (from, to) = (date("--from", &args.from)?, date("--to", &args.to)?);
    let now = parse_now(args.now.as_deref(), settings.schedule.timezone)?;
    let store = open(settings)?;
    let report =
        crate::jobs::report::report(&store, &settings.policy, (from, to), settings.schedule.timezone)?;
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

fn check_config(settings: &Settings, args: CheckConfigArgs) -> Result<i32, CliError> {
    print!("{}", super::check_config::report(settings));
    let Some(now) = args.now.as_deref() else {
        println!(
            "\ncapacity check skipped: give --now DATE to hold capacities against the register's demand"
        );
        return Ok(exit::OK);
    };
    let today = today_in(parse_now(Some(now), settings.schedule.timezone)?, settings.schedule.timezone);
    let shortfalls = match open(settings)
        .map_err(PlanError::from)
        .and_then(|store| crate::jobs::plan::capacity_shortfalls(&store, &settings.policy, today))
    {
        Ok(s) => s,
        Err(e) => {
            println!("\ncapacity check skipped: {}", failure(&e.into(), &settings.database).line);
            return Ok(exit::OK);
        }
    };
    print!("{}", output::capacity(today, &shortfalls));
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_the_exit_status_the_reference_gives_it() {
        assert_eq!(status(ErrorKind::Rejected), exit::REJECTED);
        for kind in [
            ErrorKind::Usage,
            ErrorKind::Config,
            ErrorKind::Invalid,
            ErrorKind::NotFound,
            ErrorKind::Conflict,
            ErrorKind::Forbidden,
        ] {
            assert_eq!(status(kind), exit::USAGE, "{kind:?}");
        }
        assert_eq!(status(ErrorKind::Unavailable), exit::RUNTIME);
        assert_eq!(status(ErrorKind::Internal), exit::RUNTIME);
    }

    #[test]
    fn a_database_error_is_named_and_a_close_is_worded_for_the_command_line() {
        let database = DatabaseSettings {
            engine: storage::Engine::Sqlite("var/x.db".into()),
            migrate_on_start: true,
            timeouts: storage::DatabaseTimeouts::default(),
        };
        let failed =
            failure(&CliError::Tick(TickError::Store(diesel::result::Error::NotFound.into())), &database);
        assert_eq!(
            failed,
            Failure { line: "SQLite file var/x.db: Record not found".into(), status: exit::RUNTIME }
        );
        let failed = failure(&CliError::Close(CloseError::EmptyNote), &database);
        assert_eq!(
            failed,
            Failure { line: "--note must give the caseworker's reason".into(), status: exit::USAGE }
        );
    }
}
