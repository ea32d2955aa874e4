//! A front for the test SMTP server that the test switches between the ways a mail server
//! fails: down (nothing listens: the connection is refused), refusing (it answers `421`, try
//! later), silent (it accepts the connection and never speaks) and up (it passes every byte
//! to the real server behind it). Each switch closes the connections of the mode before, except
//! the silent ones: a silent server may keep a connection open for good, and the client must
//! give up on it by itself.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the front behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Down,
    Refusing,
    Silent,
    Up,
}

/// A running front on its own port.
pub struct SmtpFront {
    pub port: u16,
    mode: Arc<Mutex<(Mode, u64)>>,
}

impl SmtpFront {
    /// A front for the server on `backend`, starting down.
    pub fn start(backend: u16) -> SmtpFront {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mode = Arc::new(Mutex::new((Mode::Down, 0)));
        let shared = Arc::clone(&mode);
        std::thread::spawn(move || serve(port, backend, &shared));
        SmtpFront { port, mode }
    }

    /// Switches the mode, closing the connections of the one before.
    pub fn set(&self, mode: Mode) {
        let mut m = self.mode.lock().unwrap();
        *m = (mode, m.1 + 1);
    }
}

fn serve(port: u16, backend: u16, mode: &Mutex<(Mode, u64)>) {
    let mut listener: Option<TcpListener> = None;
    let mut open: Vec<TcpStream> = Vec::new();
    let mut silent: Vec<TcpStream> = Vec::new();
    let mut generation = 0;
    loop {
        let (now, current) = *mode.lock().unwrap();
        if current != generation {
            generation = current;
            for s in open.drain(..) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
        if now == Mode::Down {
            listener = None;
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        let l = listener.get_or_insert_with(|| {
            let l = TcpListener::bind(("127.0.0.1", port)).expect("the front's port is free again");
            l.set_nonblocking(true).unwrap();
            l
        });
        match l.accept() {
            Ok((mut client, _)) => {
                client.set_nonblocking(false).unwrap();
                match now {
                    Mode::Refusing => {
                        let _ = client.write_all(b"421 4.3.2 Service not available, try again later\r\n");
                    }
                    Mode::Silent => silent.push(client),
                    Mode::Up => {
                        let server = TcpStream::connect(("127.0.0.1", backend)).unwrap();
                        open.push(client.try_clone().unwrap());
                        open.push(server.try_clone().unwrap());
                        pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                        pipe(server, client);
                    }
                    Mode::Down => {}
                }
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Copies `from` to `to` in a thread until either closes.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}
