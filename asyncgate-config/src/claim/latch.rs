//! A latch: set once (the first value wins), watched by many. A claim's
//! loss is one (`ClaimSignal`/`ClaimWatch`); a server's reason to stop is
//! another.

/// The setting side of a latch.
#[derive(Debug)]
pub struct Latch<T> {
    tx: tokio::sync::watch::Sender<Option<T>>,
}

/// A watcher of a [`Latch`].
#[derive(Clone, Debug)]
pub struct LatchWatch<T> {
    rx: tokio::sync::watch::Receiver<Option<T>>,
}

impl<T: Clone> Latch<T> {
    /// A latch and its first watcher.
    pub fn new() -> (Latch<T>, LatchWatch<T>) {
        let (tx, rx) = tokio::sync::watch::channel(None);
        (Latch { tx }, LatchWatch { rx })
    }

    /// Sets the latch; the first value wins, later ones are ignored.
    pub fn set(&self, value: T) {
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
    pub fn watch(&self) -> LatchWatch<T> {
        LatchWatch {
            rx: self.tx.subscribe(),
        }
    }
}

impl<T: Clone> LatchWatch<T> {
    /// The value, or `None` while the latch is not set.
    pub fn get(&self) -> Option<T> {
        self.rx.borrow().clone()
    }

    /// Whether the latch is set.
    pub fn is_set(&self) -> bool {
        self.rx.borrow().is_some()
    }

    /// Waits until the latch is set and returns its value. If the latch is
    /// dropped unset, this waits forever.
    pub async fn wait(&mut self) -> T {
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
        let (latch, first) = Latch::new();
        let second = latch.watch();
        assert!(!first.is_set());
        latch.set("signal");
        latch.set("lost");
        assert_eq!(first.get(), Some("signal"));
        assert_eq!(second.get(), Some("signal"));
        let mut waiter = latch.watch();
        let got = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(waiter.wait());
        assert_eq!(got, "signal");
    }
}
