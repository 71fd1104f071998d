//! What staff read and put right in the records, over HTTP: the audit log and donor identities
//! (名寄せ). Methods on `TestApp`, beside the flows in `flows.rs`.

use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::TestApp;

impl TestApp {
    /// The audit log (200, up to 100 entries, newest first) about one `entity` with its id.
    pub async fn audit_log(&self, admin: &str, entity: &str, entity_id: &str) -> Value {
        let query = format!("entity={entity}&entity_id={entity_id}&per_page=100");
        self.get_json(&format!("/api/v1/admin/audit-log?{query}"), Some(admin))
            .await
    }

    /// The donor identity (200) a donation belongs to, as staff see it.
    pub async fn identity_of_donation(&self, token: &str, donation_id: &str) -> Value {
        let path = format!("/api/v1/admin/donations/{donation_id}/identity");
        self.get_json(&path, Some(token)).await
    }

    /// A donor identity (200), as staff see it.
    pub async fn identity(&self, token: &str, identity_id: &str) -> Value {
        let path = format!("/api/v1/admin/identities/{identity_id}");
        self.get_json(&path, Some(token)).await
    }

    /// Staff merge identity `other` into identity `into`, whatever the answer.
    pub async fn merge_identities(&self, token: &str, into: &str, other: &str) -> Response {
        self.post(
            &format!("/api/v1/admin/identities/{into}/merge"),
            Some(token),
            &json!({ "identity_id": other }),
        )
        .await
    }
}
