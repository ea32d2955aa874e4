//! A TCP server that accepts connections and then falls silent: as an SMTP server it answers
//! up to a given step of the conversation and then says nothing more; at step 0 it never says
//! anything, which is also what a stuck PostgreSQL looks like to a client. It holds every
//! connection open until the client gives up.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
    /// Answers the whole conversation: the mail is accepted.
    #[allow(dead_code)] // only the library's SMTP tests reach the end
    Never,
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
    #[allow(dead_code)] // read by the library's SMTP tests only
    data: Arc<Mutex<Vec<String>>>,
}

impl Silent {
    /// Listens on a free port and falls silent at `step` on every connection; its EHLO reply
    /// offers 8BITMIME, as every current server's does.
    pub fn start(step: Step) -> Silent {
        Silent::listen(step, true)
    }

    #[allow(dead_code)] // the library's SMTP tests only
    /// As [`Silent::start`], for an old server whose EHLO reply offers no extensions.
    pub fn without_8bitmime(step: Step) -> Silent {
        Silent::listen(step, false)
    }

    fn listen(step: Step, eight_bit_mime: bool) -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let data = Arc::new(Mutex::new(Vec::new()));
        let (count, lines) = (connections.clone(), data.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                count.fetch_add(1, Ordering::SeqCst);
                let lines = lines.clone();
                std::thread::spawn(move || converse(stream, step as usize, eight_bit_mime, &lines));
            }
        });
        Silent { port, connections, data }
    }

    #[allow(dead_code)] // the library's SMTP tests only
    /// The lines of the messages it received after DATA, over all connections.
    pub fn data(&self) -> Vec<String> {
        self.data.lock().unwrap().clone()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn converse(stream: std::net::TcpStream, silent_at: usize, eight_bit_mime: bool, data: &Mutex<Vec<String>>) {
    let Ok(mut out) = stream.try_clone() else { return };
    let mut lines = BufReader::new(stream).lines();
    let ehlo = if eight_bit_mime { "250-silent.test\r\n250 8BITMIME" } else { "250 silent.test" };
    let replies = ["220 silent.test ESMTP", ehlo, "250 ok", "250 ok", "354 go on", "250 queued"];
    for (i, reply) in replies.iter().enumerate().take(silent_at) {
        if i == 5 {
            let mut ended = false;
            for line in lines.by_ref().map_while(Result::ok) {
                if line == "." {
                    ended = true;
                    break;
                }
                data.lock().unwrap().push(line);
            }
            if !ended {
                return;
            }
        } else if i > 0 && lines.next().is_none() {
            return;
        }
        if writeln!(out, "{reply}\r").is_err() {
            return;
        }
    }
    if silent_at > 5 {
        // A whole conversation ends with QUIT, which gets its answer.
        if lines.next().is_some() {
            let _ = writeln!(out, "221 bye\r");
        }
        return;
    }
    for _ in lines.by_ref() {}
}
