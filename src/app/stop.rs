//! The daemon's own stop signal: set once when shutdown begins, so that every wait the daemon
//! controls (a mail conversation, a retry's back-off, the database watch) ends at once instead
//! of running out its time.

use std::time::Duration;
use tokio::sync::watch;

/// A flag that is set once and can be waited for; clones share it.
#[derive(Debug, Clone)]
pub struct Stop {
    tx: std::sync::Arc<watch::Sender<bool>>,
    rx: watch::Receiver<bool>,
}

impl Default for Stop {
    fn default() -> Self {
        let (tx, rx) = watch::channel(false);
        Stop { tx: std::sync::Arc::new(tx), rx }
    }
}

impl Stop {
    /// Sets the flag: every waiter wakes.
    pub fn set(&self) {
        self.tx.send_replace(true);
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        *self.rx.borrow()
    }

    /// Resolves once the flag is set.
    pub async fn wait(&self) {
        let mut rx = self.rx.clone();
        // The sender lives as long as any clone of this, so the wait ends only on the flag.
        let _ = rx.wait_for(|set| *set).await;
    }

    /// Sleeps for `d`; false when the flag was set first.
    pub async fn sleep(&self, d: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = self.wait() => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn setting_the_flag_ends_a_sleep_at_once() {
        let stop = Stop::default();
        let s = stop.clone();
        let sleeper = tokio::spawn(async move { s.sleep(Duration::from_secs(60)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        stop.set();
        let finished = tokio::time::timeout(Duration::from_secs(2), sleeper).await.unwrap().unwrap();
        assert!(!finished && stop.is_set());
    }
}
