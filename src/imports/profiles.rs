//! Import profiles as stored, one per channel, and `save`: the staff write that checks a profile
//! against the catalogue and records it in the audit log.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit;
use crate::db::schema::{gifts, import_profiles};
use crate::db::{now, DbConnection};
use crate::domain::import_profile::{ImportProfile, ProfileDefinition};
use crate::domain::FieldError;
use crate::error::{Error, Result};

/// Keeps `IN (...)` lists well under both engines' bind-parameter limits.
const CHUNK: usize = 500;

/// A channel's profile as the API shows it and the audit log records it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportProfileView {
    /// The import channel whose files the profile reads, e.g. `rakuten`.
    pub channel: String,
    /// The profile as it was PUT. Nested, not flattened: the PUT body refuses unknown keys, and
    /// a flattened view would break that schema for clients.
    pub profile: ProfileDefinition,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every stored profile, by channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProfileList {
    pub items: Vec<ImportProfileView>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = import_profiles)]
struct ProfileRow {
    channel: String,
    definition: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl ProfileRow {
    fn definition(&self) -> Result<ProfileDefinition> {
        serde_json::from_str(&self.definition).map_err(|e| {
            Error::Internal(anyhow::Error::new(e).context("a stored import profile does not read"))
        })
    }

    fn view(self) -> Result<ImportProfileView> {
        let definition = self.definition()?;
        Ok(ImportProfileView {
            channel: self.channel,
            profile: definition,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

fn find_row(conn: &mut DbConnection, channel: &str) -> Result<Option<ProfileRow>> {
    Ok(import_profiles::table
        .filter(import_profiles::channel.eq(channel))
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()?)
}

/// A channel's profile as shown, if one is stored.
pub fn view(conn: &mut DbConnection, channel: &str) -> Result<Option<ImportProfileView>> {
    find_row(conn, channel)?.map(ProfileRow::view).transpose()
}

/// Every stored profile, by channel (there are a handful: one per portal).
pub fn list(conn: &mut DbConnection) -> Result<Vec<ImportProfileView>> {
    let rows: Vec<ProfileRow> = import_profiles::table
        .select(ProfileRow::as_select())
        .order(import_profiles::channel)
        .load(conn)?;
    rows.into_iter().map(ProfileRow::view).collect()
}

/// The profile files of `channel` are read with, if one is stored.
pub fn find(conn: &mut DbConnection, channel: &str) -> Result<Option<ImportProfile>> {
    let Some(row) = find_row(conn, channel)? else {
        return Ok(None);
    };
    let definition = row.definition()?;
    // Checked when saved; a profile that no longer passes (a rule tightened since) must be saved
    // again rather than read loosely.
    ImportProfile::new(&row.channel, definition)
        .map(Some)
        .map_err(|_| {
            Error::field(
                "profile",
                format!("the stored import profile of {channel} no longer passes its checks; save it again"),
            )
        })
}

/// Every gift code the profile maps an item code to must be in the catalogue.
fn check_gifts(conn: &mut DbConnection, profile: &ImportProfile) -> Result<()> {
    let wanted: BTreeSet<String> = profile.item_codes.values().cloned().collect();
    let wanted: Vec<String> = wanted.into_iter().collect();
    let mut found: BTreeSet<String> = BTreeSet::new();
    for chunk in wanted.chunks(CHUNK) {
        let codes: Vec<String> = gifts::table
            .filter(gifts::code.eq_any(chunk.to_vec()))
            .select(gifts::code)
            .load(conn)?;
        found.extend(codes);
    }
    let errors: Vec<FieldError> = profile
        .item_codes
        .iter()
        .filter(|(_, gift)| !found.contains(*gift))
        .map(|(item, gift)| {
            FieldError::new(
                format!("item_codes.{item}"),
                format!("no gift in the catalogue has the code {gift}"),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// Writes a checked profile: a new row, or the channel's row replaced (its id and creation kept).
fn upsert(conn: &mut DbConnection, profile: &ImportProfile) -> Result<()> {
    let definition = serde_json::to_string(&profile.definition())
        .map_err(|e| Error::Internal(anyhow::Error::new(e).context("import profile to JSON")))?;
    let at = now();
    let row = (
        import_profiles::id.eq(Uuid::new_v4().to_string()),
        import_profiles::channel.eq(&profile.channel),
        import_profiles::name.eq(&profile.name),
        import_profiles::definition.eq(&definition),
        import_profiles::created_at.eq(at),
        import_profiles::updated_at.eq(at),
    );
    let changes = (
        import_profiles::name.eq(&profile.name),
        import_profiles::definition.eq(&definition),
        import_profiles::updated_at.eq(at),
    );
    crate::on_engine!(conn, |c| diesel::insert_into(import_profiles::table)
        .values(row)
        .on_conflict(import_profiles::channel)
        .do_update()
        .set(changes)
        .execute(c))?;
    Ok(())
}

/// Creates or replaces a channel's profile in the caller's write transaction, with its audit
/// entry (the profile before and after). `actor` is None only for the demo data set.
pub fn save(
    conn: &mut DbConnection,
    actor: Option<&str>,
    profile: &ImportProfile,
) -> Result<ImportProfileView> {
    check_gifts(conn, profile)?;
    let before = view(conn, &profile.channel)?;
    upsert(conn, profile)?;
    let after = view(conn, &profile.channel)?
        .ok_or_else(|| Error::internal("an import profile just saved is missing"))?;
    let action = if before.is_some() { "update" } else { "create" };
    audit::record(
        conn,
        actor,
        action,
        "import_profile",
        &profile.channel,
        before.as_ref(),
        Some(&after),
    )?;
    Ok(after)
}
