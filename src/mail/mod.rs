//! Mail: digests leave through one [`Mailer`], to an SMTP server or as `.eml` files in a folder.
//!
//! What a digest says is [`digest::render`], a pure function (its text part in `digest_text`,
//! its HTML part in `digest_html`); this module only delivers an
//! [`OutgoingMail`]. A mail is a pure function of its fields too — the `Message-ID`, the `Date`
//! and the MIME boundary all come from them — so a caller that stores the Message-ID and date
//! with the digest before the first attempt resends the very same message on every retry, and
//! a crash between "accepted" and "marked notified" costs at most a repeat, never a loss.
//! [`SendError`] tells an unreachable server (or one without the TLS we require) from a server
//! that answered with a rejection; its messages name `host:port` or the file, never a password
//! or an address.

pub mod digest;
mod digest_html;
mod digest_text;
mod file;
mod message;
#[cfg(test)]
#[path = "../../tests/it/silent.rs"]
mod silent_server;
mod smtp;
#[cfg(test)]
#[path = "../../tests/it/smtp_server.rs"]
mod test_server;

use crate::settings::{MailSettings, MailTransport};
use std::path::PathBuf;

pub use message::new_message_id;
pub use smtp::SmtpMailer;

/// One message to deliver, complete: nothing is added at send time, so a retry is identical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Without `<>`, e.g. `digest-12.3f9a…@permit-followup` (see [`new_message_id`]).
    pub message_id: String,
    /// The `From:` address (`mail.from`).
    pub from: String,
    /// The unit's addresses; all go in `To:`.
    pub to: Vec<String>,
    /// The subject line.
    pub subject: String,
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part.
    pub html: String,
    /// The `Date:` header; keep it with the Message-ID so retries carry the first attempt's date.
    pub date: chrono::DateTime<chrono::Utc>,
}

/// Where mail goes.
#[derive(Debug)]
pub enum Mailer {
    /// One `<Message-ID>.eml` file a message in this folder.
    File(PathBuf),
    /// An SMTP server.
    Smtp(SmtpMailer),
}

/// Why a mail was not delivered. Any of them leaves the digest pending; a permanent one
/// ([`SendError::is_permanent`]) is not retried until something changes.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The mail cannot be built (an address or the Message-ID does not parse); a retry fails too.
    #[error("mail {message_id} is invalid: {reason}")]
    Invalid {
        /// The Message-ID.
        message_id: String,
        /// What is wrong, without the address itself.
        reason: String,
    },
    /// No SMTP session: nothing listens, no answer in time, or the connection broke.
    #[error("mail server {server} unreachable: {reason}")]
    Unreachable {
        /// `host:port`.
        server: String,
        /// What went wrong.
        reason: String,
    },
    /// TLS could not be set up: STARTTLS not offered while required, or a failed handshake or
    /// certificate. Nothing was sent.
    #[error("mail server {server}: TLS unavailable: {reason}")]
    TlsUnavailable {
        /// `host:port`.
        server: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an error: the sender, a recipient, the login or the content.
    #[error("mail server {server} rejected the mail: {code} {text}")]
    Rejected {
        /// `host:port`.
        server: String,
        /// The SMTP reply code, e.g. 550 (5xx permanent, 4xx transient).
        code: u16,
        /// The server's text.
        text: String,
    },
    /// The server answered something the client could not use.
    #[error("mail server {server}: {reason}")]
    Protocol {
        /// `host:port`.
        server: String,
        /// What went wrong.
        reason: String,
    },
    /// The daemon was stopping and broke the attempt off; nothing is known to have been
    /// delivered, and the digest stays pending for the next start.
    #[error("sending was interrupted: the daemon is stopping")]
    Interrupted,
    /// The `.eml` file could not be written.
    #[error("cannot write mail file {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl SendError {
    /// The error as logs and messages may show it: a server's reply with every email address
    /// in it replaced by `[address]`; a mail file's error whole, since its path (which holds
    /// the Message-ID, and so an `@`) is what the operator needs.
    pub fn public_text(&self) -> String {
        match self {
            SendError::File { .. } | SendError::Invalid { .. } => self.to_string(),
            _ => self
                .to_string()
                .split(' ')
                .map(|word| if word.contains('@') { "[address]" } else { word })
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// Whether trying again unchanged cannot help: the server refused with a permanent (5xx)
    /// reply, or the mail cannot be built. Anything else (no answer, a broken connection, a
    /// transient 4xx reply, TLS trouble) may pass.
    pub fn is_permanent(&self) -> bool {
        match self {
            SendError::Invalid { .. } => true,
            SendError::Rejected { code, .. } => (500..600).contains(code),
            SendError::Unreachable { .. }
            | SendError::TlsUnavailable { .. }
            | SendError::Protocol { .. }
            | SendError::Interrupted
            | SendError::File { .. } => false,
        }
    }

    /// Whether the server failed rather than this one message, so that every other message to
    /// it now would wait or fail the same way: no session (nothing listens, no answer in time,
    /// the connection broke), no TLS, a `421` reply (the server is closing the channel), or the
    /// daemon stopping. A refusal of one message (a 5xx or other 4xx reply), a mail that cannot
    /// be built and a mail file that cannot be written concern that message alone.
    pub fn is_connection_level(&self) -> bool {
        match self {
            SendError::Unreachable { .. } | SendError::TlsUnavailable { .. } | SendError::Interrupted => true,
            SendError::Rejected { code, .. } => *code == 421,
            SendError::Invalid { .. } | SendError::Protocol { .. } | SendError::File { .. } => false,
        }
    }
}

impl Mailer {
    /// What a refusal of this mailer depends on: the transport and where it delivers (host,
    /// port, TLS mode and user of an SMTP server; the folder of the file transport). Never the
    /// password: a refusal that only a new password mends is retried when an operator asks.
    pub fn fingerprint(&self) -> String {
        match self {
            Mailer::File(dir) => format!("file:{}", dir.display()),
            Mailer::Smtp(smtp) => smtp.fingerprint(),
        }
    }

    /// The mailer `[mail]` asks for. An SMTP mailer connects only when it sends.
    pub fn new(settings: &MailSettings) -> anyhow::Result<Mailer> {
        Ok(match &settings.transport {
            MailTransport::File(dir) => Mailer::File(dir.clone()),
            MailTransport::Smtp(smtp) => Mailer::Smtp(SmtpMailer::new(smtp)?),
        })
    }

    /// Delivers one mail: `Ok` once the server accepted it for every recipient, or the file is
    /// in place. Safe to repeat: the same `mail` gives the same message, and the same file.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        match self {
            Mailer::File(dir) => {
                file::write_eml(dir, &mail.message_id, message::build(mail)?.formatted()).await
            }
            Mailer::Smtp(smtp) => smtp.send(mail).await,
        }
    }

    /// Where mail goes, for the start-up log: `SMTP to host:587 (STARTTLS required)`.
    pub fn describe(&self) -> String {
        match self {
            Mailer::File(dir) => format!("one .eml file a message in {}", dir.display()),
            Mailer::Smtp(smtp) => smtp.describe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SendError;

    #[test]
    fn addresses_in_a_server_reply_are_replaced_and_a_mail_files_path_is_kept() {
        let rejected = SendError::Rejected {
            server: "h:25".into(),
            code: 550,
            text: "5.1.1 <work-unit@localhost>: no such user".into(),
        };
        assert_eq!(
            rejected.public_text(),
            "mail server h:25 rejected the mail: 550 5.1.1 [address] no such user"
        );
        let file = SendError::File {
            path: "var/outbox/digest-3.ab@permit-followup.eml".into(),
            source: std::io::Error::from_raw_os_error(28),
        };
        let text = file.public_text();
        assert!(
            text.starts_with("cannot write mail file var/outbox/digest-3.ab@permit-followup.eml: "),
            "{text}"
        );
    }

    #[test]
    fn only_a_permanent_reply_or_an_unbuildable_mail_is_permanent() {
        let server = "h:25".to_string();
        let rejected = |code| SendError::Rejected { server: server.clone(), code, text: String::new() };
        assert!(rejected(550).is_permanent());
        assert!(rejected(535).is_permanent(), "a failed login stays failed until the settings change");
        assert!(!rejected(451).is_permanent(), "4xx is transient");
        assert!(SendError::Invalid { message_id: "x@y".into(), reason: String::new() }.is_permanent());
        assert!(!SendError::Unreachable { server: server.clone(), reason: String::new() }.is_permanent());
        assert!(!SendError::TlsUnavailable { server, reason: String::new() }.is_permanent());
    }

    #[test]
    fn a_silent_unreachable_or_closing_server_fails_every_message_and_a_refusal_only_its_own() {
        let server = "h:25".to_string();
        let rejected = |code| SendError::Rejected { server: server.clone(), code, text: String::new() };
        let reason = String::new();
        assert!(
            SendError::Unreachable { server: server.clone(), reason: reason.clone() }.is_connection_level()
        );
        assert!(SendError::TlsUnavailable { server: server.clone(), reason: reason.clone() }
            .is_connection_level());
        assert!(SendError::Interrupted.is_connection_level());
        assert!(rejected(421).is_connection_level(), "421: the server closes the channel");
        assert!(!rejected(451).is_connection_level() && !rejected(550).is_connection_level());
        assert!(!SendError::Protocol { server, reason }.is_connection_level());
        assert!(!SendError::Invalid { message_id: "x@y".into(), reason: String::new() }.is_connection_level());
        let file = SendError::File {
            path: "var/outbox/x.eml".into(),
            source: std::io::Error::from_raw_os_error(28),
        };
        assert!(!file.is_connection_level());
    }
}
