//! The SMTP transport: lettre's async client, set up from `[mail.smtp]`, and the translation
//! of its errors into [`SendError`]s that name the server and never a password.
//! `tls = "required"` means STARTTLS or nothing: lettre refuses to go on in clear text when the
//! server does not offer it, before any credentials or mail are sent.
//!
//! No wait is unbounded: `mail.smtp.timeout_seconds` bounds each step (connecting, the greeting,
//! every command) and the whole conversation of one message, so a server that accepts the
//! connection and then says nothing costs one timeout, never a hang. Each message has a
//! connection of its own: a conversation cut off by the timeout takes its connection with it,
//! where a pool would hand the half-finished one (and its late replies) to the next message.

use super::message::{self, Transfer};
use super::{OutgoingMail, SendError};
use crate::settings::{SmtpSettings, SmtpTls};
use anyhow::Context as _;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::Tls;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::error::Error as _;
use std::time::Duration;

/// How one conversation ended, when not with the mail accepted.
enum Attempt {
    /// The message has non-ASCII bytes and the server does not offer 8BITMIME.
    NoEightBitMime,
    Failed(SendError),
}

impl Attempt {
    fn into_error(self, server: &str) -> SendError {
        match self {
            Attempt::Failed(e) => e,
            Attempt::NoEightBitMime => SendError::Protocol {
                server: server.to_string(),
                reason: "the server does not offer 8BITMIME, and the 7-bit mail still had \
                         non-ASCII bytes"
                    .to_string(),
            },
        }
    }
}

/// An SMTP client and the server it talks to.
#[derive(Debug)]
pub struct SmtpMailer {
    /// Boxed: without a pool the client holds its whole configuration inline.
    transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
    /// `host:port`, for messages.
    server: String,
    /// The user it logs in as, if any.
    user: Option<String>,
    tls: SmtpTls,
    /// The bound on each step and on a whole conversation.
    timeout: Duration,
}

impl SmtpMailer {
    /// Sets up the client; it connects for each message it sends.
    pub fn new(smtp: &SmtpSettings) -> anyhow::Result<SmtpMailer> {
        let server = format!("{}:{}", smtp.host, smtp.port);
        let builder = match smtp.tls {
            SmtpTls::Required => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host),
            SmtpTls::Wrapper => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host),
            SmtpTls::None => {
                Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host).tls(Tls::None))
            }
        }
        .with_context(|| format!("cannot set up TLS for mail server {server}"))?;
        let mut builder = builder.port(smtp.port).timeout(Some(smtp.timeout));
        if let Some((user, password)) = &smtp.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_string()));
        }
        let user = smtp.credentials.as_ref().map(|(user, _)| user.clone());
        Ok(SmtpMailer {
            transport: Box::new(builder.build()),
            server,
            user,
            tls: smtp.tls,
            timeout: smtp.timeout,
        })
    }

    /// Sends one mail; `Ok` once the server has accepted it for every recipient, an error
    /// after at most `timeout` from the first byte to the last reply. Its parts go out in 8bit;
    /// a server that does not offer 8BITMIME (lettre refuses before MAIL FROM, so nothing was
    /// sent) gets the same mail again in 7-bit encodings, within the same bound.
    pub(super) async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let sent = match self.send_before(deadline, message::build_as(mail, Transfer::EightBit)?).await {
            Err(Attempt::NoEightBitMime) => {
                self.send_before(deadline, message::build_as(mail, Transfer::SevenBit)?).await
            }
            sent => sent,
        };
        sent.map_err(|attempt| attempt.into_error(&self.server))
    }

    /// One conversation, over by `deadline`.
    async fn send_before(&self, deadline: tokio::time::Instant, message: Message) -> Result<(), Attempt> {
        match tokio::time::timeout_at(deadline, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_client() && e.to_string().contains("8BITMIME") => Err(Attempt::NoEightBitMime),
            Ok(Err(e)) => Err(Attempt::Failed(self.classify(&e))),
            Err(_) => Err(Attempt::Failed(SendError::Unreachable {
                server: self.server.clone(),
                reason: format!(
                    "the conversation did not finish within {} s (mail.smtp.timeout_seconds)",
                    self.timeout.as_secs()
                ),
            })),
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
    use crate::mail::digest;
    use crate::mail::silent_server::{Silent, Step};
    use crate::mail::test_server::TestServer;
    use crate::mail::{Mailer, OutgoingMail};
    use crate::settings::{MailSettings, MailTransport, Secret};
    use chrono::TimeZone;

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
            language: crate::i18n::Language::En,
        };
        Mailer::new(&settings).unwrap()
    }

    fn digest_mail(to: &[&str]) -> OutgoingMail {
        let (tasks, overdue) = digest::tests::sample();
        let rendered = digest::render(&digest::tests::input(&tasks, &overdue, None));
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
        assert!(lines.iter().any(|l| l == &format!("Subject: {}", mail.subject)), "{lines:#?}");
        // The text part arrives unencoded, line for line.
        assert!(mail.text.lines().all(|l| lines.iter().any(|r| r == l)), "{lines:#?}");
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
                language: crate::i18n::Language::En,
            };
            let mailer = Mailer::new(&settings).unwrap();
            assert!(mailer.describe().starts_with("SMTP to mail.example.org:587"), "{}", mailer.describe());
            assert!(!format!("{mailer:?}").contains("hunter2-secret"));
        }
    }

    #[tokio::test]
    async fn a_server_without_8bitmime_gets_the_same_mail_in_seven_bit() {
        let old = Silent::without_8bitmime(Step::Never);
        let mut smtp = smtp_settings(old.port, SmtpTls::None);
        smtp.timeout = Duration::from_secs(5);
        let settings = MailSettings {
            transport: MailTransport::Smtp(smtp),
            from: "permit-followup@localhost".into(),
            retry: Duration::from_secs(60),
            language: crate::i18n::Language::En,
        };
        let mut mail = digest_mail(&["study-unit@localhost"]);
        mail.text.push_str("Enheten för studier\n");
        Mailer::new(&settings).unwrap().send(&mail).await.unwrap();

        // The first connection stopped at MAIL FROM; the second carried the mail.
        assert_eq!(old.connections(), 2);
        let data = old.data();
        assert!(data.iter().all(|line| line.is_ascii()), "{data:?}");
        assert!(data.iter().any(|line| line.starts_with("Message-ID: <")), "{data:?}");
        assert!(!data.iter().any(|line| line.contains("8bit")), "{data:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_server_that_falls_silent_at_any_step_costs_one_timeout_and_names_itself() {
        let sends = Step::ALL.into_iter().map(|name| async move {
            let silent = Silent::start(name);
            let port = silent.port;
            let mut smtp = smtp_settings(port, SmtpTls::None);
            smtp.timeout = Duration::from_secs(1);
            let settings = MailSettings {
                transport: MailTransport::Smtp(smtp),
                from: "permit-followup@localhost".into(),
                retry: Duration::from_secs(60),
                language: crate::i18n::Language::En,
            };
            let started = std::time::Instant::now();
            let err = Mailer::new(&settings)
                .unwrap()
                .send(&digest_mail(&["study-unit@localhost"]))
                .await
                .unwrap_err();
            (name, port, started.elapsed(), err, silent.connections())
        });
        for (name, port, took, err, connections) in futures_join(sends).await {
            assert_eq!(connections, 1, "silent at {name:?}: one attempt, one connection");
            assert!(took < Duration::from_millis(2_500), "silent at {name:?}: {took:?}");
            assert!(
                matches!(err, SendError::Unreachable { .. }) && !err.is_permanent(),
                "silent at {name:?}: {err:?}"
            );
            let message = err.to_string();
            assert!(message.contains(&format!("127.0.0.1:{port}")), "silent at {name:?}: {message}");
            assert!(!message.contains('\n'), "silent at {name:?}: {message}");
        }
    }

    /// Runs the futures side by side (the steps' timeouts overlap) and returns their outputs.
    async fn futures_join<F: std::future::Future + Send + 'static>(
        futures: impl Iterator<Item = F>,
    ) -> Vec<F::Output>
    where
        F::Output: Send + 'static,
    {
        let handles: Vec<_> = futures.map(tokio::spawn).collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }
}
