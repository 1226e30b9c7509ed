//! What a platform's environment said about the replica besides its id
//! (the pod's namespace, the Cloud Run service, the App Engine version),
//! as one load saw it: `detect` collects it, telemetry reads it.

/// The platform's variables as this load saw them, and the hostname the
/// load was given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PlatformFacts {
    /// Each variable that was set to usable text, trimmed.
    pub(crate) vars: Vec<(&'static str, String)>,
    /// The hostname injected into the loader (`Loader::hostname`), if any.
    pub(crate) hostname: Option<String>,
}

impl PlatformFacts {
    /// The value of the platform variable `name`, when it was set and usable.
    pub(crate) fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The hostname injected into the loader, if any.
    pub(crate) fn hostname(&self) -> Option<&str> {
        self.hostname.as_deref()
    }
}
