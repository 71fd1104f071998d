//! SQLite's one writer, with group commit.
//!
//! SQLite lets one writer in at a time. The writes of this process go to one thread that owns a
//! connection of its own, instead of taking turns on SQLite's lock, whose busy handler polls with
//! sleeps of up to 100 ms (measured: a p99 of 120 ms under 8 parallel writers); that connection's
//! page cache also stays warm. Another process (the CLI) still meets the busy timeout.
//!
//! **Group commit.** The thread opens one `BEGIN IMMEDIATE` transaction and runs the writes
//! waiting for it one after another, each in a savepoint of its own, and commits when no further
//! write is waiting (or after `MAX_GROUP`). A write that fails rolls back to its savepoint and
//! leaves the others alone, as its own transaction would have. Every caller hears the answer only
//! after the group is over, so an answer still means "committed"; if the group does not commit
//! (its COMMIT fails, SQLite ends the transaction under a write, a write panics), every write of
//! it hears so, refusals included, and writes still queued go to the next group. What
//! changes is the cost: the COMMIT appends the pages the group touched to the WAL once, where
//! one transaction per write appended the same hot pages (a voucher, the last page of
//! `redemptions` and of its indexes) again for every write.
//!
//! **Groups stay small** (`MAX_GROUP`). Every caller of a group waits for its last write, so a
//! large group holds nearly every client at once; they then come back together while the writer
//! idles, a convoy. Measured at 8 connections on 2 cores: groups of up to 4 gave 15–18 % more
//! redemptions per second than groups of up to 64 (which carried about 6 redemptions a group in
//! those runs), and more than no grouping.
//!
//! **Checkpoints off the writer** (`checkpointer`). SQLite copies the WAL back into the database
//! file on the connection that committed, once the WAL passes 1,000 pages: two `fsync`s on the
//! writer, during which every write waits (a p90 of 5 ms where the median was 0.8). A thread of
//! its own runs `PASSIVE` checkpoints instead while writes come in, each copying what was
//! committed since the last, up to the oldest snapshot a reader still holds; a passive
//! checkpoint never stops the writer. They are kept `CHECKPOINT_SPACING` apart. The writer's
//! connection keeps SQLite's own checkpoint as a backstop, at `BACKSTOP_CHECKPOINT_PAGES`, should
//! the checkpointer fall behind. Writes that do not go through this thread (an import on a pooled
//! connection, the CLI) still checkpoint by themselves at SQLite's 1,000 pages.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use prometheus::Histogram;
use tokio::sync::oneshot;

use super::{is_connection_lost, DbConnection};
use crate::error::{Error, Result};

/// The most writes in one group (see "Groups stay small" above). Between groups the lock is free
/// only for a moment: another process (the CLI) or a pool connection's own transaction (an
/// import) waits for it with its busy timeout, as it did when the writes took turns one by one.
const MAX_GROUP: usize = 4;

/// The least time from one checkpoint to the next. Measured at 8 connections on 2 cores:
/// back-to-back checkpoints took CPU from the requests (redemptions 8,000/s against 9,500 at 5 ms);
/// 20 or 50 ms apart, each checkpoint's `fsync` grew and the writes behind it waited longer
/// (donations' p99 34 and 39 ms, against 26 at 5 ms).
const CHECKPOINT_SPACING: std::time::Duration = std::time::Duration::from_millis(5);

/// The writer's connection checkpoints by itself only past this many WAL pages (SQLite's default
/// is 1,000): a backstop, should the checkpointer fall behind or fail.
const BACKSTOP_CHECKPOINT_PAGES: u32 = 10_000;

/// The handle every clone of `Db` shares: writes are sent to the writer thread, which stops when
/// the last handle is dropped.
pub(super) struct SqliteWriter {
    jobs: mpsc::Sender<Box<dyn Pending>>,
}

impl SqliteWriter {
    /// Starts the writer thread. It opens its connection on the first write, so the service can
    /// start while the file cannot be opened.
    pub(super) fn start(
        url: String,
        busy_timeout_ms: u32,
        group_size: Histogram,
    ) -> std::io::Result<SqliteWriter> {
        let (jobs, queue) = mpsc::channel();
        // One pending signal at most: the groups that commit before the checkpointer takes it
        // are all covered by the checkpoint it starts. The checkpointer stops when the writer
        // thread, which holds `committed`, does.
        let (committed, checkpoint_due) = mpsc::sync_channel(1);
        let checkpointer_url = url.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || checkpointer(&checkpointer_url, busy_timeout_ms, &checkpoint_due))?;
        std::thread::Builder::new()
            .name("sqlite-writer".to_owned())
            .spawn(move || serve(&url, busy_timeout_ms, &queue, &group_size, &committed))?;
        Ok(SqliteWriter { jobs })
    }

    /// Hands `work` to the writer thread at once; it runs in a savepoint of the current group
    /// and is answered once the group has committed.
    pub(super) fn write<T, F>(&self, work: F) -> impl Future<Output = Result<T>> + 'static
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            work: Some(work),
            outcome: None,
            reply,
        };
        let sent = self.jobs.send(Box::new(job));
        async move {
            sent.map_err(|_| Error::internal("the SQLite writer has stopped"))?;
            answer
                .await
                .unwrap_or_else(|_| Err(Error::internal("a SQLite write was dropped unanswered")))
        }
    }
}

/// One write waiting for the writer thread, its result kept until its group's COMMIT.
trait Pending: Send {
    /// Runs the write in a savepoint of the group's transaction. An error here is the group's:
    /// the savepoint could not be opened, released or rolled back to.
    fn run(&mut self, conn: &mut DbConnection) -> diesel::QueryResult<()>;
    /// Answers the caller once the group is over: its own result if the group committed;
    /// otherwise the group's failure, even for a refusal, which may have rested on rows of the
    /// group that are gone (a retry decides afresh).
    fn answer(self: Box<Self>, group: std::result::Result<(), &GroupFailure>);
}

struct Job<T, F> {
    work: Option<F>,
    outcome: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> Pending for Job<T, F>
where
    T: Send,
    F: FnOnce(&mut DbConnection) -> Result<T> + Send,
{
    fn run(&mut self, conn: &mut DbConnection) -> diesel::QueryResult<()> {
        type Manager = <DbConnection as Connection>::TransactionManager;
        let Some(work) = self.work.take() else {
            return Ok(());
        };
        // At depth one, diesel's transaction manager opens a SAVEPOINT, and RELEASEs it or
        // rolls back to it.
        Manager::begin_transaction(conn)?;
        let outcome = work(conn);
        match outcome {
            Ok(_) => Manager::commit_transaction(conn)?,
            Err(_) => Manager::rollback_transaction(conn)?,
        }
        self.outcome = Some(outcome);
        Ok(())
    }

    fn answer(self: Box<Self>, group: std::result::Result<(), &GroupFailure>) {
        let answer = match (self.outcome, group) {
            (_, Err(failure)) => Err(failure.error()),
            (Some(outcome), Ok(())) => outcome,
            (None, Ok(())) => Err(Error::internal("a SQLite write was not run")),
        };
        // The caller may have gone (its client hung up); the write stands all the same.
        let _ = self.reply.send(answer);
    }
}

/// Why a group did not commit: each of its callers gets an error made from it.
struct GroupFailure {
    unavailable: bool,
    why: String,
}

impl GroupFailure {
    fn internal(why: &str) -> GroupFailure {
        GroupFailure {
            unavailable: false,
            why: why.to_owned(),
        }
    }

    fn error(&self) -> Error {
        let cause = anyhow::anyhow!("SQLite write group failed: {}", self.why);
        if self.unavailable {
            Error::Unavailable(cause)
        } else {
            Error::Internal(cause)
        }
    }
}

impl From<diesel::result::Error> for GroupFailure {
    fn from(e: diesel::result::Error) -> Self {
        GroupFailure {
            unavailable: is_connection_lost(&e),
            why: e.to_string(),
        }
    }
}

fn serve(
    url: &str,
    busy_timeout_ms: u32,
    queue: &mpsc::Receiver<Box<dyn Pending>>,
    group_size: &Histogram,
    committed: &mpsc::SyncSender<()>,
) {
    let mut conn = None;
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        let outcome = run_group(&mut conn, url, busy_timeout_ms, queue, &mut group);
        if outcome.is_ok() {
            // Before the answers: a caller that has its answer finds its group counted.
            group_size.observe(group.len() as f64);
        }
        for job in group {
            job.answer(outcome.as_ref().map(|_| ()));
        }
        if outcome.is_ok() {
            // A full channel holds a signal not yet taken: that checkpoint covers this group too.
            let _ = committed.try_send(());
        }
    }
}

/// Runs `group`, and whatever joins it while it runs, on the writer's connection (opened again
/// after a failure broke it).
fn run_group(
    slot: &mut Option<DbConnection>,
    url: &str,
    busy_timeout_ms: u32,
    queue: &mpsc::Receiver<Box<dyn Pending>>,
    group: &mut Vec<Box<dyn Pending>>,
) -> std::result::Result<(), GroupFailure> {
    let conn = match &mut *slot {
        Some(conn) => conn,
        empty => {
            let mut opened =
                DbConnection::open(url, busy_timeout_ms).map_err(|e| GroupFailure {
                    unavailable: true,
                    why: e.to_string(),
                })?;
            opened.batch_execute(&format!(
                "PRAGMA wal_autocheckpoint = {BACKSTOP_CHECKPOINT_PAGES}"
            ))?;
            empty.insert(opened)
        }
    };
    let outcome = commit_group(conn, queue, group);
    // A group that failed may have left its transaction, or diesel's view of it, half open:
    // closing the connection rolls back whatever is left, and the next group opens a fresh one.
    if outcome.is_err() {
        *slot = None;
    }
    outcome
}

/// After the writer commits, a `PASSIVE` checkpoint on a connection of its own (one for all the
/// groups committed since the last, at most one per `CHECKPOINT_SPACING`): it copies what no
/// reader still needs and never waits for, nor blocks, the writer. Stops when the writer thread
/// does.
fn checkpointer(url: &str, busy_timeout_ms: u32, checkpoint_due: &mpsc::Receiver<()>) {
    let mut conn = None;
    let mut failing = false;
    for () in checkpoint_due {
        // The writer's backstop checkpoints meanwhile; a fresh connection tries next time. One
        // line when checkpoints start failing and one when they work again, not one a commit.
        match checkpoint(&mut conn, url, busy_timeout_ms) {
            Ok(()) if failing => {
                tracing::info!("SQLite checkpoints work again");
                failing = false;
            }
            Ok(()) => {}
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "SQLite checkpoint failed; the writer's backstop checkpoints until it works again");
                }
                failing = true;
                conn = None;
            }
        }
        std::thread::sleep(CHECKPOINT_SPACING);
    }
}

/// One passive checkpoint, on the checkpointer's connection (opened again after a failure).
fn checkpoint(
    slot: &mut Option<DbConnection>,
    url: &str,
    busy_timeout_ms: u32,
) -> anyhow::Result<()> {
    let conn = match slot {
        Some(conn) => conn,
        empty => empty.insert(DbConnection::open(url, busy_timeout_ms)?),
    };
    conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")?;
    Ok(())
}

/// Whether the group's own transaction is still open, as diesel and SQLite see it.
fn in_group_transaction(conn: &mut DbConnection) -> bool {
    let DbConnection::Sqlite(inner) = &mut *conn else {
        return false;
    };
    // diesel marks the transaction gone when a savepoint command fails in autocommit mode.
    let depth = AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth();
    matches!(depth, Ok(Some(depth)) if depth.get() == 1)
}

/// One `BEGIN IMMEDIATE`, each write in its savepoint until none is waiting, one COMMIT.
fn commit_group(
    conn: &mut DbConnection,
    queue: &mpsc::Receiver<Box<dyn Pending>>,
    group: &mut Vec<Box<dyn Pending>>,
) -> std::result::Result<(), GroupFailure> {
    if let DbConnection::Sqlite(inner) = &mut *conn {
        AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    }
    let mut next = 0;
    loop {
        let job = &mut group[next];
        match catch_unwind(AssertUnwindSafe(|| job.run(conn))) {
            Ok(ran) => ran?,
            Err(_) => return Err(GroupFailure::internal("a write panicked")),
        }
        // SQLite itself may have rolled the whole transaction back (a full disk, an I/O error, a
        // trigger's RAISE(ROLLBACK)); the write's savepoint command then failed above, or diesel
        // has seen the transaction end. Nothing of the group is left to commit, and the next
        // write must not run outside it.
        if !in_group_transaction(conn) {
            return Err(GroupFailure::internal(
                "the transaction ended under a write",
            ));
        }
        next += 1;
        if next == MAX_GROUP {
            break;
        }
        match queue.try_recv() {
            Ok(job) => group.push(job),
            Err(_) => break,
        }
    }
    Ok(<DbConnection as Connection>::TransactionManager::commit_transaction(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use diesel::sql_types::BigInt;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// The rows of `t` another connection sees: what has been committed.
    fn committed_rows(url: &str) -> i64 {
        let mut conn = DbConnection::open(url, 1000).unwrap();
        diesel::sql_query("SELECT count(*) AS n FROM t")
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n
    }

    fn insert(conn: &mut DbConnection, x: i64) -> Result<()> {
        diesel::sql_query(format!("INSERT INTO t (x) VALUES ({x})")).execute(conn)?;
        Ok(())
    }

    async fn writer_on_fresh_file() -> (tempfile::TempDir, String, SqliteWriter, Histogram) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let sizes = crate::metrics::PoolCounters::new().write_group_size;
        let writer = SqliteWriter::start(url.clone(), 1000, sizes.clone()).unwrap();
        writer
            .write(|c| {
                diesel::sql_query("CREATE TABLE t (x INTEGER NOT NULL)").execute(c)?;
                // Row 99 makes SQLite roll the whole transaction back, as a full disk would.
                diesel::sql_query(
                    "CREATE TRIGGER t_abort BEFORE INSERT ON t WHEN NEW.x = 99 \
                     BEGIN SELECT RAISE(ROLLBACK, 'aborted'); END",
                )
                .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        (dir, url, writer, sizes)
    }

    /// A write that holds the writer thread until the returned sender is dropped, so that every
    /// write sent meanwhile joins its group.
    fn hold(writer: &SqliteWriter) -> (mpsc::Sender<()>, impl Future<Output = Result<()>>) {
        let (release, held) = mpsc::channel::<()>();
        let first = writer.write(move |c| {
            let _ = held.recv();
            insert(c, 0)
        });
        (release, first)
    }

    /// Row 1 written, and row 2 written then refused.
    fn written_and_refused(
        writer: &SqliteWriter,
    ) -> (
        impl Future<Output = Result<()>>,
        impl Future<Output = Result<()>>,
    ) {
        let ok = writer.write(|c| insert(c, 1));
        let refused = writer.write(|c| -> Result<()> {
            insert(c, 2)?;
            Err(Error::rejected(ErrorCode::BadRequest, "refused"))
        });
        (ok, refused)
    }

    #[tokio::test]
    async fn a_group_commits_once_and_a_refused_write_is_rolled_back_alone() {
        let (_dir, url, writer, sizes) = writer_on_fresh_file().await;
        let (release, first) = hold(&writer);
        let (ok, refused) = written_and_refused(&writer);
        let reader_url = url.clone();
        let last = writer.write(move |c| {
            insert(c, 3)?;
            Ok(committed_rows(&reader_url))
        });
        drop(release);
        first.await.unwrap();
        assert_eq!(committed_rows(&url), 3, "answered only once committed");
        ok.await.unwrap();
        assert_eq!(refused.await.unwrap_err().code(), ErrorCode::BadRequest);
        assert_eq!(
            last.await.unwrap(),
            0,
            "the last write ran in the same, still uncommitted transaction as the first"
        );
        assert_eq!(
            committed_rows(&url),
            3,
            "rows 0, 1 and 3; not the refused 2"
        );
        // The table's creation, then the four writes in one group.
        assert_eq!(sizes.get_sample_count(), 2);
        assert_eq!(sizes.get_sample_sum(), 5.0);
    }

    #[tokio::test]
    async fn a_transaction_ended_under_a_write_fails_its_group_refusals_included() {
        let (_dir, url, writer, sizes) = writer_on_fresh_file().await;
        let (release, first) = hold(&writer);
        let (ok, refused) = written_and_refused(&writer);
        let aborts = writer.write(|c| insert(c, 99));
        let queued = writer.write(|c| insert(c, 3));
        drop(release);
        assert!(first.await.is_err());
        assert!(
            ok.await.is_err(),
            "its rows are gone: it must not hear success"
        );
        let refusal = refused.await.unwrap_err();
        assert!(
            matches!(refusal, Error::Internal(_)),
            "a refusal in a failed group is not final: {refusal:?}"
        );
        assert!(aborts.await.is_err());
        queued.await.unwrap();
        assert_eq!(committed_rows(&url), 1, "only the write of the next group");
        assert_eq!(
            sizes.get_sample_count(),
            2,
            "the table's group and the next one"
        );
    }

    #[tokio::test]
    async fn the_checkpointer_copies_committed_pages_into_the_database_file() {
        let (dir, _url, writer, _) = writer_on_fresh_file().await;
        // About 250 pages of rows, under SQLite's own threshold (1,000) and the writer's backstop:
        // only the checkpointer moves them out of the WAL.
        writer
            .write(|c| {
                diesel::sql_query(
                    "WITH RECURSIVE n(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n \
                     WHERE i < 100100) INSERT INTO t (x) SELECT i FROM n",
                )
                .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let file = dir.path().join("w.db");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::fs::metadata(&file).unwrap().len() < 512 * 1024 {
            assert!(
                std::time::Instant::now() < deadline,
                "the database file still holds {} bytes; the rows are only in the WAL",
                std::fs::metadata(&file).unwrap().len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn a_panicking_write_fails_its_group_and_the_writer_goes_on() {
        let (_dir, url, writer, _) = writer_on_fresh_file().await;
        let (release, first) = hold(&writer);
        let ok = writer.write(|c| insert(c, 1));
        let panics = writer.write(|_| -> Result<()> { panic!("a bug in a write") });
        drop(release);
        assert!(first.await.is_err());
        assert!(
            ok.await.is_err(),
            "its group was rolled back: it must not hear success"
        );
        assert!(panics.await.is_err());
        assert_eq!(committed_rows(&url), 0);
        writer.write(|c| insert(c, 4)).await.unwrap();
        assert_eq!(
            committed_rows(&url),
            1,
            "a fresh connection took the next group"
        );
    }
}
