//! Sections at two depths, with every per-leaf key, under `deny(warnings)`.
#![deny(warnings)]

use std::time::Duration;

use asyncgate_config::{Environment, GateConfig, InstanceId, Secret, SecretString};

/// Pool limits.
#[derive(Debug, GateConfig)]
#[gate(section, check = pool_in_order)]
pub struct Pool {
    #[gate(default = 10)]
    pub max: u32,
    #[gate(default = "5s")]
    pub acquire_timeout: Duration,
}

/// The database.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub struct Database {
    #[gate(required_in(production), alias = "DATABASE_URL")]
    pub url: Option<Secret<String>>,
    #[gate(secret)]
    pub password: Option<SecretString>,
    #[gate(nested)]
    pub pool: Pool,
    #[gate(default = false, forbidden_in(production), env = "ORDERS_DB_DEBUG")]
    pub debug: bool,
}

#[derive(Debug, GateConfig)]
#[gate(prefix = "ORDERS", deny_unknown)]
pub struct Settings {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "orders-1")]
    pub instance_id: InstanceId,
    #[gate(nested, env = "ORDERS_DB")]
    pub database: Database,
}

fn pool_in_order(pool: &Pool, checks: &mut asyncgate_config::validate::Checks<'_>) {
    if pool.max == 0 {
        checks.push(asyncgate_config::Finding::error("max", "a pool needs a connection"));
    }
}

fn main() {
    let _ = Settings::schema().fields();
    let _ = GeneratedTop::schema().fields();
}

// Generated code stays hygienic when a `macro_rules!` writes the struct
// (field types then carry the macro's spans).
macro_rules! section {
    ($name:ident, $($field:ident),*) => {
        #[derive(Debug, GateConfig)]
        #[gate(section, check = $name::in_order)]
        pub struct $name {
            $(#[gate(default = 1, forbidden_in(production))] pub $field: Option<u32>,)*
        }
        impl $name {
            fn in_order(&self, _: &mut asyncgate_config::validate::Checks<'_>) {}
        }
    };
}
section!(Generated, a, b);

macro_rules! top {
    ($name:ident, $section:ident) => {
        #[derive(Debug, GateConfig)]
        #[gate(prefix = "GEN", check = $name::top_check)]
        pub struct $name {
            #[gate(environment, default = "development")]
            pub env: Environment,
            #[gate(instance_id, default = "gen-1")]
            pub instance_id: InstanceId,
            #[gate(required_in(production))]
            pub token: Option<String>,
            #[gate(nested)]
            pub inner: $section,
        }
    };
}
top!(GeneratedTop, Generated);

impl GeneratedTop {
    fn top_check(&self, _: &mut asyncgate_config::validate::Checks<'_>) {}
}
