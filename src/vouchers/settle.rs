//! Monthly settlement with partners: the month's figures, a partner's statement, and
//! `settle_month`, the write that marks a partner's month paid.

use chrono::NaiveDate;

use super::issue;
use super::store;
use super::types::{SettlementLine, Settlements, Statement, StatementLine, VoucherReport};
use crate::audit;
use crate::config::Settings;
use crate::db::{now, DbConnection};
use crate::domain::calendar::YearMonth;
use crate::domain::voucher::{month_closed, tally};
use crate::error::{Error, ErrorCode, Result};
use crate::http::excel_csv;

/// Each partner's redemptions of a month, net of reversals, with whether it was paid.
pub fn settlements(conn: &mut DbConnection, month: YearMonth) -> Result<Settlements> {
    let month = month.to_string();
    let partners: Vec<SettlementLine> = store::month_settlements(conn, &month)?
        .into_iter()
        .map(
            |(partner_id, partner_name, count, net_amount, paid_at)| SettlementLine {
                partner_id,
                partner_name,
                count,
                net_amount,
                paid: paid_at.is_some(),
                paid_at: paid_at.map(|t| t.and_utc()),
            },
        )
        .collect();
    Ok(Settlements {
        month,
        total_count: partners.iter().map(|p| p.count).sum(),
        total_net_amount: partners.iter().map(|p| p.net_amount).sum(),
        partners,
    })
}

/// Marks a partner's ended month as paid, with its amount; its redemptions can then no longer
/// be reversed. Twice is `409 already_settled`. Runs in the caller's write transaction.
pub fn settle_month(
    conn: &mut DbConnection,
    actor_id: &str,
    partner_id: &str,
    month: YearMonth,
    today: NaiveDate,
) -> Result<SettlementLine> {
    if !month_closed(month, today) {
        return Err(Error::rejected(
            ErrorCode::MonthNotClosed,
            "Only a month that has ended can be settled.",
        ));
    }
    let m = month.to_string();
    let line = settlements(conn, month)?
        .partners
        .into_iter()
        .find(|p| p.partner_id == partner_id)
        .ok_or_else(|| {
            Error::rejected(
                ErrorCode::PartnerNotFound,
                "No partner business with this id.",
            )
        })?;
    let at = now();
    store::settle(
        conn,
        partner_id,
        &m,
        line.count,
        line.net_amount,
        actor_id,
        at,
    )?;
    // What partners are paid for spent vouchers is the cost of the on-site gifts.
    crate::costs::book::settlement(conn, partner_id, month, line.net_amount)?;
    let line = SettlementLine {
        paid: true,
        paid_at: Some(at.and_utc()),
        ..line
    };
    let entity_id = format!("{partner_id}:{m}");
    audit::record(
        conn,
        Some(actor_id),
        "settle",
        "partner_month",
        &entity_id,
        None::<&()>,
        Some(&line),
    )?;
    Ok(line)
}

/// A partner's redemptions of one month with the totals the municipality pays.
pub fn statement(
    conn: &mut DbConnection,
    settings: &Settings,
    partner_id: &str,
    month: YearMonth,
) -> Result<Statement> {
    let month = month.to_string();
    let (rows, settled) = store::partner_month(conn, partner_id, &month)?;
    let totals = tally(rows.iter().map(|r| (r.amount, r.reversed_at.is_some())));
    let redemptions = rows
        .into_iter()
        .map(|r| StatementLine {
            voucher_hint: issue::code_of(settings, &r.voucher_id).last4().to_owned(),
            id: r.id,
            amount: r.amount,
            redeemed_at: r.redeemed_at.and_utc(),
            redeemed_on: r.redeemed_on,
            reversed_at: r.reversed_at.map(|t| t.and_utc()),
        })
        .collect();
    Ok(Statement {
        partner_id: partner_id.to_owned(),
        month,
        redemptions,
        count: totals.count,
        gross_amount: totals.gross_amount,
        reversed_amount: totals.reversed_amount,
        net_amount: totals.net_amount,
        settled,
    })
}

/// The month's settlement for accounting: one line per partner.
pub fn settlements_csv(s: &Settlements) -> Result<Vec<u8>> {
    let rows = s.partners.iter().map(|p| {
        vec![
            s.month.clone(),
            p.partner_id.clone(),
            p.partner_name.clone(),
            p.count.to_string(),
            p.net_amount.to_string(),
            if p.paid { "支払済" } else { "未払" }.to_owned(),
        ]
    });
    excel_csv(
        &["対象月", "事業者ID", "事業者名", "件数", "精算額", "状態"],
        rows,
    )
}

/// The voucher report as one line for Excel.
pub fn voucher_report_csv(r: &VoucherReport) -> Result<Vec<u8>> {
    let row = vec![
        r.month.clone(),
        r.issued_count.to_string(),
        r.issued_face_value.to_string(),
        r.redeemed_count.to_string(),
        r.redeemed_amount.to_string(),
        r.reversed_count.to_string(),
        r.reversed_amount.to_string(),
        r.outstanding_balance.to_string(),
        r.expired_unspent.to_string(),
    ];
    excel_csv(
        &[
            "対象月",
            "発行件数",
            "発行額",
            "利用件数",
            "利用額",
            "取消件数",
            "取消額",
            "未使用残高",
            "期限切れ未使用額",
        ],
        [row],
    )
}
