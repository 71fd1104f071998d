//! The figures an operator watches, read from the database at each scrape: emails waiting or
//! failed, donations awaiting payment, the unspent balance of live vouchers (the ward's liability
//! to partners) and this fiscal year's paid total.

use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use prometheus::{IntGauge, IntGaugeVec, Opts};

use crate::db::schema::{donations, email_outbox, vouchers};
use crate::db::{Db, DbConnection};
use crate::domain::calendar::{japan_today, FiscalYear};
use crate::domain::donation::DonationStatus;
use crate::domain::voucher::VoucherState;
use crate::email::EmailStatus;
use crate::error::Result;

pub struct Gauges {
    outbox: IntGaugeVec,
    awaiting_payment: IntGauge,
    voucher_liability: IntGauge,
    fiscal_year_paid: IntGaugeVec,
}

/// The figures of one scrape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub outbox_pending: i64,
    pub outbox_failed: i64,
    pub awaiting_payment: i64,
    pub voucher_liability: i64,
    pub fiscal_year: i32,
    pub fiscal_year_paid: i64,
}

impl Gauges {
    pub fn new() -> Gauges {
        let gauge = |name: &str, help: &str| IntGauge::new(name, help).expect("valid metric");
        Gauges {
            outbox: IntGaugeVec::new(
                Opts::new(
                    "furusato_email_outbox",
                    "Emails in the outbox by state (pending, failed)",
                ),
                &["state"],
            )
            .expect("valid metric"),
            awaiting_payment: gauge(
                "furusato_donations_awaiting_payment",
                "Donations created and not yet paid or cancelled",
            ),
            voucher_liability: gauge(
                "furusato_voucher_liability_yen",
                "Unspent balance of active vouchers, in yen",
            ),
            fiscal_year_paid: IntGaugeVec::new(
                Opts::new(
                    "furusato_fiscal_year_paid_yen",
                    "Paid donations of the current fiscal year (Japan date), in yen",
                ),
                &["fiscal_year"],
            )
            .expect("valid metric"),
        }
    }

    pub fn collectors(&self) -> Vec<Box<dyn prometheus::core::Collector>> {
        vec![
            Box::new(self.outbox.clone()),
            Box::new(self.awaiting_payment.clone()),
            Box::new(self.voucher_liability.clone()),
            Box::new(self.fiscal_year_paid.clone()),
        ]
    }

    pub async fn refresh(&self, db: &Db) -> Result<()> {
        let figures = db
            .run(|conn| read(conn, FiscalYear::of(japan_today())))
            .await?;
        self.outbox
            .with_label_values(&["pending"])
            .set(figures.outbox_pending);
        self.outbox
            .with_label_values(&["failed"])
            .set(figures.outbox_failed);
        self.awaiting_payment.set(figures.awaiting_payment);
        self.voucher_liability.set(figures.voucher_liability);
        // One series: the year that is current now (a new year replaces the old one).
        self.fiscal_year_paid.reset();
        self.fiscal_year_paid
            .with_label_values(&[&figures.fiscal_year.to_string()])
            .set(figures.fiscal_year_paid);
        Ok(())
    }
}

impl Default for Gauges {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads the figures in one short read (four aggregate queries over indexed columns).
pub fn read(conn: &mut DbConnection, fy: FiscalYear) -> Result<Figures> {
    let outbox: Vec<(EmailStatus, i64)> = email_outbox::table
        .filter(email_outbox::status.eq_any([
            EmailStatus::Pending,
            EmailStatus::Sending,
            EmailStatus::Failed,
        ]))
        .group_by(email_outbox::status)
        .select((email_outbox::status, count_star()))
        .load(conn)?;
    let count_of = |wanted: &[EmailStatus]| {
        outbox
            .iter()
            .filter(|(s, _)| wanted.contains(s))
            .map(|(_, n)| n)
            .sum::<i64>()
    };
    let awaiting_payment = donations::table
        .filter(donations::status.eq(DonationStatus::PendingPayment))
        .count()
        .get_result(conn)?;
    let voucher_liability = vouchers::table
        .filter(vouchers::status.eq(VoucherState::Active))
        .select(sql::<BigInt>("CAST(COALESCE(SUM(balance), 0) AS BIGINT)"))
        .get_result(conn)?;
    let fiscal_year_paid = crate::reports::store::paid_by_day(conn, fy.first_day(), fy.last_day())?
        .iter()
        .map(|day| day.amount)
        .sum();
    Ok(Figures {
        // An email being sent is still waiting to be delivered.
        outbox_pending: count_of(&[EmailStatus::Pending, EmailStatus::Sending]),
        outbox_failed: count_of(&[EmailStatus::Failed]),
        awaiting_payment,
        voucher_liability,
        fiscal_year: fy.year(),
        fiscal_year_paid,
    })
}
