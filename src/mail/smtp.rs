//! The SMTP transport: lettre's pooled async client, set up from `[mail.smtp]`, and the
//! translation of its errors into [`SendError`]s that name the server and never a password.
//! `tls = "required"` means STARTTLS or nothing: lettre refuses to go on in clear text when the
//! server does not offer it, before any credentials or mail are sent.

use super::SendError;
use crate::settings::{SmtpSettings, SmtpTls};
use anyhow::Context as _;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::Tls;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::error::Error as _;
use std::time::Duration;

/// Connections kept open: digests go out one unit after another, so two are plenty.
const POOL_MAX_SIZE: u32 = 2;

/// An idle connection is closed after this long, well before servers usually drop it.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A pooled SMTP client and the server it talks to.
#[derive(Debug)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// `host:port`, for messages.
    server: String,
    /// The user it logs in as, if any.
    user: Option<String>,
    tls: SmtpTls,
    /// The command timeout, for messages.
    timeout: Duration,
}

impl SmtpMailer {
    /// Sets up the client; connects only on the first send. Must run inside a Tokio runtime
    /// (the pool starts a clean-up task).
    pub fn new(smtp: &SmtpSettings) -> anyhow::Result<SmtpMailer> {
        let server = format!("{}:{}", smtp.host, smtp.port);
        tokio::runtime::Handle::try_current().with_context(|| {
            format!("the SMTP client for {server} must be created inside the Tokio runtime")
        })?;
        let builder = match smtp.tls {
            SmtpTls::Required => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host),
            SmtpTls::Wrapper => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host),
            SmtpTls::None => {
                Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host).tls(Tls::None))
            }
        }
        .with_context(|| format!("cannot set up TLS for mail server {server}"))?;
        let mut builder = builder
            .port(smtp.port)
            .timeout(Some(smtp.timeout))
            .pool_config(PoolConfig::new().max_size(POOL_MAX_SIZE).idle_timeout(POOL_IDLE_TIMEOUT));
        if let Some((user, password)) = &smtp.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_string()));
        }
        let user = smtp.credentials.as_ref().map(|(user, _)| user.clone());
        Ok(SmtpMailer { transport: builder.build(), server, user, tls: smtp.tls, timeout: smtp.timeout })
    }

    /// Sends one message; `Ok` once the server has accepted it for every recipient. The whole
    /// attempt is bounded by the timeout: lettre bounds the connect, but not the wait for the
    /// greeting, so a server that accepts the connection and stays silent would otherwise hold
    /// the send, and the daemon's passes behind it, for as long as it keeps the connection.
    pub(super) async fn send(&self, message: Message) -> Result<(), SendError> {
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(sent) => sent.map(|_| ()).map_err(|e| self.classify(&e)),
            Err(_) => Err(SendError::Unreachable {
                server: self.server.clone(),
                reason: format!("no answer within {} s", self.timeout.as_secs()),
            }),
        }
    }

    /// Where and how it delivers: server, TLS mode and user (never the password).
    pub(super) fn fingerprint(&self) -> String {
        format!("smtp:{}:{:?}:{}", self.server, self.tls, self.user.as_deref().unwrap_or(""))
    }

    /// `SMTP to host:port (STARTTLS required)`.
    pub(super) fn describe(&self) -> String {
        let tls = match self.tls {
            SmtpTls::Required => "STARTTLS required",
            SmtpTls::Wrapper => "implicit TLS",
            SmtpTls::None => "no TLS",
        };
        format!("SMTP to {} ({tls})", self.server)
    }

    /// Sorts a lettre error into unreachable, TLS unavailable, rejected or protocol trouble.
    fn classify(&self, e: &lettre::transport::smtp::Error) -> SendError {
        let server = self.server.clone();
        if let Some(code) = e.status() {
            let text = e.source().map(|s| s.to_string()).unwrap_or_default();
            return SendError::Rejected { server, code: code.into(), text };
        }
        let reason = e.to_string();
        if e.is_tls() {
            return SendError::TlsUnavailable { server, reason };
        }
        if e.is_client() && reason.contains("STARTTLS") {
            let reason = "the server does not offer STARTTLS, and tls = \"required\" forbids clear text; \
                          nothing was sent"
                .to_string();
            return SendError::TlsUnavailable { server, reason };
        }
        if e.is_timeout() {
            let reason = format!("no answer within {} s ({reason})", self.timeout.as_secs());
            return SendError::Unreachable { server, reason };
        }
        if e.is_client() || e.is_response() {
            return SendError::Protocol { server, reason };
        }
        // Connection, network and shut-down errors: lettre has no finer public kinds.
        SendError::Unreachable { server, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Priority;
    use crate::mail::digest::{self, DigestInput, DigestTask};
    use crate::mail::test_server::TestServer;
    use crate::mail::{Mailer, OutgoingMail};
    use crate::settings::{MailSettings, MailTransport, Secret};
    use chrono::{NaiveDate, TimeZone};

    fn smtp_settings(port: u16, tls: SmtpTls) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            tls,
            credentials: None,
            timeout: Duration::from_secs(10),
        }
    }

    fn mailer(port: u16, tls: SmtpTls) -> Mailer {
        let settings = MailSettings {
            transport: MailTransport::Smtp(smtp_settings(port, tls)),
            from: "permit-followup@localhost".into(),
            retry: std::time::Duration::from_secs(60),
        };
        Mailer::new(&settings).unwrap()
    }

    fn digest_mail(to: &[&str]) -> OutgoingMail {
        let due = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let tasks = [
            DigestTask {
                permit_id: "UT-1".into(),
                cause: "emigrated".into(),
                due_on: due,
                priority: Priority::High,
            },
            DigestTask {
                permit_id: "UT-2".into(),
                cause: "periodic_review".into(),
                due_on: due,
                priority: Priority::Normal,
            },
        ];
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let rendered = digest::render(&DigestInput {
            unit_name: "Study permits unit",
            unit_key: "study",
            tasks: &tasks,
            open_overdue: 1,
            today,
        });
        OutgoingMail {
            message_id: crate::mail::new_message_id(12, "permit-followup@localhost"),
            from: "permit-followup@localhost".into(),
            to: to.iter().map(|s| s.to_string()).collect(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            date: chrono::Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap(),
        }
    }

    fn lines(raw: &[u8]) -> Vec<String> {
        String::from_utf8_lossy(raw).lines().map(str::to_string).collect()
    }

    #[tokio::test]
    async fn a_digest_arrives_with_its_message_id_subject_and_task_lines() {
        let server = TestServer::start(None);
        let mail = digest_mail(&["study-unit@localhost", "study-2@localhost"]);
        mailer(server.port, SmtpTls::None).send(&mail).await.unwrap();

        let received = server.received();
        assert_eq!(received.mails.len(), 1);
        let (recipients, raw) = &received.mails[0];
        assert_eq!(recipients.len(), 2);
        let lines = lines(raw);
        assert!(lines.contains(&format!("Message-ID: <{}>", mail.message_id)), "{lines:#?}");
        assert!(lines.iter().any(|l| l == "Subject: 2 new follow-up tasks for Study permits unit"));
        assert!(lines.iter().any(|l| l == "UT-1  emigrated  due 2026-12-04  high"));
        assert!(lines.iter().any(|l| l == "UT-2  periodic_review  due 2026-12-04  normal"));
        assert!(lines.iter().any(|l| l == "Open overdue tasks in this unit: 1"));
        assert!(lines.iter().any(|l| l.starts_with("Content-Type: text/html")));
    }

    #[tokio::test]
    async fn sending_the_same_mail_twice_delivers_the_very_same_message_twice() {
        let server = TestServer::start(None);
        let mailer = mailer(server.port, SmtpTls::None);
        let mail = digest_mail(&["study-unit@localhost"]);
        mailer.send(&mail).await.unwrap();
        mailer.send(&mail).await.unwrap();

        let received = server.received();
        assert_eq!(received.mails.len(), 2);
        let header = format!("Message-ID: <{}>", mail.message_id);
        assert!(received.mails.iter().all(|(_, raw)| lines(raw).contains(&header)));
        assert_eq!(received.mails[0].1, received.mails[1].1, "a retry must resend the same bytes");
    }

    #[tokio::test]
    async fn a_refused_recipient_is_a_rejection_with_the_server_code_and_text() {
        let server = TestServer::start(Some("nobody@localhost"));
        let mail = digest_mail(&["study-unit@localhost", "nobody@localhost"]);
        let err = mailer(server.port, SmtpTls::None).send(&mail).await.unwrap_err();

        match &err {
            SendError::Rejected { code, text, .. } => {
                assert_eq!(*code, 550);
                assert!(text.contains("No such mailbox here"), "{text}");
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
        let message = err.to_string();
        assert!(
            message.contains(&format!("127.0.0.1:{}", server.port)) && message.contains("rejected"),
            "{message}"
        );
        assert!(!message.contains("nobody@localhost"), "{message}");
        assert_eq!(server.received().mails.len(), 0);
    }

    #[tokio::test]
    async fn a_server_that_is_not_listening_is_unreachable_and_named() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err =
            mailer(port, SmtpTls::None).send(&digest_mail(&["study-unit@localhost"])).await.unwrap_err();

        assert!(matches!(err, SendError::Unreachable { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains(&format!("127.0.0.1:{port}")) && message.contains("unreachable"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn starttls_required_fails_against_a_server_without_it_and_sends_nothing() {
        let server = TestServer::start(None);
        let err = mailer(server.port, SmtpTls::Required)
            .send(&digest_mail(&["study-unit@localhost"]))
            .await
            .unwrap_err();

        assert!(matches!(err, SendError::TlsUnavailable { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("STARTTLS") && message.contains(&format!("127.0.0.1:{}", server.port)),
            "{message}"
        );
        let received = server.received();
        assert_eq!((received.mail_commands, received.data_commands, received.mails.len()), (0, 0, 0));
    }

    #[tokio::test]
    async fn tls_relays_build_with_the_platform_verifier_and_hide_the_password() {
        for tls in [SmtpTls::Required, SmtpTls::Wrapper] {
            let mut smtp = smtp_settings(587, tls);
            smtp.host = "mail.example.org".into();
            smtp.credentials = Some(("digest".into(), Secret::new("hunter2-secret".into())));
            let settings = MailSettings {
                transport: MailTransport::Smtp(smtp),
                from: "a@b".into(),
                retry: std::time::Duration::from_secs(60),
            };
            let mailer = Mailer::new(&settings).unwrap();
            assert!(mailer.describe().starts_with("SMTP to mail.example.org:587"), "{}", mailer.describe());
            assert!(!format!("{mailer:?}").contains("hunter2-secret"));
        }
    }

    #[test]
    fn an_smtp_mailer_outside_the_runtime_is_an_error_not_a_panic() {
        let settings = MailSettings {
            transport: MailTransport::Smtp(smtp_settings(25, SmtpTls::None)),
            from: "a@b".into(),
            retry: std::time::Duration::from_secs(60),
        };
        let err = Mailer::new(&settings).unwrap_err();
        assert!(err.to_string().contains("127.0.0.1:25"), "{err}");
    }
}
