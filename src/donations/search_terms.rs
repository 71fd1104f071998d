//! The donor search index (`donor_search_terms`): each donation's `domain::search::donor_terms`,
//! written in the transaction that writes the donation, so a staff search is an index lookup by
//! equality on both engines rather than a `LIKE '%…%'` scan of every donation.

use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::store::DonationRow;
use crate::db::schema::{donations, donor_search_terms};
use crate::db::{write_transaction, DbConnection, MultiBackend};
use crate::domain::search::{donor_query, donor_terms, DonorFacts};
use crate::error::{Error, Result};

/// Term rows per INSERT: two bind parameters each, far below SQLite's 32,766.
const TERMS_PER_INSERT: usize = 5_000;
/// Donations the backfill indexes per transaction, so SQLite's write lock is never held long.
const BACKFILL_CHUNK: i64 = 1_000;
/// Each word is one more index lookup; a search names a donor in a few.
const MAX_WORDS: usize = 10;

#[derive(Insertable)]
#[diesel(table_name = donor_search_terms, treat_none_as_default_value = false)]
struct TermRow<'a> {
    donation_id: &'a str,
    term: String,
}

/// What a donation row says about its donor.
fn facts_of(row: &DonationRow) -> DonorFacts<'_> {
    DonorFacts {
        name: &row.donor_name,
        name_kana: &row.donor_name_kana,
        email: &row.donor_email,
        phone: &row.donor_phone,
        postal_code: &row.donor_postal_code,
        receipt_number: row.receipt_number.as_deref(),
        external_id: row.external_id.as_deref(),
    }
}

/// The term rows of donations given as (id, facts), in term order: the primary key's, so a
/// large batch walks the index once instead of at random.
fn term_rows<'a>(indexed: &[(&'a str, DonorFacts<'_>)]) -> Vec<TermRow<'a>> {
    let mut rows: Vec<TermRow<'a>> = indexed
        .iter()
        .flat_map(|&(donation_id, facts)| {
            donor_terms(&facts)
                .into_iter()
                .map(move |term| TermRow { donation_id, term })
        })
        .collect();
    rows.sort_unstable_by(|a, b| a.term.cmp(&b.term));
    rows
}

/// Writes the terms of donations given as (id, facts); a term already there is kept, so
/// indexing a donation again only adds what is new (its receipt number once paid).
fn insert(conn: &mut DbConnection, indexed: &[(&str, DonorFacts<'_>)]) -> Result<()> {
    let rows = term_rows(indexed);
    for chunk in rows.chunks(TERMS_PER_INSERT) {
        crate::on_engine!(conn, |c| diesel::insert_into(donor_search_terms::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// Writes the terms of donations written in this same transaction, which have none yet: no
/// term can conflict, so PostgreSQL takes them by `COPY` (a 100,000-row import writes about a
/// million terms) and SQLite by plain multi-row inserts.
pub fn insert_new(conn: &mut DbConnection, indexed: &[(&str, DonorFacts<'_>)]) -> Result<()> {
    let rows = term_rows(indexed);
    match conn {
        DbConnection::Postgres(c) => {
            diesel::copy_from(donor_search_terms::table)
                .from_insertable(&rows)
                .execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            for chunk in rows.chunks(TERMS_PER_INSERT) {
                diesel::insert_into(donor_search_terms::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
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
