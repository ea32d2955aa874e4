//! A TCP proxy in the test process between the daemon and the shared PostgreSQL server, so a
//! test can take "the database" away and bring it back without touching the server: closing the
//! proxy stops it listening and cuts every connection through it; opening it listens on the
//! same port again.

use std::io::ErrorKind;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A proxy to `target`, on a port of its own.
pub struct Proxy {
    pub port: u16,
    target: String,
    open: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    acceptor: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// A closed proxy to `target` (`host:port`): its port is chosen, nothing listens yet.
    pub fn closed(target: &str) -> Proxy {
        let port = crate::process::free_port();
        Proxy {
            port,
            target: target.to_string(),
            open: Arc::default(),
            streams: Arc::default(),
            acceptor: None,
        }
    }

    /// Starts listening and forwarding.
    pub fn open(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("the proxy's port is taken");
        listener.set_nonblocking(true).unwrap();
        self.open.store(true, Ordering::SeqCst);
        let (open, streams, target) = (self.open.clone(), self.streams.clone(), self.target.clone());
        self.acceptor = Some(std::thread::spawn(move || {
            while open.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => forward(client, &target, &streams),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    Err(_) => return,
                }
            }
        }));
    }

    /// Stops listening and cuts every connection, as a database that went away would.
    pub fn close(&mut self) {
        self.open.store(false, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.join().unwrap();
        }
        for s in self.streams.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.close();
    }
}

fn forward(client: TcpStream, target: &str, streams: &Arc<Mutex<Vec<TcpStream>>>) {
    client.set_nonblocking(false).unwrap();
    let Ok(server) = TcpStream::connect(target) else { return };
    let mut all = streams.lock().unwrap();
    for (from, to) in [(&client, &server), (&server, &client)] {
        let (mut from, mut to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(Shutdown::Both);
        });
    }
    all.push(client);
    all.push(server);
}
