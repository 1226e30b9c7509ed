//! Marks the PostgreSQL tests ignored (with the reason) where they cannot
//! run: no `ASYNCGATE_TEST_DATABASE_URL` and no PostgreSQL installed.
fn main() {
    asyncgate_test_support::build::postgres_probe();
}
