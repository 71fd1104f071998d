//! Turning stored donations into what donors and staff see.

use super::store::DonationRow;
use super::types::{AdminDonation, DonorDonationView, OrganizationRef};
use crate::audit;
use crate::catalogue::store::{find_gift, organization_store};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::Result;
use crate::vouchers::issue;

pub fn donor_view(
    conn: &mut DbConnection,
    settings: &Settings,
    d: &DonationRow,
) -> Result<DonorDonationView> {
    let gift = match &d.gift_id {
        Some(id) => find_gift(conn, id)?.map(|(g, vendor)| g.public(&vendor)),
        None => None,
    };
    let organization = match &d.organization_id {
        Some(id) => organization_store::find(conn, id)?.map(|o| OrganizationRef {
            id: o.id,
            name: o.name,
        }),
        None => None,
    };
    let voucher = issue::for_donation(conn, &d.id)?.map(|v| issue::donor_view(settings, &v));
    Ok(DonorDonationView {
        id: d.id.clone(),
        kind: d.kind,
        status: d.status,
        amount: d.amount,
        quantity: d.quantity,
        received_on: d.received_on,
        receipt_number: d.receipt_number.clone(),
        one_stop: d.one_stop,
        gift,
        organization,
        voucher,
        gift_order: crate::orders::store::of_donation(conn, &d.id)?
            .map(|o| crate::orders::views::DonorOrderView::of(&o)),
        created_at: d.created_at.and_utc(),
    })
}

pub fn admin_view(d: &DonationRow) -> AdminDonation {
    AdminDonation {
        id: d.id.clone(),
        kind: d.kind,
        status: d.status,
        amount: d.amount,
        quantity: d.quantity,
        gift_id: d.gift_id.clone(),
        organization_id: d.organization_id.clone(),
        purpose_id: d.purpose_id.clone(),
        channel: d.channel.clone(),
        external_id: d.external_id.clone(),
        donor_name: d.donor.donor_name.clone(),
        donor_name_kana: d.donor.donor_name_kana.clone(),
        donor_email: d.donor.donor_email.clone(),
        donor_phone: d.donor.donor_phone.clone(),
        donor_postal_code: d.donor.donor_postal_code.clone(),
        donor_prefecture: d.donor.donor_prefecture.clone(),
        donor_city: d.donor.donor_city.clone(),
        donor_address_line: d.donor.donor_address_line.clone(),
        one_stop: d.one_stop,
        created_at: d.created_at.and_utc(),
        paid_at: d.paid_at.map(|t| t.and_utc()),
        received_on: d.received_on,
        payment_method: d.payment_method,
        receipt_number: d.receipt_number.clone(),
        cancelled_at: d.cancelled_at.map(|t| t.and_utc()),
        cancel_reason: d.cancel_reason.clone(),
        refunded_at: d.refunded_at.map(|t| t.and_utc()),
        refund_reason: d.refund_reason.clone(),
        attention: d.attention.clone(),
        import_flags: d.import_flags.clone(),
    }
}

/// What the audit log keeps of a donation: its state, never the donor's personal data.
pub fn audit_view(d: &DonationRow) -> serde_json::Value {
    serde_json::json!({
        "id": d.id,
        "kind": d.kind,
        "status": d.status,
        "amount": d.amount,
        "channel": d.channel,
        "received_on": d.received_on,
        "payment_method": d.payment_method,
        "receipt_number": d.receipt_number,
        "receipt_issue_count": d.receipt_issue_count,
        "refund_reason": d.refund_reason,
    })
}

/// Records a staff action on a donation in the audit log, as its state before and after.
pub fn audit_change(
    conn: &mut DbConnection,
    actor_id: &str,
    action: &str,
    before: &DonationRow,
    after: &DonationRow,
) -> Result<()> {
    let (b, a) = (audit_view(before), audit_view(after));
    audit::record(
        conn,
        Some(actor_id),
        action,
        "donation",
        &after.id,
        Some(&b),
        Some(&a),
    )
}
