//! keysplit-server: the share custody service of the keysplit embedded wallet.
//!
//! It stores, per wallet, the public info, the sealed auth share with its key (the key
//! encrypted at rest under the server's master key) and the password-sealed recovery
//! share; it authenticates users by access tokens (JWT, EdDSA or ES256) from the app's
//! identity provider, and releases the auth share only for one authorized request (the
//! wallet's user; plus a key quorum's signatures when a quorum owns the wallet, or a
//! signer's signature and policy), single use, encrypted with HPKE to an ephemeral key of
//! the wallet iframe with the request digest bound in. Rotation and recovery replace a share set by compare-and-swap on the
//! epoch. Every release, refusal and change is appended to an audit log.
//!
//! Started as `keysplit serve`; see `docs/server.md` for the API and the threat model.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let settings = keysplit_server::Settings::load(&keysplit_server::ServeOptions::default())?;
//! let server = keysplit_server::start(settings).await?;
//! println!("listening on {}", server.addr);
//! server.wait().await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod authorization;
pub mod config;
pub mod crypto;
pub mod db;
pub mod dev;
pub mod error;

use std::net::SocketAddr;
use std::sync::Arc;

pub use auth::{Caller, Verifier};
pub use authorization::{authorize_owner, authorize_release};
pub use config::{ConfigError, MasterKey, ServeOptions, Settings};
pub use dev::{DevAlg, DevIssuer};
pub use error::ApiError;

/// A failure to start or run the server.
#[derive(Debug)]
pub enum ServerError {
    /// Bad settings.
    Config(ConfigError),
    /// The database could not be opened or migrated.
    Db(sqlx::Error),
    /// Binding or serving failed.
    Io(std::io::Error),
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Config(e) => write!(f, "configuration: {e}"),
            ServerError::Db(e) => write!(f, "database: {e}"),
            ServerError::Io(e) => write!(f, "I/O: {e}"),
        }
    }
}

impl std::error::Error for ServerError {}

impl From<ConfigError> for ServerError {
    fn from(e: ConfigError) -> Self {
        ServerError::Config(e)
    }
}

impl From<sqlx::Error> for ServerError {
    fn from(e: sqlx::Error) -> Self {
        ServerError::Db(e)
    }
}

impl From<std::io::Error> for ServerError {
    fn from(e: std::io::Error) -> Self {
        ServerError::Io(e)
    }
}

/// A running server.
#[derive(Debug)]
pub struct RunningServer {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    /// The database back end's name.
    pub db: &'static str,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Stops accepting, finishes requests in flight and returns.
    pub async fn stop(self) -> Result<(), ServerError> {
        let _ = self.shutdown.send(true);
        self.wait().await
    }

    /// Waits until the server ends (Ctrl-C or SIGTERM when started by [`run`]).
    pub async fn wait(self) -> Result<(), ServerError> {
        match self.task.await {
            Ok(result) => result.map_err(ServerError::Io),
            Err(e) => Err(ServerError::Io(std::io::Error::other(e.to_string()))),
        }
    }
}

/// Opens the database (migrating it), binds `settings.listen` and serves in a task.
pub async fn start(settings: Settings) -> Result<RunningServer, ServerError> {
    let db = db::Db::connect(&settings.db_url).await?;
    let backend = db.backend.name();
    let state = Arc::new(api::AppState {
        db,
        verifier: settings.verifier,
        master_key: settings.master_key,
        limiter: api::RateLimiter::new(settings.release_per_minute),
        public_url: settings.public_url,
    });
    if state.verifier.key_count() == 0 {
        tracing::warn!("no token issuer configured: every wallet request will get 401");
    }
    let router = api::router(state, settings.max_body_bytes, &settings.allowed_origins)
        .map_err(|e| ServerError::Config(ConfigError(e)))?;
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let addr = listener.local_addr()?;
    let (shutdown, mut watch) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = watch.wait_for(|stop| *stop).await;
            })
            .await
    });
    tracing::info!(%addr, db = backend, "keysplit-server listening");
    Ok(RunningServer {
        addr,
        db: backend,
        shutdown,
        task,
    })
}

/// `keysplit serve`: logs to stderr, starts, and serves until Ctrl-C or SIGTERM.
pub fn run(options: &ServeOptions) -> Result<(), ServerError> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let settings = Settings::load(options)?;
        let server = start(settings).await?;
        let stop = server.shutdown.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutting down");
            let _ = stop.send(true);
        });
        server.wait().await
    })
}

/// Structured logs on stderr (`KEYSPLIT_LOG=debug` for more).
pub fn init_logging() {
    let level = match std::env::var("KEYSPLIT_LOG").as_deref() {
        Ok("debug") => tracing::Level::DEBUG,
        Ok("warn") => tracing::Level::WARN,
        Ok("error") => tracing::Level::ERROR,
        _ => tracing::Level::INFO,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
