//! Connection strings, the libpq environment variables, and the guarded session.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

use crate::PgError;

/// How to reach a database and how to bound the session.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// A libpq connection string: a `postgresql://` URL or `key=value` pairs. Anything it leaves
    /// out comes from the PG* environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
    /// PGDATABASE), as with libpq; an empty string uses the environment alone.
    pub conninfo: String,
    /// `statement_timeout` for every statement.
    pub statement_timeout: Duration,
    /// `lock_timeout`: plumb only takes ACCESS SHARE locks, and gives up rather than queue
    /// behind a migration holding ACCESS EXCLUSIVE.
    pub lock_timeout: Duration,
}

impl ConnectOptions {
    /// Options with plumb's defaults: 30 s statements, 2 s lock waits.
    pub fn new(conninfo: &str) -> ConnectOptions {
        ConnectOptions {
            conninfo: conninfo.to_owned(),
            statement_timeout: Duration::from_secs(30),
            lock_timeout: Duration::from_secs(2),
        }
    }
}

/// Where a session is connected, for messages: user, host, port and database, never the
/// password or the rest of the connection string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Role name.
    pub user: String,
    /// Host name, address or socket directory.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database name.
    pub dbname: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "postgresql://{}@{}:{}/{}",
            self.user, self.host, self.port, self.dbname
        )
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Parses a connection string and fills what it leaves out from the environment.
pub(crate) fn resolve(conninfo: &str) -> Result<(Config, Target, crate::tls::TlsOptions), PgError> {
    let (conninfo, tls) = crate::tls::split(conninfo)?;
    let conninfo = conninfo.as_str();
    let mut config = if conninfo.trim().is_empty() {
        Config::new()
    } else {
        // tokio-postgres's own messages can quote the input; keep the password out of them.
        Config::from_str(conninfo).map_err(|e| {
            let msg = e.to_string();
            PgError::Config(if msg.contains("password") {
                "malformed connection string".to_owned()
            } else {
                msg
            })
        })?
    };
    if config.get_hosts().is_empty() {
        if let Some(h) = env("PGHOST") {
            for part in h.split(',') {
                config.host(part);
            }
        } else {
            // libpq's default: the Unix socket directory when there is one, else localhost.
            let socket = std::path::Path::new("/var/run/postgresql");
            if socket.is_dir() {
                config.host_path(socket);
            } else {
                config.host("localhost");
            }
        }
    }
    if config.get_ports().is_empty() {
        if let Some(p) = env("PGPORT") {
            let port = p
                .parse()
                .map_err(|_| PgError::Config(format!("PGPORT is not a port number: {p}")))?;
            config.port(port);
        }
    }
    if config.get_user().is_none() {
        let user = env("PGUSER")
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".to_owned());
        config.user(&user);
    }
    if config.get_password().is_none() {
        if let Some(p) = env("PGPASSWORD") {
            config.password(p);
        }
    }
    if config.get_dbname().is_none() {
        let db =
            env("PGDATABASE").unwrap_or_else(|| config.get_user().unwrap_or_default().to_owned());
        config.dbname(&db);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name("plumb");
    config.ssl_mode(tls.ssl_mode());
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let target = Target {
        user: config.get_user().unwrap_or_default().to_owned(),
        host,
        port: config.get_ports().first().copied().unwrap_or(5432),
        dbname: config.get_dbname().unwrap_or_default().to_owned(),
    };
    Ok((config, target, tls))
}

/// A connected, guarded session.
pub struct Session {
    pub(crate) client: Client,
    target: Target,
    config: Config,
    tls: crate::tls::TlsOptions,
    setup: String,
}

impl Session {
    /// Connects and bounds the session: statement and lock timeouts, READ ONLY transactions by
    /// default, and a search_path that makes PostgreSQL print names the way the catalog model
    /// spells them (built-ins and `public` unqualified). JIT is off: catalog queries are cheap
    /// but their cost estimates are not, and compiling them took longer than running them
    /// (pg_dump turns JIT off too).
    pub async fn connect(options: &ConnectOptions) -> Result<Session, PgError> {
        let (config, target, tls) = resolve(&options.conninfo)?;
        let client = open(&config, &target, &tls).await?;
        let setup = format!(
            "SET statement_timeout = {}; SET lock_timeout = {}; \
             SET idle_in_transaction_session_timeout = {}; \
             SET default_transaction_read_only = on; SET search_path = pg_catalog, public; \
             SET jit = off",
            options.statement_timeout.as_millis(),
            options.lock_timeout.as_millis(),
            options.statement_timeout.as_millis().max(60_000),
        );
        let session = Session {
            client,
            target,
            config,
            tls,
            setup,
        };
        session
            .client
            .batch_execute(&session.setup)
            .await
            .map_err(|e| session.query_error("setting up the session", &e))?;
        Ok(session)
    }

    /// A second connection with the same settings, for reading in parallel (the caller
    /// synchronizes its snapshot).
    pub(crate) async fn fork(&self) -> Result<Client, PgError> {
        let client = open(&self.config, &self.target, &self.tls).await?;
        client
            .batch_execute(&self.setup)
            .await
            .map_err(|e| self.query_error("setting up the session", &e))?;
        Ok(client)
    }

    /// Where this session is connected.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The underlying client, for queries of other crates' own (still bounded by the session's
    /// timeouts and read-only default).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A query's error, naming what plumb was doing and where (never the password).
    pub fn query_error(&self, what: &'static str, e: &tokio_postgres::Error) -> PgError {
        let (sqlstate, reason) = match e.as_db_error() {
            Some(db) => (Some(db.code().code().to_owned()), db.message().to_owned()),
            None => (None, e.to_string()),
        };
        PgError::Query {
            what,
            target: Box::new(self.target.clone()),
            sqlstate,
            reason,
        }
    }
}

async fn open(
    config: &Config,
    target: &Target,
    tls: &crate::tls::TlsOptions,
) -> Result<Client, PgError> {
    let error = |e: &tokio_postgres::Error| PgError::Connect {
        target: Box::new(target.clone()),
        reason: connect_reason(e),
    };
    // The connection tasks end when the client is dropped; their errors, if any, show up on
    // the next query.
    // Like libpq, no TLS over a Unix-domain socket: the kernel already keeps it local.
    #[cfg(unix)]
    let local = matches!(config.get_hosts().first(), Some(Host::Unix(_)));
    #[cfg(not(unix))]
    let local = false;
    if tls.mode == crate::tls::Mode::Disable || local {
        let (client, connection) = config.connect(NoTls).await.map_err(|e| error(&e))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        return Ok(client);
    }
    let (client, connection) = config
        .connect(crate::tls::connector(tls)?)
        .await
        .map_err(|e| error(&e))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

fn connect_reason(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} (SQLSTATE {})", db.message(), db.code().code());
    }
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_never_shows_the_password() {
        let (_, t, _) = resolve("postgresql://app:s3cret@db.example:6543/shop").unwrap();
        assert_eq!(t.to_string(), "postgresql://app@db.example:6543/shop");
        let (_, t, _) = resolve("host=127.0.0.1 user=app password=s3cret dbname=shop").unwrap();
        assert!(!t.to_string().contains("s3cret"));
        assert_eq!(t.port, 5432);
        let err = resolve("postgresql://app:s3cret@db:notaport/x").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }
}
