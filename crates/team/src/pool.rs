//! Reaching the team database: TLS (rustls with the system's roots and an optional CA file;
//! required to any host that is not this computer), a small pool that reconnects by itself
//! after the server comes back, and *Test*.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use tokio_postgres::config::SslMode;
use tokio_postgres::NoTls;

use crate::settings::TeamSettings;
use crate::{db_error, schema_version, TeamError, SCHEMA_VERSION};

/// How long a connection attempt may take before the server counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections each desktop keeps at most.
pub const POOL_SIZE: usize = 4;

/// A pool of connections to the team database. Cheap to clone.
#[derive(Clone)]
pub struct TeamPool {
    pool: Pool,
}

/// The rustls client configuration: the system's roots, plus the CA file when one is given.
fn tls_config(ca_file: Option<&str>) -> Result<rustls::ClientConfig, TeamError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = ca_file.filter(|p| !p.trim().is_empty()) {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| TeamError::CaFile(format!("{path}: {e}")))?
            .collect::<Result<_, _>>()
            .map_err(|e| TeamError::CaFile(format!("{path}: {e}")))?;
        if certs.is_empty() {
            return Err(TeamError::CaFile(format!("{path}: no certificate in it")));
        }
        for c in certs {
            roots
                .add(c)
                .map_err(|e| TeamError::CaFile(format!("{path}: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TeamError::Db(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl TeamPool {
    /// A pool for `settings`, signing in with `password` (from the keychain). Nothing is
    /// connected yet: the first use connects.
    pub fn open(settings: &TeamSettings, password: &str) -> Result<TeamPool, TeamError> {
        if let Some(problem) = settings.problem() {
            return Err(TeamError::Settings(problem));
        }
        let mut cfg = tokio_postgres::Config::new();
        cfg.host(settings.host.trim())
            .port(settings.port)
            .dbname(settings.database.trim())
            .user(settings.user.trim())
            .password(password)
            .application_name("Subdesk")
            .connect_timeout(CONNECT_TIMEOUT);
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = if settings.tls_required() {
            cfg.ssl_mode(SslMode::Require);
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(
                settings.ca_file.as_deref(),
            )?);
            Manager::from_config(cfg, tls, manager_config)
        } else {
            cfg.ssl_mode(SslMode::Disable);
            Manager::from_config(cfg, NoTls, manager_config)
        };
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(CONNECT_TIMEOUT + Duration::from_secs(1)))
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| TeamError::Db(e.to_string()))?;
        Ok(TeamPool { pool })
    }

    /// One connection of the pool (a new one when the server restarted).
    pub async fn get(&self) -> Result<deadpool_postgres::Object, TeamError> {
        self.pool.get().await.map_err(pool_error)
    }
}

fn pool_error(e: deadpool_postgres::PoolError) -> TeamError {
    use deadpool_postgres::PoolError;
    match e {
        PoolError::Backend(e) => db_error(e),
        PoolError::Timeout(_) => TeamError::Unreachable("no answer in time".into()),
        other => TeamError::Db(other.to_string()),
    }
}

/// What *Test* found on a database that works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tested {
    pub schema: i32,
    pub entries: i64,
    /// Whether the connection is encrypted.
    pub tls: bool,
}

impl Tested {
    /// The sentence Settings shows after a successful *Test*.
    pub fn user_message(&self) -> String {
        let entries = match self.entries {
            1 => "1 entry".to_string(),
            n => format!("{n} entries"),
        };
        let how = if self.tls {
            "encrypted (TLS)"
        } else {
            "on this computer, not encrypted"
        };
        format!("Connected: a Subdesk team history with {entries}, {how}.")
    }
}

/// *Test* in Settings: connects, and checks that the database is a Subdesk team database this
/// version can write to.
pub async fn test(settings: &TeamSettings, password: &str) -> Result<Tested, TeamError> {
    let pool = TeamPool::open(settings, password)?;
    let client = pool.get().await?;
    let version = match schema_version(&client).await {
        Ok(v) => v,
        Err(TeamError::NotSubdesk) => {
            let tables = crate::public_tables(&client).await?;
            return Err(if tables == 0 {
                TeamError::NotSetUp
            } else {
                TeamError::NotSubdesk
            });
        }
        Err(e) => return Err(e),
    };
    if version > SCHEMA_VERSION {
        return Err(TeamError::NewerSchema(version));
    }
    if version < SCHEMA_VERSION {
        return Err(TeamError::OlderSchema(version));
    }
    let entries: i64 = client
        .query_one("SELECT count(*) FROM entries", &[])
        .await
        .map_err(db_error)?
        .get(0);
    Ok(Tested {
        schema: version,
        entries,
        tls: settings.tls_required(),
    })
}
