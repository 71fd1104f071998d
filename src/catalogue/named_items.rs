//! Writes on the two named lists staff keep: organisations (for support donations) and usage
//! purposes (使い道). Each write is one call inside the caller's transaction and records its audit
//! entry; the lists differ only in their table and their error codes.

use super::store::{organization_store, purpose_store};
use super::types::{NamedItem, NamedItemPatch, NamedItemRequest};
use crate::audit;
use crate::db::DbConnection;
use crate::domain::fields::check_named;
use crate::error::{Error, ErrorCode, Result};

/// Which named list a write is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamedList {
    Organizations,
    Purposes,
}

impl NamedList {
    /// The entity name in the audit log.
    pub fn entity(self) -> &'static str {
        match self {
            NamedList::Organizations => "organization",
            NamedList::Purposes => "purpose",
        }
    }

    fn not_found(self) -> Error {
        let code = match self {
            NamedList::Organizations => ErrorCode::OrganizationNotFound,
            NamedList::Purposes => ErrorCode::PurposeNotFound,
        };
        Error::rejected(code, "No entry with this id.")
    }

    pub fn list(
        self,
        conn: &mut DbConnection,
        active_only: bool,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<NamedItem>, i64)> {
        match self {
            NamedList::Organizations => organization_store::list(conn, active_only, offset, limit),
            NamedList::Purposes => purpose_store::list(conn, active_only, offset, limit),
        }
    }

    fn find(self, conn: &mut DbConnection, id: &str) -> Result<NamedItem> {
        match self {
            NamedList::Organizations => organization_store::find(conn, id),
            NamedList::Purposes => purpose_store::find(conn, id),
        }?
        .ok_or_else(|| self.not_found())
    }

    /// Every entry's id and name, active or not.
    pub fn names(self, conn: &mut DbConnection) -> Result<Vec<(String, String)>> {
        match self {
            NamedList::Organizations => organization_store::names(conn),
            NamedList::Purposes => purpose_store::names(conn),
        }
    }

    fn store_update(self, conn: &mut DbConnection, item: &NamedItem) -> Result<()> {
        match self {
            NamedList::Organizations => organization_store::update(conn, item),
            NamedList::Purposes => purpose_store::update(conn, item),
        }
    }
}

/// A new entry, checked (`check_named`) before any transaction starts.
pub fn check(request: NamedItemRequest) -> Result<NamedItemRequest> {
    check_named(&request.name, &request.description).map_err(Error::Validation)?;
    Ok(NamedItemRequest {
        name: request.name.trim().to_owned(),
        description: request.description,
    })
}

/// Adds an entry to the list; its name is unique within the list.
pub fn create(
    conn: &mut DbConnection,
    list: NamedList,
    actor: &str,
    request: NamedItemRequest,
) -> Result<NamedItem> {
    let item = match list {
        NamedList::Organizations => {
            organization_store::insert(conn, &request.name, &request.description)
        }
        NamedList::Purposes => purpose_store::insert(conn, &request.name, &request.description),
    }?;
    audit::record(
        conn,
        Some(actor),
        "create",
        list.entity(),
        &item.id,
        None::<&()>,
        Some(&item),
    )?;
    Ok(item)
}

/// Changes an entry; the rules are checked on the entry as it would be.
pub fn update(
    conn: &mut DbConnection,
    list: NamedList,
    actor: &str,
    id: &str,
    patch: NamedItemPatch,
) -> Result<NamedItem> {
    let before = list.find(conn, id)?;
    let after = NamedItem {
        name: patch
            .name
            .map_or(before.name.clone(), |n| n.trim().to_owned()),
        description: patch.description.unwrap_or(before.description.clone()),
        active: patch.active.unwrap_or(before.active),
        id: before.id.clone(),
    };
    check_named(&after.name, &after.description).map_err(Error::Validation)?;
    save(conn, list, actor, "update", &before, after)
}

/// Deactivates an entry: kept for past donations and reports, no longer offered.
pub fn deactivate(
    conn: &mut DbConnection,
    list: NamedList,
    actor: &str,
    id: &str,
) -> Result<NamedItem> {
    let before = list.find(conn, id)?;
    let after = NamedItem {
        active: false,
        ..before.clone()
    };
    save(conn, list, actor, "deactivate", &before, after)
}

/// Stores a changed entry with its audit entry (the state before and after).
fn save(
    conn: &mut DbConnection,
    list: NamedList,
    actor: &str,
    action: &str,
    before: &NamedItem,
    after: NamedItem,
) -> Result<NamedItem> {
    list.store_update(conn, &after)?;
    let entity = list.entity();
    audit::record(
        conn,
        Some(actor),
        action,
        entity,
        &after.id,
        Some(before),
        Some(&after),
    )?;
    Ok(after)
}
