//! The donor search index (`donor_search_terms`): each donation's `domain::search::donor_terms`,
//! so a staff search is an index lookup by equality on both engines rather than a `LIKE '%…%'`
//! scan of every donation.
//!
//! A donation made through the ward's site gets its terms in the transaction that writes it. A
//! portal import's donations get theirs just after the import commits, by [`catch_up`]: a
//! 100,000-row file has about a million terms, and writing them inside the import doubled the
//! time staff wait for its answer. Every search calls `catch_up` first, so no search misses a
//! committed donation; it only waits while the last import's terms are still being written.

use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::store::DonationRow;
use crate::db::schema::{donation_imports, donations, donor_search_terms};
use crate::db::{now, write_transaction, Db, DbConnection, Engine, MultiBackend};
use crate::domain::search::{donor_query, donor_terms, DonorFacts};
use crate::error::{Error, Result};

/// Term rows per INSERT: two bind parameters each, far below SQLite's 32,766.
const TERMS_PER_INSERT: usize = 5_000;
/// Donations the backfill and the catch-up index per transaction, so SQLite's write lock is
/// never held long.
const BACKFILL_CHUNK: i64 = 1_000;
/// Each word is one more index lookup; a search names a donor in a few.
const MAX_WORDS: usize = 10;

#[derive(Insertable)]
#[diesel(table_name = donor_search_terms, treat_none_as_default_value = false)]
struct TermRow {
    donation_id: String,
    term: String,
}

/// What a donation row says about its donor.
fn facts_of(row: &DonationRow) -> DonorFacts<'_> {
    DonorFacts {
        name: &row.donor.donor_name,
        name_kana: &row.donor.donor_name_kana,
        email: &row.donor.donor_email,
        phone: &row.donor.donor_phone,
        postal_code: &row.donor.donor_postal_code,
        receipt_number: row.receipt_number.as_deref(),
        external_id: row.external_id.as_deref(),
    }
}

/// The term rows of donations given as (id, facts), in term order: the primary key's, so a
/// large batch walks the index once instead of at random.
fn term_rows(indexed: &[(&str, DonorFacts<'_>)]) -> Vec<TermRow> {
    let mut rows: Vec<TermRow> = indexed
        .iter()
        .flat_map(|&(donation_id, facts)| {
            donor_terms(&facts).into_iter().map(move |term| TermRow {
                donation_id: donation_id.to_owned(),
                term,
            })
        })
        .collect();
    rows.sort_unstable_by(|a, b| a.term.cmp(&b.term));
    rows
}

/// Writes the terms of donations given as (id, facts); a term already there is kept, so
/// indexing a donation again only adds what is new (its receipt number once paid).
fn insert(conn: &mut DbConnection, indexed: &[(&str, DonorFacts<'_>)]) -> Result<()> {
    insert_rows(conn, &term_rows(indexed))
}

fn insert_rows(conn: &mut DbConnection, rows: &[TermRow]) -> Result<()> {
    for chunk in rows.chunks(TERMS_PER_INSERT) {
        crate::on_engine!(conn, |c| diesel::insert_into(donor_search_terms::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// Writes one donation's terms (new, or changed by adding a field such as its receipt number).
pub fn index(conn: &mut DbConnection, row: &DonationRow) -> Result<()> {
    insert(conn, &[(row.id.as_str(), facts_of(row))])
}

/// The columns the terms come from, for the backfill.
#[derive(Queryable, Selectable)]
#[diesel(table_name = donations)]
struct Unindexed {
    id: String,
    donor_name: String,
    donor_name_kana: String,
    donor_email: String,
    donor_phone: String,
    donor_postal_code: String,
    receipt_number: Option<String>,
    external_id: Option<String>,
}

impl Unindexed {
    fn facts(&self) -> DonorFacts<'_> {
        DonorFacts {
            name: &self.donor_name,
            name_kana: &self.donor_name_kana,
            email: &self.donor_email,
            phone: &self.donor_phone,
            postal_code: &self.donor_postal_code,
            receipt_number: self.receipt_number.as_deref(),
            external_id: self.external_id.as_deref(),
        }
    }
}

/// A donation with no term yet.
const HAS_NO_TERMS: &str = "NOT EXISTS (SELECT 1 FROM donor_search_terms \
     WHERE donor_search_terms.donation_id = donations.id)";

/// Indexes the donations that have no terms: those from before the index, or written by an
/// older release during a rolling update. Runs at start-up; when every donation is indexed it
/// is one read that finds nothing. Returns how many it indexed.
pub fn backfill(conn: &mut DbConnection) -> Result<usize> {
    let mut after = String::new();
    let mut indexed = 0;
    loop {
        // In id order from where the last chunk ended, so a donation without any term (nothing
        // to index) cannot hold the loop.
        let chunk: Vec<Unindexed> = donations::table
            .filter(donations::id.gt(&after))
            .filter(diesel::dsl::sql::<Bool>(HAS_NO_TERMS))
            .order(donations::id.asc())
            .select(Unindexed::as_select())
            .limit(BACKFILL_CHUNK)
            .load(conn)?;
        // An import still to catch up is left to `catch_up`: some of its donations may have
        // only part of their terms (a SQLite catch-up stopped between chunks).
        let Some(last) = chunk.last() else {
            return Ok(indexed);
        };
        after = last.id.clone();
        let facts: Vec<(&str, DonorFacts<'_>)> =
            chunk.iter().map(|d| (d.id.as_str(), d.facts())).collect();
        write_transaction(conn, |c| insert(c, &facts))?;
        indexed += chunk.len();
    }
}

/// Term rows an import's catch-up writes per SQLite transaction: a contiguous range of the
/// index (the rows are in term order), so each of its pages is written about once, in under a
/// second of the write lock. Chunks by donation scattered every chunk over the whole index and
/// took twice as long in all.
const SQLITE_TERMS_PER_WRITE: usize = 100_000;
/// The PostgreSQL advisory lock that makes instances take turns writing an import's terms (any
/// fixed number no other lock of the service uses).
const CATCH_UP_LOCK: i64 = 0x5345_4152_4348_0012;

/// One catch-up at a time in this process: a search arriving while the sweeper (or the task an
/// import starts) is writing the terms waits for it instead of writing the same terms again.
static CATCHING_UP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Writes the terms of every import that does not have them yet. When nothing is pending it is
/// one read. Returns how many donations it indexed.
///
/// PostgreSQL reads and writes an import's terms in one transaction, after the advisory lock, by
/// `COPY` (its readers never wait on a writer); SQLite in `SQLITE_TERMS_PER_WRITE` chunks through `Db::write`, its one writer, so
/// a till never waits long behind them. A SQLite chunk written twice (after a restart) keeps
/// the terms already there.
pub async fn catch_up(db: &Db) -> Result<usize> {
    // The common case, nothing pending, is one read without waiting for the lock.
    if db.run(oldest_unindexed_import).await?.is_none() {
        return Ok(0);
    }
    let _turn = CATCHING_UP.lock().await;
    let mut indexed = 0;
    while let Some(import_id) = db.run(oldest_unindexed_import).await? {
        indexed += match db.engine() {
            Engine::Postgres => {
                db.write(move |c| rewrite_import_terms(c, &import_id))
                    .await?
            }
            Engine::Sqlite => write_import_terms_in_chunks(db, import_id).await?,
        };
    }
    Ok(indexed)
}

/// An import's terms read and written in one transaction (PostgreSQL's way: its readers never
/// wait on a writer), after the advisory lock, so what another instance wrote meanwhile is neither
/// read nor written again. Terms written before (by the backfill, or an older release) go, and
/// come back with the rest, so the `COPY` cannot conflict. Returns how many donations it indexed.
fn rewrite_import_terms(conn: &mut DbConnection, import_id: &str) -> Result<usize> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(CATCH_UP_LOCK)
            .execute(pg)?;
    }
    if !still_pending(conn, import_id)? {
        return Ok(0);
    }
    let (donations, rows) = terms_of_import(conn, import_id)?;
    let of_import = donations::table
        .filter(donations::import_id.eq(import_id))
        .select(donations::id);
    diesel::delete(
        donor_search_terms::table.filter(donor_search_terms::donation_id.eq_any(of_import)),
    )
    .execute(conn)?;
    crate::insert_fresh!(conn, donor_search_terms::table, &rows[..], TERMS_PER_INSERT)?;
    mark_indexed(conn, import_id)?;
    Ok(donations)
}

/// SQLite: an import's terms in `SQLITE_TERMS_PER_WRITE` chunks through the one writer; the
/// last chunk marks the import indexed. A chunk written again (after a restart) keeps the terms
/// already there. Returns how many donations it indexed.
async fn write_import_terms_in_chunks(db: &Db, import_id: String) -> Result<usize> {
    let id = import_id.clone();
    let (donations, mut rows) = db.run(move |c| terms_of_import(c, &id)).await?;
    loop {
        let chunk = rows.split_off(rows.len().saturating_sub(SQLITE_TERMS_PER_WRITE));
        let last = rows.is_empty();
        let id = import_id.clone();
        db.write(move |c| {
            crate::db::with_large_cache(c, |c| {
                insert_rows(c, &chunk)?;
                if last {
                    mark_indexed(c, &id)?;
                }
                Ok(())
            })?
        })
        .await?;
        if last {
            return Ok(donations);
        }
    }
}

fn mark_indexed(conn: &mut DbConnection, import_id: &str) -> Result<()> {
    diesel::update(donation_imports::table.find(import_id))
        .set(donation_imports::search_indexed_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// Before a staff list with a search `q`: every committed donation findable first.
pub async fn before_search(db: &Db, q: Option<&str>) -> Result<()> {
    if q.is_some() {
        catch_up(db).await?;
    }
    Ok(())
}

/// Whether the import's terms are still to be written.
fn still_pending(conn: &mut DbConnection, import_id: &str) -> Result<bool> {
    let at: Option<Option<chrono::NaiveDateTime>> = donation_imports::table
        .find(import_id)
        .select(donation_imports::search_indexed_at)
        .first(conn)
        .optional()?;
    Ok(at == Some(None))
}

fn oldest_unindexed_import(conn: &mut DbConnection) -> Result<Option<String>> {
    Ok(donation_imports::table
        .filter(donation_imports::search_indexed_at.is_null())
        .order((
            donation_imports::created_at.asc(),
            donation_imports::id.asc(),
        ))
        .select(donation_imports::id)
        .first(conn)
        .optional()?)
}

/// How many donations an import brought in, and all their term rows in term order.
fn terms_of_import(conn: &mut DbConnection, import_id: &str) -> Result<(usize, Vec<TermRow>)> {
    let imported: Vec<Unindexed> = donations::table
        .filter(donations::import_id.eq(import_id))
        .select(Unindexed::as_select())
        .load(conn)?;
    let facts: Vec<(&str, DonorFacts<'_>)> = imported
        .iter()
        .map(|d| (d.id.as_str(), d.facts()))
        .collect();
    Ok((imported.len(), term_rows(&facts)))
}

/// How a staff search picks donations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DonorSearch {
    /// A pasted donation id.
    Donation(String),
    /// Donations having every one of these terms (`domain::search::donor_query`).
    Terms(Vec<String>),
}

/// The staff search `typed`; `None` when it holds no word. A donation id is looked up first, by
/// its primary key: OR-ed with the term lookups it would turn PostgreSQL's semi-joins into a
/// scan of every donation.
pub fn search(conn: &mut DbConnection, typed: &str) -> Result<Option<DonorSearch>> {
    let typed = typed.trim();
    if uuid::Uuid::parse_str(typed).is_ok() {
        let found: Option<String> = donations::table
            .filter(donations::id.eq(typed))
            .select(donations::id)
            .first(conn)
            .optional()?;
        if let Some(id) = found {
            return Ok(Some(DonorSearch::Donation(id)));
        }
    }
    let words = donor_query(typed);
    if words.len() > MAX_WORDS {
        return Err(Error::field(
            "q",
            format!("must have at most {MAX_WORDS} words"),
        ));
    }
    Ok((!words.is_empty()).then_some(DonorSearch::Terms(words)))
}

/// `query` narrowed to the donations `search` finds: one `id IN (SELECT donation_id … WHERE
/// term = ?)` per word, each an index lookup on the terms' primary key.
pub fn narrow<'a>(
    mut query: donations::BoxedQuery<'a, MultiBackend>,
    search: &DonorSearch,
) -> donations::BoxedQuery<'a, MultiBackend> {
    match search {
        DonorSearch::Donation(id) => query.filter(donations::id.eq(id.clone())),
        DonorSearch::Terms(words) => {
            for word in words {
                let having = donor_search_terms::table
                    .filter(donor_search_terms::term.eq(word.clone()))
                    .select(donor_search_terms::donation_id);
                query = query.filter(donations::id.eq_any(having));
            }
            query
        }
    }
}
