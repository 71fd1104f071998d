//! The till's day and month: today's redemptions to reconcile at closing, a month's statement
//! (printable, and as CSV for Excel) beside the settlement of the months before it.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::{slip_number, Slip, Till};
use crate::domain::calendar::{japan_today, YearMonth};
use crate::error::{Error, Result};
use crate::vouchers::settle;
use crate::vouchers::types::Statement;
use crate::web::render::secure_headers;

/// Months of settlement shown on the statement page.
const PAST_MONTHS: usize = 6;

async fn statement_of(till: &Till, month: YearMonth) -> Result<Statement> {
    let settings = till.state.settings.clone();
    let partner_id = till.desk.business_id().to_owned();
    till.state
        .db
        .run(move |conn| settle::statement(conn, &settings, &partner_id, month))
        .await
}

/// A statement's lines as the counter reads them.
fn slips(statement: &Statement) -> Vec<Slip> {
    statement
        .redemptions
        .iter()
        .map(|line| {
            // (A statement line does not carry the balance after it; the lists do not show it.)
            Slip::new(
                &line.id,
                line.voucher_hint.clone(),
                line.amount,
                0,
                line.redeemed_at,
                line.reversed_at.is_some(),
            )
        })
        .collect()
}

#[derive(Deserialize)]
pub(super) struct TodayQuery {
    #[serde(default)]
    reversed: Option<String>,
}

/// Today's redemptions with the total to reconcile at closing.
pub(super) async fn today_page(till: Till, query: web::Query<TodayQuery>) -> HttpResponse {
    let today = japan_today();
    let statement = match statement_of(&till, YearMonth::of(today)).await {
        Ok(s) => s,
        Err(e) => return till.error(e),
    };
    let todays: Vec<Slip> = slips(&statement)
        .into_iter()
        .zip(&statement.redemptions)
        .filter(|(_, line)| line.redeemed_on == today)
        .map(|(slip, _)| slip)
        .collect();
    let taken = todays.iter().filter(|s| !s.reversed);
    let (count, total) = taken.fold((0, 0), |(n, sum), s| (n + 1, sum + s.amount));
    let reversed = query.reversed.as_deref().map(slip_number);
    till.ok(
        "till/today.html",
        context! { today => today.to_string(), slips => todays, count, total, reversed },
    )
}

#[derive(Deserialize)]
pub(super) struct MonthForm {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    print: Option<String>,
}

impl MonthForm {
    fn month(&self) -> Result<YearMonth> {
        match self.month.as_deref() {
            None | Some("") => Ok(YearMonth::of(japan_today())),
            Some(m) => crate::vouchers::routes::parse_month(m),
        }
    }
}

/// A month's statement (printable), and the settlement of the months before it.
pub(super) async fn statement_page(till: Till, query: web::Query<MonthForm>) -> HttpResponse {
    let outcome = async {
        let month = query.month()?;
        let mut months = vec![month];
        for _ in 0..PAST_MONTHS {
            let earlier = months[months.len() - 1].previous();
            months.push(earlier);
        }
        let mut statements = Vec::with_capacity(months.len());
        for m in months {
            statements.push(statement_of(&till, m).await?);
        }
        let shown = statements.remove(0);
        let past: Vec<_> = statements
            .iter()
            .map(|s| context! { month => &s.month, count => s.count, net_amount => s.net_amount, settled => s.settled })
            .collect();
        Ok(till.ok(
            "till/statement.html",
            context! {
                statement => &shown,
                slips => slips(&shown),
                past,
                previous => month.previous().to_string(),
                next => (month < YearMonth::of(japan_today())).then(|| month.next().to_string()),
                print => query.print.is_some(),
            },
        ))
    }
    .await;
    till.answer(outcome)
}

/// The statement for Excel: UTF-8 with a byte-order mark, one redemption a row, then the totals.
pub(super) async fn statement_csv(till: Till, query: web::Query<MonthForm>) -> HttpResponse {
    let outcome = async {
        let statement = statement_of(&till, query.month()?).await?;
        let body = statement_csv_bytes(&statement)?;
        let mut response = HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"statement-{}.csv\"", statement.month),
            ))
            .body(body);
        secure_headers(&mut response);
        Ok(response)
    }
    .await;
    till.answer(outcome)
}

fn statement_csv_bytes(statement: &Statement) -> Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut csv = csv::Writer::from_writer(&mut out);
        let failed = |e: csv::Error| Error::Internal(e.into());
        csv.write_record(["利用日時", "受付番号", "商品券(末尾4桁)", "金額", "取消"])
            .map_err(failed)?;
        for slip in slips(statement) {
            let amount = slip.amount.to_string();
            let reversed = if slip.reversed { "取消" } else { "" };
            csv.write_record([
                slip.at.as_str(),
                &slip.number,
                &slip.voucher_hint,
                &amount,
                reversed,
            ])
            .map_err(failed)?;
        }
        let totals = [
            ("利用額合計", statement.gross_amount),
            ("取消額合計", statement.reversed_amount),
            ("精算額", statement.net_amount),
        ];
        for (label, amount) in totals {
            csv.write_record([label, "", "", &amount.to_string(), ""])
                .map_err(failed)?;
        }
        csv.flush().map_err(|e| Error::Internal(e.into()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_csv_opens_in_excel_as_utf8() {
        let statement = Statement {
            partner_id: "p".into(),
            month: "2026-11".into(),
            redemptions: Vec::new(),
            count: 0,
            gross_amount: 0,
            reversed_amount: 0,
            net_amount: 0,
            settled: false,
        };
        let bytes = statement_csv_bytes(&statement).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.starts_with("利用日時,受付番号"));
        assert!(text.contains("精算額,,,0,"));
    }
}
