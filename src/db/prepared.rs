//! Prepared statements for the hot writes.
//!
//! diesel prepares and caches a statement per connection when its type fixes its SQL, but parses
//! every `UPDATE`, and every `INSERT` of a struct with `Option` fields, afresh: their SQL may vary
//! with the values (a `None` becomes `DEFAULT`, a changeset skips fields), and an unbounded number
//! of forms would fill the cache. A statement whose SQL takes only a few forms may say so with
//! [`Prepared`]: it is then cached under its SQL text, so each form is parsed and planned once per
//! connection.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::QueryResult;

/// A statement whose SQL text takes few forms (no batch of rows, no `IN` list of any length),
/// cached per connection under that text.
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q>(pub Q);

impl<Q, DB> QueryFragment<DB> for Prepared<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    // The cache key is the SQL text itself (no static query id), so every form that differs
    // gets a statement of its own.
    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> diesel::RunQueryDsl<Conn> for Prepared<Q> {}
