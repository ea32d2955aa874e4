//! The command line (§7): clap definitions and one function per command.

mod output;
mod time;

use crate::errors::{exit, UsageError};
use crate::jobs::import::read::Format;
use crate::jobs::import::ImportOptions;
use crate::settings::Settings;
use crate::storage::{self, AnyConnection};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub use time::{parse_now, today_in};

/// Keeps every granted residence and work permit under follow-up.
#[derive(Debug, Parser)]
#[command(name = "permit-followup", version, about)]
pub struct Cli {
    /// A TOML file or a folder of them (default ./config, then /etc/permit-followup).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Overrides database.url: sqlite://PATH or postgres://...
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The daemon: ticks and digests on schedule until SIGTERM or SIGINT.
    Run,
    /// Creates or upgrades the schema (and the privacy key).
    Migrate,
    /// Imports permits or signals.
    #[command(subcommand)]
    Import(ImportCommand),
    /// One scheduling pass, then prints what it created and deferred.
    Tick(NowArg),
    /// Sends each unit with new tasks its digest, once.
    Notify(NowArg),
    /// Lists tasks, or closes one (`tasks close ID`).
    #[command(args_conflicts_with_subcommands = true)]
    Tasks {
        /// Close a task.
        #[command(subcommand)]
        action: Option<TaskAction>,
        /// Which tasks.
        #[command(flatten)]
        list: TaskListArgs,
    },
    /// Lists signals (never their personal numbers).
    Signals {
        /// Only signals in this state.
        #[arg(long, value_enum)]
        state: Option<SignalState>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Records rejected by --skip-invalid imports.
    Rejects(FormatArg),
    /// The audit trail of one permit.
    History {
        /// The permit.
        permit_id: String,
    },
    /// Validates the configuration and prints the effective policy.
    CheckConfig,
}

/// `import permits|signals FILE`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// The permit register: CSV or JSON lines.
    Permits(ImportArgs),
    /// A signal feed: JSON lines.
    Signals(ImportArgs),
}

/// Signal states to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignalState {
    /// Waiting for a tick, or for its person's permit.
    Pending,
    /// Turned into tasks or evidence.
    Processed,
    /// No permit for its person within `signals.unmatched_after`.
    Unmatched,
}

/// Options of an import.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file, or - for standard input.
    pub file: String,
    /// Overrides the format implied by the file name.
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,
    /// Import the valid records; keep the invalid ones in `rejects` (exit status still 3).
    #[arg(long)]
    pub skip_invalid: bool,
    /// The time of receipt: RFC 3339, or a date (12:00 local time).
    #[arg(long)]
    pub now: Option<String>,
}

/// `--format` of imports.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InputFormat {
    /// CSV with a header row.
    Csv,
    /// One JSON object a line.
    Jsonl,
}

/// `--now`.
#[derive(Debug, Args)]
pub struct NowArg {
    /// The current instant: RFC 3339, or a date (12:00 local time).
    #[arg(long)]
    pub now: Option<String>,
}

/// `--format table|json`.
#[derive(Debug, Args)]
pub struct FormatArg {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts.
    Json,
}

/// Task states to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StateFilter {
    /// Waiting for a caseworker.
    Open,
    /// Closed.
    Closed,
    /// Both.
    All,
}

/// `tasks [--unit U] [--state S] [--permit P] [--format F]`.
#[derive(Debug, Args)]
pub struct TaskListArgs {
    /// Only this unit.
    #[arg(long)]
    pub unit: Option<String>,
    /// Which states.
    #[arg(long, value_enum, default_value_t = StateFilter::Open)]
    pub state: StateFilter,
    /// Only this permit.
    #[arg(long)]
    pub permit: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// `tasks close`.
#[derive(Debug, Subcommand)]
pub enum TaskAction {
    /// Closes a task with an outcome and the caseworker's note.
    Close {
        /// The task id.
        id: i64,
        /// no_action, revocation_initiated or referred.
        #[arg(long)]
        outcome: String,
        /// The caseworker's reason (required; kept in the audit trail).
        #[arg(long)]
        note: String,
    },
}

/// Runs a parsed command line and returns the exit status.
pub fn execute(cli: Cli, settings: Settings) -> anyhow::Result<i32> {
    let source = crate::app::ConfigSource { path: cli.config.clone(), database: cli.database.clone() };
    match cli.command {
        Command::Run => crate::app::run_blocking(settings, source),
        Command::Migrate => migrate(&settings),
        Command::CheckConfig => {
            print!("{}", output::policy(&settings));
            Ok(exit::OK)
        }
        Command::Import(ImportCommand::Permits(args)) => import(&settings, args, Kind::Permits),
        Command::Import(ImportCommand::Signals(args)) => import(&settings, args, Kind::Signals),
        Command::Signals { state, format } => {
            let state = state.map(|s| match s {
                SignalState::Pending => "pending",
                SignalState::Processed => "processed",
                SignalState::Unmatched => "unmatched",
            });
            let rows = storage::signals::list(&mut open(&settings)?, state)?;
            print!("{}", output::signals(&rows, format)?);
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
        Command::Notify(now) => notify(&settings, now.now.as_deref()),
        Command::Tasks { action: Some(TaskAction::Close { id, outcome, note }), .. } => {
            let outcome = outcome.parse().map_err(UsageError)?;
            let now = parse_now(None, settings.schedule.timezone)?;
            let mut conn = open(&settings)?;
            crate::jobs::close_task::close_task(&mut conn, id, outcome, &note, now)?;
            println!("task {id} closed: {outcome}");
            Ok(exit::OK)
        }
        Command::Tasks { action: None, list } => {
            let filter = storage::tasks::Filter {
                unit: list.unit,
                open: match list.state {
                    StateFilter::Open => Some(true),
                    StateFilter::Closed => Some(false),
                    StateFilter::All => None,
                },
                permit: list.permit,
            };
            let rows = storage::tasks::list(&mut open(&settings)?, &filter)?;
            print!("{}", output::tasks(&rows, list.format)?);
            Ok(exit::OK)
        }
        Command::Rejects(f) => {
            let rows = storage::imports::rejects(&mut open(&settings)?)?;
            print!("{}", output::rejects(&rows, f.format)?);
            Ok(exit::OK)
        }
        Command::History { permit_id } => {
            let rows = storage::audit::for_permit(&mut open(&settings)?, &permit_id)?;
            if rows.is_empty() {
                return Err(UsageError(format!("no history for permit {permit_id}")).into());
            }
            print!("{}", output::history(&rows));
            Ok(exit::OK)
        }
    }
}

/// Connects, and migrates when `database.migrate_on_start` allows (else asks for `migrate`).
pub fn open(settings: &Settings) -> anyhow::Result<AnyConnection> {
    let engine = &settings.database.engine;
    let mut conn = storage::connect(engine)?;
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

fn migrate(settings: &Settings) -> anyhow::Result<i32> {
    let engine = &settings.database.engine;
    let mut conn = storage::connect(engine)?;
    let applied = storage::migrate(&mut conn)?;
    crate::privacy::PnKey::load_or_create(&settings.privacy_key_file)?;
    println!("{}: {} migration(s) applied, schema up to date", engine.describe(), applied.len());
    Ok(exit::OK)
}

fn notify(settings: &Settings, now: Option<&str>) -> anyhow::Result<i32> {
    let now = parse_now(now, settings.schedule.timezone)?;
    let today = today_in(now, settings.schedule.timezone);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // lettre's SMTP pool starts and stops tasks: create and drop the mailer inside the runtime.
    let _inside = runtime.enter();
    let mailer = crate::mail::Mailer::new(&settings.mail)?;
    let mut conn = open(settings)?;
    let send = |m: &crate::mail::Mailer, mail: &crate::mail::OutgoingMail| runtime.block_on(m.send(mail));
    let report = crate::jobs::notify::notify(
        &mut conn,
        &settings.policy,
        &settings.mail.from,
        &mailer,
        &send,
        today,
        now,
    )?;
    print!("{}", output::notify(&report, &mailer.describe()));
    if report.failed.is_empty() {
        return Ok(exit::OK);
    }
    let mut by_reason: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for (unit, why) in &report.failed {
        by_reason.entry(why).or_default().push(unit);
    }
    let reasons: Vec<String> =
        by_reason.iter().map(|(why, units)| format!("unit {}: {why}", units.join(", "))).collect();
    anyhow::bail!(
        "{} digest(s) not sent ({}); they stay pending and the next run retries them",
        report.failed.len(),
        reasons.join("; ")
    )
}

enum Kind {
    Permits,
    Signals,
}

fn import(settings: &Settings, args: ImportArgs, kind: Kind) -> anyhow::Result<i32> {
    let now = parse_now(args.now.as_deref(), settings.schedule.timezone)?;
    let opts = ImportOptions {
        file: args.file,
        format: args.format.map(|f| match f {
            InputFormat::Csv => Format::Csv,
            InputFormat::Jsonl => Format::Jsonl,
        }),
        skip_invalid: args.skip_invalid,
        now,
        today: today_in(now, settings.schedule.timezone),
    };
    let key = crate::privacy::PnKey::load_or_create(&settings.privacy_key_file)?;
    let mut conn = open(settings)?;
    let mut report_error = |e: &crate::jobs::import::read::RecordError| eprintln!("{e}");
    use crate::jobs::import::{permits, signals};
    let summary = match kind {
        Kind::Permits => permits::summary(
            &permits::import_permits(&mut conn, &settings.policy, &key, &opts, &mut report_error)?.counts,
        ),
        Kind::Signals => signals::summary(
            &signals::import_signals(&mut conn, &settings.policy, &key, &opts, &mut report_error)?.counts,
        ),
    };
    println!("{}: {summary}", opts.file);
    Ok(exit::OK)
}
