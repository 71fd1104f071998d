//! Database access: the two-engine connection, the pool, migrations and transaction helpers.

pub mod prepared;
pub mod schema;
mod sqlite_writer;
pub mod text_enum;

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use secrecy::ExposeSecret;

use crate::config::DatabaseSettings;
use crate::error::{Error, ErrorCode, Result};
use sqlite_writer::SqliteWriter;

/// One set for both engines while they accept the same SQL: the parity test in
/// `tests/api/foundation.rs` checks both create the same columns, and that `schema.rs` matches.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// One connection to either engine; queries written once against `schema.rs` run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Inserts `$rows` (a slice) that no row of `$table` can conflict with, such as the rows of
/// donations written in this same transaction: PostgreSQL by `COPY`, a third quicker than
/// multi-row INSERTs at import sizes; SQLite by INSERTs of `$per_insert` rows, which must keep
/// rows × columns under its 32,766 bind parameters. A macro because diesel's COPY and INSERT
/// bounds are per table.
#[macro_export]
macro_rules! insert_fresh {
    ($conn:expr, $table:expr, $rows:expr, $per_insert:expr) => {{
        use diesel::RunQueryDsl as _;
        let rows = $rows;
        match $conn {
            $crate::db::DbConnection::Postgres(c) => diesel::copy_from($table)
                .from_insertable(rows)
                .execute(c)
                .map(|_| ()),
            $crate::db::DbConnection::Sqlite(c) => rows.chunks($per_insert).try_for_each(|chunk| {
                diesel::insert_into($table)
                    .values(chunk)
                    .execute(c)
                    .map(|_| ())
            }),
        }
    }};
}

/// Runs the same diesel expression against the concrete connection of either engine. For the few
/// statements the portable backend cannot express (e.g. `ON CONFLICT`), each arm is type-checked
/// for its own engine.
#[macro_export]
macro_rules! on_engine {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Sqlite,
}

impl Engine {
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else if url.starts_with("sqlite://") {
            Some(Engine::Sqlite)
        } else {
            None
        }
    }
}

impl DbConnection {
    pub fn engine(&self) -> Engine {
        match self {
            DbConnection::Postgres(_) => Engine::Postgres,
            DbConnection::Sqlite(_) => Engine::Sqlite,
        }
    }

    /// Opens a connection, choosing the engine explicitly from the URL scheme.
    pub fn open(url: &str, busy_timeout_ms: u32) -> ConnectionResult<DbConnection> {
        match Engine::of_url(url) {
            Some(Engine::Postgres) => {
                PgConnection::establish(&with_connect_timeout(url)).map(DbConnection::Postgres)
            }
            Some(Engine::Sqlite) => {
                let path = sqlite_path(url);
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers run beside the one writer; busy_timeout makes writers queue
                // instead of failing; foreign keys are off by default in SQLite.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {busy_timeout_ms}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA cache_size = -{SQLITE_CACHE_KIB}; PRAGMA temp_store = MEMORY;"
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
            None => Err(ConnectionError::InvalidConnectionUrl(
                "database.url must start with sqlite:// or postgres://".into(),
            )),
        }
    }
}

/// Each SQLite connection's page cache, KiB: a pool's worth stays modest; a large import
/// raises its own connection's for the length of its transaction (`with_large_cache`).
const SQLITE_CACHE_KIB: u32 = 16 * 1024;
/// A 100,000-row import touches ~150 MB of pages; with SQLite's default 2 MB cache it spent
/// most of its time spilling pages to the WAL and reading them back.
const SQLITE_LARGE_CACHE_KIB: u32 = 64 * 1024;

/// Runs `f` with a larger SQLite page cache on this connection (PostgreSQL: unchanged).
pub fn with_large_cache<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> T,
) -> Result<T> {
    let resize = |conn: &mut DbConnection, kib: u32| -> Result<()> {
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute(&format!("PRAGMA cache_size = -{kib}"))?;
        }
        Ok(())
    };
    resize(conn, SQLITE_LARGE_CACHE_KIB)?;
    let out = f(conn);
    // `f` may have committed: a cache left large is no reason to report it as failed.
    if let Err(e) = resize(conn, SQLITE_CACHE_KIB) {
        tracing::warn!(error = %e, "SQLite page cache not restored");
    }
    Ok(out)
}

/// libpq waits for an unreachable server without limit unless told: a connect gives up after
/// `CONNECT_TIMEOUT_SECONDS` (libpq's smallest useful value is 2) unless the URL says otherwise.
const CONNECT_TIMEOUT_SECONDS: u32 = 2;

fn with_connect_timeout(url: &str) -> std::borrow::Cow<'_, str> {
    if url.contains("connect_timeout=") {
        return url.into();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}connect_timeout={CONNECT_TIMEOUT_SECONDS}").into()
}

/// The file path of a `sqlite://` URL (`sqlite://data/x.db` is relative, `sqlite:///tmp/x.db` absolute).
pub fn sqlite_path(url: &str) -> &str {
    url.trim_start_matches("sqlite://")
}

pub struct DbManager {
    url: String,
    busy_timeout_ms: u32,
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        DbConnection::open(&self.url, self.busy_timeout_ms).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        use diesel::r2d2::R2D2Connection;
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

pub type DbPool = Pool<DbManager>;
pub type PooledDb = PooledConnection<DbManager>;

/// The shared pool plus the engine it talks to. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    engine: Engine,
    counters: crate::metrics::PoolCounters,
    /// SQLite's writes go to one thread and connection of their own (see `sqlite_writer`).
    sqlite_writer: Option<Arc<SqliteWriter>>,
}

impl Db {
    /// Builds the pool without connecting, so the service can start while the database is down.
    pub fn new(settings: &DatabaseSettings) -> anyhow::Result<Db> {
        let url = settings.url.expose_secret().to_owned();
        let engine = Engine::of_url(&url).ok_or_else(|| {
            anyhow::anyhow!("database.url must start with sqlite:// or postgres://")
        })?;
        if engine == Engine::Sqlite {
            if let Some(parent) = std::path::Path::new(sqlite_path(&url)).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
        }
        let pool = Pool::builder()
            .max_size(settings.pool_size)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_millis(settings.connection_timeout_ms))
            // No `SELECT 1` before every checkout (it was 3 of a redemption's 10 round trips);
            // a connection that breaks is dropped by `has_broken` when it comes back.
            .test_on_check_out(false)
            .build_unchecked(DbManager {
                url: url.clone(),
                busy_timeout_ms: settings.sqlite_busy_timeout_ms,
            });
        let counters = crate::metrics::PoolCounters::new();
        let sqlite_writer = match engine {
            Engine::Sqlite => Some(Arc::new(SqliteWriter::start(
                url.clone(),
                settings.sqlite_busy_timeout_ms,
                counters.write_group_size.clone(),
            )?)),
            Engine::Postgres => None,
        };
        Ok(Db {
            pool,
            engine,
            counters,
            sqlite_writer,
        })
    }

    /// The pool's checkout counters, for `/metrics`.
    pub fn pool_counters(&self) -> crate::metrics::PoolCounters {
        self.counters.clone()
    }

    /// Connections open and idle now.
    pub fn pool_state(&self) -> r2d2::State {
        self.pool.state()
    }

    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub fn get(&self) -> Result<PooledDb> {
        Ok(self.pool.get()?)
    }

    /// Whether the database answers now, waiting at most `timeout` for a connection, so the
    /// readiness probe answers quickly while the database is down.
    pub async fn ready(&self, timeout: Duration) -> Result<()> {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get_timeout(timeout)?;
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
                .execute(&mut *conn)
                .map_err(|e| Error::Unavailable(e.into()))?;
            Ok(())
        })
        .await?
    }

    /// Runs blocking diesel work on the blocking thread pool, never on an async worker.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let counters = self.counters.clone();
        actix_web::web::block(move || {
            let idle = pool.state().idle_connections;
            let started = std::time::Instant::now();
            let conn = pool.get();
            counters.checked_out(started.elapsed(), idle, conn.is_err());
            f(&mut *conn?)
        })
        .await?
    }

    /// Like `run`, inside one write transaction; on SQLite, a savepoint of the writer thread's
    /// current group (`sqlite_writer`), answered once the group has committed.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
    {
        match &self.sqlite_writer {
            Some(writer) => writer.write(f).await,
            None => self.run(move |conn| write_transaction(conn, f)).await,
        }
    }

    /// Applies pending migrations of the engine in use.
    pub fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.get()?;
        run_migrations(&mut conn)
    }
}

pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<()> {
    match conn {
        DbConnection::Postgres(c) => c
            .run_pending_migrations(MIGRATIONS)
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("postgres migrations failed: {e}")),
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(MIGRATIONS)
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("sqlite migrations failed: {e}")),
    }
}

/// A migration the binary carries, or one the database has that the binary does not know (applied
/// by a newer release).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    pub version: String,
    /// The migration's folder name, when this binary carries it.
    pub name: Option<String>,
    pub applied: bool,
}

/// Every migration, oldest first, with whether the database has it. Applies nothing.
pub fn migration_status(conn: &mut DbConnection) -> anyhow::Result<Vec<MigrationState>> {
    let (applied, known) = match conn {
        DbConnection::Postgres(c) => status_of(c)?,
        DbConnection::Sqlite(c) => status_of(c)?,
    };
    let mut states: Vec<MigrationState> = known
        .iter()
        .map(|(version, name)| MigrationState {
            version: version.clone(),
            name: Some(name.clone()),
            applied: applied.contains(version),
        })
        .collect();
    states.extend(
        applied
            .into_iter()
            .filter(|v| !known.iter().any(|(k, _)| k == v))
            .map(|version| MigrationState {
                version,
                name: None,
                applied: true,
            }),
    );
    states.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(states)
}

/// (applied versions, (version, name) of each migration this binary carries).
type Versions = (Vec<String>, Vec<(String, String)>);

fn status_of<DB, C>(c: &mut C) -> anyhow::Result<Versions>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: diesel::migration::MigrationSource<DB>,
{
    use diesel::migration::MigrationSource;
    let err = |e| anyhow::anyhow!("reading the applied migrations: {e}");
    let applied = c
        .applied_migrations()
        .map_err(err)?
        .iter()
        .map(ToString::to_string)
        .collect();
    let known = MIGRATIONS
        .migrations()
        .map_err(err)?
        .iter()
        .map(|m| (m.name().version().to_string(), m.name().to_string()))
        .collect();
    Ok((applied, known))
}

/// One write transaction. On SQLite it starts `IMMEDIATE`, taking the write lock up front so two
/// writers never both read and then fail to upgrade (SQLITE_BUSY mid-transaction).
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> std::result::Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Postgres(_) => conn.transaction(f),
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(e) => {
                    // The original error matters more than a failed rollback.
                    let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(
                        conn,
                    );
                    Err(e)
                }
            }
        }
    }
}

/// Row `id` of table `T` while `G` holds.
type Guarded<'a, T, G> = diesel::dsl::Filter<diesel::dsl::Find<T, &'a str>, G>;

/// Changes row `id` of `table` (a donation, an order) only if `guard`, the states it may still be
/// in, holds: one conditional UPDATE, so of two requests moving the same row only one does.
/// Returns whether it changed the row.
pub fn transition<'a, T, G, V>(
    conn: &mut DbConnection,
    table: T,
    id: &'a str,
    guard: G,
    changes: V,
) -> Result<bool>
where
    T: diesel::query_dsl::methods::FindDsl<&'a str>,
    diesel::dsl::Find<T, &'a str>: diesel::query_dsl::methods::FilterDsl<G>,
    Guarded<'a, T, G>: diesel::query_builder::IntoUpdateTarget,
    V: AsChangeset<Target = <Guarded<'a, T, G> as diesel::associations::HasTable>::Table>,
    diesel::dsl::Update<Guarded<'a, T, G>, V>:
        diesel::query_builder::AsQuery + diesel::query_dsl::methods::ExecuteDsl<DbConnection>,
{
    // Named in here only: beside `QueryDsl`, their `filter`/`find` would be ambiguous.
    use diesel::query_dsl::methods::{FilterDsl, FindDsl};
    let target = FilterDsl::filter(FindDsl::find(table, id), guard);
    let n = diesel::update(target).set(changes).execute(conn)?;
    Ok(n == 1)
}

/// Whether a query failed because the database went away or cannot take it now, rather than
/// because of the query: the connection closed or could not send (a restart, a network cut), the
/// server shutting down or starting up, or SQLite's file locked past its busy timeout. Such a
/// failure is `503` with `Retry-After`, never a `500`.
pub fn is_connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error as E};
    let (kind, info) = match e {
        E::DatabaseError(kind, info) => (kind, info),
        // The connection died inside a transaction.
        E::BrokenTransactionManager => return true,
        E::RollbackErrorOnCommit { commit_error, .. } => return is_connection_lost(commit_error),
        _ => return false,
    };
    if matches!(kind, K::ClosedConnection | K::UnableToSendCommand) {
        return true;
    }
    // libpq and SQLite report these only as text; the SQLSTATE (class 08, 57P01-57P03) is not
    // carried through diesel's error.
    let message = info.message();
    [
        "server closed the connection",
        "terminating connection",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
        "no connection to the server",
        "could not receive data from server",
        "database is locked",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// True when a diesel error is a unique-constraint violation (same on both engines).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Maps "no row" to a 404 with the given code.
pub trait OptionalExt<T> {
    fn or_not_found(self, code: ErrorCode, detail: &str) -> Result<T>;
}

impl<T> OptionalExt<T> for std::result::Result<T, diesel::result::Error> {
    fn or_not_found(self, code: ErrorCode, detail: &str) -> Result<T> {
        match self {
            Ok(v) => Ok(v),
            Err(diesel::result::Error::NotFound) => Err(Error::rejected(code, detail)),
            Err(e) => Err(e.into()),
        }
    }
}

/// The current instant as stored: UTC, microsecond precision (both engines keep microseconds).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
