//! Settings: raw TOML → validated, typed settings, once, at start-up.
//!
//! Layers, later ones winning key by key: the built-in defaults (the shipped
//! `config/default.toml`, compiled in), the configuration file or folder, the environment
//! (`PERMIT_FOLLOWUP__SECTION__KEY`), then `--database`. Every error names the key.

mod credential;
mod digest;
mod raw;
mod validate;
mod web;

use crate::domain::policy::Policy;
use chrono_tz::Tz;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use credential::CREDENTIALS_ENV;
pub use validate::validate;
pub use web::{OidcSettings, TlsFiles, WebSettings};

/// The shipped configuration, which is also the built-in default of every key.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// The prefix of environment overrides.
pub const ENV_PREFIX: &str = "PERMIT_FOLLOWUP";

/// A configuration that cannot be used: exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Everything the program reads from its configuration, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where tasks live.
    pub database: DatabaseSettings,
    /// When the daemon acts.
    pub schedule: ScheduleSettings,
    /// How digests leave.
    pub mail: MailSettings,
    /// Health and metrics endpoint; `None` when disabled.
    pub admin_listen: Option<SocketAddr>,
    /// Logging.
    pub log: LogSettings,
    /// The key file of the personal-number hash.
    pub privacy_key_file: PathBuf,
    /// Where people reach the service, and its pages' language.
    pub web: WebSettings,
    /// Grounds, units and signal rules.
    pub policy: Policy,
    /// Where the configuration came from, for `check-config`.
    pub sources: Vec<String>,
}

/// `[database]`.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// The engine and where, read once from `sqlite://PATH` or `postgres://...`.
    pub engine: Engine,
    /// Migrate when `run` starts.
    pub migrate_on_start: bool,
    /// How long a connection waits for the server.
    pub timeouts: DatabaseTimeouts,
}

/// How long a connection waits, so that a slow or stuck database gives an error instead of a
/// hang (`database.*_timeout_seconds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseTimeouts {
    /// PostgreSQL: establishing the connection.
    pub connect: Duration,
    /// PostgreSQL: one statement.
    pub statement: Duration,
    /// A pass waiting for another process's pass (the pass lock): PostgreSQL's lock timeout,
    /// SQLite's busy timeout.
    pub lock: Duration,
}

impl Default for DatabaseTimeouts {
    /// The shipped values (config/default.toml).
    fn default() -> Self {
        DatabaseTimeouts {
            connect: Duration::from_secs(10),
            statement: Duration::from_secs(300),
            lock: Duration::from_secs(120),
        }
    }
}

/// Where the data lives, read from `database.url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

impl Engine {
    /// Reads `sqlite://PATH` (relative), `sqlite:///PATH` (absolute) or `postgres://...`. The
    /// message never repeats the URL, which may hold a password.
    pub fn parse(url: &str) -> Result<Engine, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(format!("database url {url:?} names no file"));
            }
            Ok(Engine::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres(url.to_string()))
        } else {
            Err("database url must start with sqlite:// or postgres://".into())
        }
    }

    /// A description for messages that never shows a password.
    pub fn describe(&self) -> String {
        match self {
            Engine::Sqlite(p) => format!("SQLite file {}", p.display()),
            Engine::Postgres(url) => {
                let url = url.split('?').next().unwrap_or(url);
                let host = url.rsplit('@').next().unwrap_or(url);
                let host = host.split("://").last().unwrap_or(host);
                format!("PostgreSQL at {host}")
            }
        }
    }
}

/// `[schedule]`.
#[derive(Debug, Clone)]
pub struct ScheduleSettings {
    /// The zone of "today", of ISO weeks and of the cron expressions.
    pub timezone: Tz,
    /// Cron (6 fields) of ticks.
    pub tick: String,
    /// Cron (6 fields) of digests.
    pub digest: String,
}

/// `[mail]`.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// File or SMTP.
    pub transport: MailTransport,
    /// The `From:` of digests.
    pub from: String,
    /// The daemon's first wait before retrying a failed digest.
    pub retry: std::time::Duration,
    /// The language of the words a digest adds (`mail.language`).
    pub language: crate::i18n::Language,
}

/// Where digests go.
#[derive(Debug, Clone)]
pub enum MailTransport {
    /// One `.eml` a message in this folder.
    File(PathBuf),
    /// An SMTP server.
    Smtp(SmtpSettings),
}

/// `[mail.smtp]`.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// TLS mode.
    pub tls: SmtpTls,
    /// Username and password, when the server wants them.
    pub credentials: Option<(String, Secret)>,
    /// How long to wait for the server.
    pub timeout: std::time::Duration,
}

/// How SMTP is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// STARTTLS, and refuse to send if the server does not offer it.
    Required,
    /// TLS from the first byte (SMTPS).
    Wrapper,
    /// Plain text (tests, a local relay).
    None,
}

/// A secret read from a file: `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: String) -> Self {
        Secret(s)
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// `[log]`.
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// JSON lines instead of text.
    pub json: bool,
    /// A tracing filter.
    pub level: String,
}

/// Loads and validates the settings. `config` is `--config`; `database` is `--database`.
pub fn load(config: Option<&Path>, database: Option<&str>) -> Result<Settings, ConfigError> {
    load_layers(config, None, database)
}

/// Loads a proposed configuration: `proposal` (a file or a folder) read on top of the
/// configuration in force, so that a file holding only the keys that change is enough.
pub fn load_proposal(
    config: Option<&Path>,
    proposal: &Path,
    database: Option<&str>,
) -> Result<Settings, ConfigError> {
    load_layers(config, Some(proposal), database)
}

fn load_layers(
    config: Option<&Path>,
    proposal: Option<&Path>,
    database: Option<&str>,
) -> Result<Settings, ConfigError> {
    let mut builder =
        config::Config::builder().add_source(config::File::from_str(DEFAULT_TOML, config::FileFormat::Toml));
    let mut sources = vec!["built-in defaults".to_string()];
    let mut files = config_files(config)?;
    if let Some(proposal) = proposal {
        files.extend(config_files(Some(proposal))?);
    }
    for file in files {
        sources.push(file.display().to_string());
        builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
    }
    builder = builder.add_source(
        config::Environment::with_prefix(ENV_PREFIX).prefix_separator("__").separator("__").try_parsing(true),
    );
    if let Some(url) = database {
        builder = builder.set_override("database.url", url).map_err(|e| ConfigError(e.to_string()))?;
    }
    let raw: raw::RawSettings =
        builder.build().and_then(|c| c.try_deserialize()).map_err(|e| ConfigError(e.to_string()))?;
    let mut settings = validate(raw)?;
    settings.sources = sources;
    Ok(settings)
}

/// The TOML files to read: `--config` (a file, or every `*.toml` of a folder, sorted), else
/// `./config`, else `/etc/permit-followup`, else none (built-in defaults only).
fn config_files(config: Option<&Path>) -> Result<Vec<PathBuf>, ConfigError> {
    let path = match config {
        Some(p) if !p.exists() => {
            return Err(ConfigError(format!("{}: no such file or folder", p.display())))
        }
        Some(p) => p.to_path_buf(),
        None => {
            match [Path::new("config"), Path::new("/etc/permit-followup")].into_iter().find(|p| p.is_dir()) {
                Some(p) => p.to_path_buf(),
                None => return Ok(Vec::new()),
            }
        }
    };
    if path.is_file() {
        return Ok(vec![path]);
    }
    let entries = std::fs::read_dir(&path).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}
