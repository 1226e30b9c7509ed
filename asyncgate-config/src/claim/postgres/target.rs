//! What a connection URL names, for messages: the driver suffix of a
//! SQLAlchemy-style URL stripped, and the store described by host, port
//! and database, never the password.

/// `postgresql+asyncpg://...` -> `postgresql://...`.
pub(super) fn strip_driver(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if scheme.contains('+') => {
            format!("{}://{rest}", scheme.split('+').next().unwrap_or(scheme))
        }
        _ => url.to_owned(),
    }
}

/// `postgres store host:port/db`, never the password.
pub(super) fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres store {host}:{port}/{}",
        config.get_dbname().unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_suffixes_are_stripped_and_passwords_never_described() {
        assert_eq!(
            strip_driver("postgresql+asyncpg://u:p@h/db"),
            "postgresql://u:p@h/db"
        );
        assert_eq!(strip_driver("postgres://u@h/db"), "postgres://u@h/db");
        let config: tokio_postgres::Config = "postgresql://app:hunter2@db.internal:6432/app"
            .parse()
            .unwrap();
        assert_eq!(describe(&config), "postgres store db.internal:6432/app");
    }
}
