//! An SMTP server for tests: mailin-embedded on `127.0.0.1:0` in a thread, without TLS, that
//! records what it receives and can refuse one recipient. The thread lives as long as the test
//! process (mailin has no stop), which is harmless: each test has its own port.

use mailin_embedded::{response, Handler, Response, Server, SslConfig};
use std::io;
use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard};

/// What the server saw, over all its connections.
#[derive(Debug, Default)]
pub struct Received {
    /// `MAIL FROM` commands.
    pub mail_commands: usize,
    /// `DATA` commands.
    pub data_commands: usize,
    /// Accepted messages: (recipients, raw data).
    pub mails: Vec<(Vec<String>, Vec<u8>)>,
}

/// A running test server.
pub struct TestServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    received: Arc<Mutex<Received>>,
}

impl TestServer {
    /// Starts a server that accepts everything except the recipient `refuse` (550).
    pub fn start(refuse: Option<&str>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Received::default()));
        let handler = Recorder {
            received: Arc::clone(&received),
            refuse: refuse.map(str::to_string),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = Server::new(handler);
        server.with_name("test.localhost").with_ssl(SslConfig::None).unwrap().with_tcp_listener(listener);
        std::thread::spawn(move || {
            // serve() returns only on a listener error; the test then sees no mail.
            let _ = server.serve();
        });
        TestServer { port, received }
    }

    /// What it has seen so far.
    pub fn received(&self) -> MutexGuard<'_, Received> {
        self.received.lock().unwrap()
    }
}

/// The per-connection handler (mailin clones it for each connection).
#[derive(Clone)]
struct Recorder {
    received: Arc<Mutex<Received>>,
    refuse: Option<String>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Recorder {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        self.received.lock().unwrap().mail_commands += 1;
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        match &self.refuse {
            Some(refused) if to.contains(refused.as_str()) => {
                Response::custom(550, "5.1.1 No such mailbox here".to_string())
            }
            _ => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.received.lock().unwrap().data_commands += 1;
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = (std::mem::take(&mut self.to), std::mem::take(&mut self.data));
        self.received.lock().unwrap().mails.push(mail);
        response::OK
    }
}
