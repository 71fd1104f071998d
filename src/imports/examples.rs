//! The import profiles shipped as examples (`config/import_profiles/`): built into the binary and
//! stored with the demo data set, so a demo service reads the major portals' files at once.
//! Production stores only what staff save.

use super::profiles;
use crate::db::DbConnection;
use crate::domain::import_profile::{ImportProfile, ProfileDefinition};
use crate::error::{Error, Result};

/// (channel, the profile as `PUT /admin/import-profiles/{channel}` takes it), for the channels
/// of `costs.portal_fees`.
pub const EXAMPLES: [(&str, &str); 3] = [
    (
        "furusato_choice",
        include_str!("../../config/import_profiles/furusato_choice.json"),
    ),
    (
        "rakuten",
        include_str!("../../config/import_profiles/rakuten.json"),
    ),
    (
        "satofull",
        include_str!("../../config/import_profiles/satofull.json"),
    ),
];

/// One shipped example as a checked profile.
pub fn example(channel: &str, json: &str) -> Result<ImportProfile> {
    let definition: ProfileDefinition = serde_json::from_str(json).map_err(|e| {
        Error::Internal(anyhow::Error::new(e).context("a shipped import profile does not read"))
    })?;
    ImportProfile::new(channel, definition)
        .map_err(|_| Error::internal("a shipped import profile does not pass its checks"))
}

/// Stores every example; run in the demo loader's transaction, after the gifts they map to.
pub fn load(conn: &mut DbConnection) -> Result<()> {
    for (channel, json) in EXAMPLES {
        profiles::save(conn, None, &example(channel, json)?)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::domain::import_profile::Field;

    #[test]
    fn every_example_passes_the_profile_checks() {
        for (channel, json) in EXAMPLES {
            let profile = example(channel, json).unwrap();
            assert!(profile.name.is_some(), "{channel}");
            assert!(profile.columns.contains_key(&Field::GiftCode), "{channel}");
            assert!(!profile.item_codes.is_empty(), "{channel}");
        }
    }
}
