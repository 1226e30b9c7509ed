//! The server's own types never print a connection string's password:
//! its URLs are `ConnectionUrl`s, so even `Settings`' derived `Debug`
//! masks them.

use asyncgate_server::settings::Settings;

#[test]
fn the_settings_debug_masks_connection_url_passwords() {
    let settings = Settings::loader()
        .env([
            (
                "ASYNCGATE_DATABASE_URL",
                "postgresql://app:Pw1,Zq9x@db:5432/app",
            ),
            ("ASYNCGATE_REDIS_URL", "rediss://:Redis,Pw2@cache:6380/0"),
            ("ASYNCGATE_API_KEY", "k-0123456789abcdef"),
        ])
        .load()
        .unwrap()
        .validate()
        .unwrap();
    let validated = format!("{settings:?}");
    let shown = format!("{validated}\n{:?}", settings.into_inner());
    for secret in ["Pw1", "Zq9x", "Redis,Pw2", "Pw2"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(
        shown.contains("postgresql://app:[redacted]@db:5432/app"),
        "{shown}"
    );
}

#[test]
fn the_client_still_gets_the_whole_url() {
    let settings = Settings::loader()
        .env([(
            "ASYNCGATE_DATABASE_URL",
            "postgresql://app:Pw1,Zq9x@db:5432/app",
        )])
        .load()
        .unwrap();
    assert_eq!(
        settings.database_url.expose(),
        "postgresql://app:Pw1,Zq9x@db:5432/app"
    );
}
