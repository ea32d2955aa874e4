//! The command line (docs/REFERENCE.md §7): the clap definitions here, one function per
//! command in [`commands`], what they print in `output`. The CLI is what maps a job's result
//! to words and exit statuses; the jobs know nothing of flags or exit codes.

mod check_config;
mod commands;
mod output;
mod page;
mod plan;
mod report;
mod time;
mod yields;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub use commands::{execute, failure, CliError, Failure};
pub use time::parse_now;

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
    /// The task API alone ([web] listen), no passes, until SIGTERM or SIGINT.
    Serve,
    /// Creates or upgrades the schema (and the privacy key).
    Migrate,
    /// Imports permits or signals.
    #[command(subcommand)]
    Import(ImportCommand),
    /// One scheduling pass, then prints what it created and deferred.
    Tick(NowArg),
    /// Sends each unit with new tasks its digest, once.
    Notify(NotifyArgs),
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
    /// The periods signal feeds declared complete (`import signals --covers`).
    Coverage(FormatArg),
    /// The audit trail of one permit.
    History {
        /// The permit.
        permit_id: String,
    },
    /// Forecasts the periodic workload of the configuration, and of a proposed one beside it.
    Plan(PlanArgs),
    /// What the follow-up produced in a period: tasks, outcomes, days to close, signals, digests.
    Report(ReportArgs),
    /// Validates the configuration and prints the effective policy.
    CheckConfig(CheckConfigArgs),
    /// API tokens of systems: `tokens create|list|revoke`.
    #[command(subcommand)]
    Tokens(TokenCommand),
}

/// `tokens create|list|revoke`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Makes a token and prints its secret, once (only its SHA-256 is kept).
    Create {
        /// Its name (1 to 64 of A-Z a-z 0-9 - _ .); the actor is token:NAME.
        name: String,
        /// caseworker, manager, auditor or integration.
        #[arg(long)]
        role: String,
        /// A unit it may act on; repeat for more, or "*" for all.
        #[arg(long = "unit", required = true)]
        units: Vec<String>,
        /// The last day it is accepted (YYYY-MM-DD); default: no end.
        #[arg(long)]
        expires: Option<String>,
    },
    /// Lists the tokens (never their secrets).
    List(FormatArg),
    /// Ends a token at once.
    Revoke {
        /// Its name.
        name: String,
    },
}

/// A language of the `plan` and `report` pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LanguageArg {
    /// English.
    En,
    /// Swedish.
    Sv,
}

impl From<LanguageArg> for crate::i18n::Language {
    fn from(l: LanguageArg) -> Self {
        match l {
            LanguageArg::En => crate::i18n::Language::En,
            LanguageArg::Sv => crate::i18n::Language::Sv,
        }
    }
}

/// `plan --from DATE --to DATE [--compare CONFIG] [--signals-from-history WEEKS] [--format F]`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The first day to simulate (YYYY-MM-DD).
    #[arg(long)]
    pub from: String,
    /// The last day to simulate (YYYY-MM-DD), included.
    #[arg(long)]
    pub to: String,
    /// A proposed configuration (a TOML file or a folder of them) to forecast beside the one in force.
    #[arg(long, value_name = "CONFIG")]
    pub compare: Option<PathBuf>,
    /// Reserve each unit's average weekly signal tasks of the last WEEKS weeks (an estimate).
    #[arg(long, value_name = "WEEKS")]
    pub signals_from_history: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PageFormat::Table)]
    pub format: PageFormat,
    /// The current instant (RFC 3339, or a date): the generated-at stamp, and where the signal history ends.
    #[arg(long)]
    pub now: Option<String>,
    /// The language of the HTML page: en or sv (default: [web] language).
    #[arg(long, value_enum)]
    pub language: Option<LanguageArg>,
}

/// `report --from DATE --to DATE [--format F]`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The period's first day (YYYY-MM-DD).
    #[arg(long)]
    pub from: String,
    /// The period's last day (YYYY-MM-DD), included.
    #[arg(long)]
    pub to: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PageFormat::Table)]
    pub format: PageFormat,
    /// The current instant (RFC 3339, or a date): the generated-at stamp.
    #[arg(long)]
    pub now: Option<String>,
    /// The language of the HTML page: en or sv (default: [web] language).
    #[arg(long, value_enum)]
    pub language: Option<LanguageArg>,
}

/// `check-config [--now DATE]`.
#[derive(Debug, Args)]
pub struct CheckConfigArgs {
    /// Also hold each unit's weekly capacity against the register's periodic demand of the 52
    /// weeks from this day (reads the database).
    #[arg(long)]
    pub now: Option<String>,
}

/// Formats of `plan` and `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PageFormat {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts.
    Json,
    /// CSV for spreadsheets.
    Csv,
    /// A self-contained HTML page with charts.
    Html,
}

/// `import permits|signals|navet FILE`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// The permit register: CSV or JSON lines.
    Permits(ImportArgs),
    /// A signal feed: JSON lines.
    Signals(SignalImportArgs),
    /// A Tax Agency Navet notification file (XML): signals derived from what changed.
    Navet(NavetArgs),
}

/// Options of `import signals`.
#[derive(Debug, Args)]
pub struct SignalImportArgs {
    /// What every import reads.
    #[command(flatten)]
    pub common: ImportArgs,
    /// The feed holds every report of KIND for the period: KIND:LABEL=FROM..TO, or KIND:YYYY-MM
    /// for a month; repeat for more (docs/REFERENCE.md §13).
    #[arg(long = "covers", value_name = "KIND:LABEL[=FROM..TO]")]
    pub covers: Vec<String>,
}

/// Options of `import navet`.
#[derive(Debug, Args)]
pub struct NavetArgs {
    /// The file, or - for standard input.
    pub file: String,
    /// Import the valid records; keep the invalid ones in `rejects` (exit status still 3).
    #[arg(long)]
    pub skip_invalid: bool,
    /// The time of receipt: RFC 3339, or a date (12:00 local time).
    #[arg(long)]
    pub now: Option<String>,
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

/// `notify [--now T] [--retry-refused]`.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// The current instant: RFC 3339, or a date (12:00 local time).
    #[arg(long)]
    pub now: Option<String>,
    /// Also send digests the mail server refused before, although the mail settings and the
    /// unit's addresses are unchanged since.
    #[arg(long)]
    pub retry_refused: bool,
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
        /// When it is closed: RFC 3339, or a date (12:00 local time); default now.
        #[arg(long)]
        now: Option<String>,
    },
}
