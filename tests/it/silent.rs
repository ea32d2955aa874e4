//! A TCP server that accepts connections and then falls silent: as an SMTP server it answers
//! up to a given step of the conversation and then says nothing more; at step 0 it never says
//! anything, which is also what a stuck PostgreSQL looks like to a client. It holds every
//! connection open until the client gives up.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The steps at which the server may fall silent, in the order of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No greeting at all.
    Greeting = 0,
    /// No answer to EHLO.
    Ehlo,
    /// No answer to MAIL FROM.
    MailFrom,
    /// No answer to RCPT TO.
    RcptTo,
    /// No answer to DATA.
    Data,
    /// No answer after the message's final dot.
    EndOfMessage,
}

impl Step {
    /// Every step, in the order of a conversation.
    pub const ALL: [Step; 6] =
        [Step::Greeting, Step::Ehlo, Step::MailFrom, Step::RcptTo, Step::Data, Step::EndOfMessage];
}

/// A running silent server.
pub struct Silent {
    pub port: u16,
    connections: Arc<AtomicUsize>,
}

impl Silent {
    /// Listens on a free port and falls silent at `step` on every connection.
    pub fn start(step: Step) -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                count.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || converse(stream, step as usize));
            }
        });
        Silent { port, connections }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn converse(stream: std::net::TcpStream, silent_at: usize) {
    let Ok(mut out) = stream.try_clone() else { return };
    let mut lines = BufReader::new(stream).lines();
    let replies = ["220 silent.test ESMTP", "250 silent.test", "250 ok", "250 ok", "354 go on", "250 queued"];
    for (i, reply) in replies.iter().enumerate().take(silent_at) {
        if i == 5 {
            if !lines.by_ref().map_while(Result::ok).any(|l| l == ".") {
                return;
            }
        } else if i > 0 && lines.next().is_none() {
            return;
        }
        if writeln!(out, "{reply}\r").is_err() {
            return;
        }
    }
    for _ in lines.by_ref() {}
}
