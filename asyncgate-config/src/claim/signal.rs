//! A claim's loss: set once (the first reason wins) by the store's
//! watcher or renewer, watched by everyone who works under the claim.

/// Marks a held claim lost: a store's claim keeps one; the first reason wins.
#[derive(Debug)]
pub struct ClaimSignal {
    tx: tokio::sync::watch::Sender<Option<String>>,
}

/// Tells whether a held claim is still held ([`ClaimWatch::get`] gives the
/// reason it was lost; [`ClaimWatch::wait`] resolves when it is).
#[derive(Clone, Debug)]
pub struct ClaimWatch {
    rx: tokio::sync::watch::Receiver<Option<String>>,
}

impl ClaimSignal {
    /// A signal and its first watcher.
    pub fn new() -> (ClaimSignal, ClaimWatch) {
        let (tx, rx) = tokio::sync::watch::channel(None);
        (ClaimSignal { tx }, ClaimWatch { rx })
    }

    /// Marks the claim lost for `reason`; the first reason wins, later ones
    /// are ignored.
    pub fn set(&self, reason: impl Into<String>) {
        let value = reason.into();
        self.tx.send_if_modified(|state| {
            if state.is_none() {
                *state = Some(value);
                true
            } else {
                false
            }
        });
    }

    /// Another watcher.
    pub fn watch(&self) -> ClaimWatch {
        ClaimWatch {
            rx: self.tx.subscribe(),
        }
    }
}

impl ClaimWatch {
    /// Why the claim was lost, or `None` while it is held.
    pub fn get(&self) -> Option<String> {
        self.rx.borrow().clone()
    }

    /// Whether the claim was lost.
    pub fn is_set(&self) -> bool {
        self.rx.borrow().is_some()
    }

    /// Waits until the claim is lost and returns why. If the signal is
    /// dropped unset, this waits forever.
    pub async fn wait(&mut self) -> String {
        loop {
            if let Some(value) = self.rx.borrow_and_update().clone() {
                return value;
            }
            if self.rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_value_wins_for_every_watcher() {
        let (latch, first) = ClaimSignal::new();
        let second = latch.watch();
        assert!(!first.is_set());
        latch.set("signal");
        latch.set("lost");
        assert_eq!(first.get().as_deref(), Some("signal"));
        assert_eq!(second.get().as_deref(), Some("signal"));
        let mut waiter = latch.watch();
        let got = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(waiter.wait());
        assert_eq!(got, "signal");
    }
}
