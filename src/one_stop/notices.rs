//! The one-stop notices (申告特例通知書) of a tax year: for each home municipality, every donor
//! whose ワンストップ特例 application is `valid`, with the total they gave in the year, to be sent
//! by 31 January (`calendar::notice_deadline`).
//!
//! What counts: the donations of the applicant's donor identity (名寄せ, `identities`), so a
//! person who gave through the ward's site and through portals is one line with one total.
//! A donation counts when it is `paid` (not pending, cancelled or refunded) and its receipt date
//! (`received_on`, a Japan date) falls in the tax (calendar) year, whatever its channel and
//! whether or not its donor ticked "one-stop" when giving: the application decides, not the box.
//! A staff merge moves the absorbed identity's applications and is refused while both have an
//! open one for the year, so each application names a live identity and each identity has at
//! most one valid application a year. The notices still follow a merged identity to the live
//! one, and make two valid applications on one identity one donor (with the address of the one
//! received later), as a safety net: a donor left off a notice would be missed silently. A
//! valid application whose donations of the year were all refunded notifies nothing (no line
//! with ¥0).
//!
//! No My Number here: the notices are lists, and the number is read per application by a staff
//! member with `my_number_access`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::{donations, donor_identities, donor_identity_links, one_stop_applications};
use crate::db::DbConnection;
use crate::domain::calendar::notice_deadline;
use crate::domain::donation::DonationStatus;
use crate::domain::identity::kana_key;
use crate::domain::local_government::{self, LocalGovernmentCode};
use crate::domain::one_stop::{given_municipality, OneStopStatus};
use crate::error::{Error, Result};

/// One donation on a notice.
#[derive(Clone, Serialize, ToSchema)]
pub struct NoticeDonation {
    pub id: String,
    pub received_on: NaiveDate,
    pub amount: i64,
}

/// One donor on a municipality's notice: the application's name and address (as the applicant
/// wrote them), and the year's donations of the donor's identity.
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Serialize, ToSchema)]
pub struct NoticeDonor {
    pub application_id: String,
    pub identity_id: String,
    pub name: String,
    pub name_kana: String,
    pub birth_date: Option<NaiveDate>,
    pub postal_code: String,
    pub prefecture: String,
    pub city: String,
    pub address_line: String,
    pub donation_count: i64,
    pub total_amount: i64,
    /// By receipt date.
    pub donations: Vec<NoticeDonation>,
}

/// The notice to one home municipality (the body that levies the donors' 住民税).
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Serialize, ToSchema)]
pub struct NoticeMunicipality {
    /// 全国地方公共団体コード, 6 digits with the check digit, e.g. `271004`.
    pub code: String,
    pub prefecture: String,
    pub name: String,
    pub donor_count: i64,
    pub total_amount: i64,
    /// By reading (フリガナ), then application id.
    pub donors: Vec<NoticeDonor>,
}

/// The one-stop notices of a tax year, by municipality code.
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Serialize, ToSchema)]
pub struct Notices {
    pub tax_year: i32,
    /// The notices must reach the municipalities by this date (31 January of the next year).
    pub deadline: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub donor_count: i64,
    pub total_amount: i64,
    pub municipalities: Vec<NoticeMunicipality>,
}

impl Notices {
    /// Only the notice to `code` (none when it has no donors); the totals follow.
    pub fn narrowed_to(mut self, code: &LocalGovernmentCode) -> Notices {
        self.municipalities.retain(|m| m.code == code.as_str());
        self.donor_count = self.municipalities.iter().map(|m| m.donor_count).sum();
        self.total_amount = self.municipalities.iter().map(|m| m.total_amount).sum();
        self
    }
}

/// A municipality code staff typed to narrow the notices: the rule applications use
/// (`domain::one_stop::given_municipality`: a listed city, Tokyo special ward, town or village),
/// else a 422 on `municipality_code`.
pub fn notice_municipality(typed: &str) -> Result<LocalGovernmentCode> {
    given_municipality(typed)
        .map(|body| body.code.clone())
        .map_err(|e| Error::Validation(vec![e]))
}

/// The notices of `tax_year` as staff read them (the API and the console): pending donations
/// linked to their identities first, then narrowed to one municipality when one is asked for.
pub async fn read(
    db: &crate::db::Db,
    tax_year: i32,
    municipality: Option<&LocalGovernmentCode>,
) -> Result<Notices> {
    crate::identities::matching::catch_up(db).await?;
    let found = db.run(move |conn| notices(conn, tax_year)).await?;
    Ok(match municipality {
        Some(code) => found.narrowed_to(code),
        None => found,
    })
}

/// The notices of `tax_year`, as the identities stand: callers link pending donations first
/// (`identities::matching::catch_up`). Two set-based reads: the valid applications with their
/// identities, then the counting donations of those identities.
pub fn notices(conn: &mut DbConnection, tax_year: i32) -> Result<Notices> {
    let (first, last) = crate::domain::calendar::tax_year_bounds(tax_year);

    let rows: Vec<ApplicationRow> = one_stop_applications::table
        .inner_join(donor_identities::table)
        .filter(one_stop_applications::tax_year.eq(tax_year))
        .filter(one_stop_applications::status.eq(OneStopStatus::Valid.as_str()))
        .select(ApplicationRow::as_select())
        .load(conn)?;

    // Merges move applications (`identities::by_hand::merge`), so none should name a merged
    // identity; should one, it is followed to the live one rather than dropped. Links always
    // name live identities. Such rows are none or few, so they are followed one by one.
    let mut applied = Vec::with_capacity(rows.len());
    let mut merged_live: Vec<String> = Vec::new();
    for row in rows {
        let live = match &row.merged_into {
            None => row.identity_id.clone(),
            Some(_) => {
                let live = crate::identities::store::live_identity(conn, &row.identity_id)?
                    .unwrap_or_else(|| row.identity_id.clone());
                merged_live.push(live.clone());
                live
            }
        };
        applied.push(Applied { live, row });
    }

    let valid_identities = one_stop_applications::table
        .filter(one_stop_applications::tax_year.eq(tax_year))
        .filter(one_stop_applications::status.eq(OneStopStatus::Valid.as_str()))
        .select(one_stop_applications::identity_id);
    let given: Vec<(String, String, Option<NaiveDate>, i64)> = donations::table
        .inner_join(donor_identity_links::table)
        .filter(donations::status.eq(DonationStatus::Paid))
        .filter(donations::received_on.between(first, last))
        .filter(
            donor_identity_links::identity_id
                .eq_any(valid_identities)
                .or(donor_identity_links::identity_id.eq_any(&merged_live)),
        )
        .select((
            donor_identity_links::identity_id,
            donations::id,
            donations::received_on,
            donations::amount,
        ))
        .order((donations::received_on.asc(), donations::id.asc()))
        .load(conn)?;
    let given: Vec<(String, NoticeDonation)> = given
        .into_iter()
        .filter_map(|(identity, id, received_on, amount)| {
            // Paid donations always have a receipt date; the filter above already needs one.
            received_on.map(|received_on| {
                (
                    identity,
                    NoticeDonation {
                        id,
                        received_on,
                        amount,
                    },
                )
            })
        })
        .collect();

    Ok(assemble(tax_year, applied, given, Utc::now()))
}

/// A valid application as read, with its identity's `merged_into`.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = one_stop_applications)]
struct ApplicationRow {
    id: String,
    identity_id: String,
    received_on: NaiveDate,
    created_at: NaiveDateTime,
    applicant_name: String,
    applicant_name_kana: String,
    birth_date: Option<NaiveDate>,
    postal_code: String,
    prefecture: String,
    city: String,
    address_line: String,
    municipality_code: String,
    #[diesel(select_expression = donor_identities::merged_into)]
    merged_into: Option<String>,
}

/// A valid application and the live identity of its donor.
struct Applied {
    live: String,
    row: ApplicationRow,
}

/// One application per live identity: the one received last (then created last, then the
/// greater id, so the choice never depends on the order rows were read in).
fn one_per_identity(applied: Vec<Applied>) -> Vec<Applied> {
    fn later(a: &Applied, than: &Applied) -> bool {
        (&a.row.received_on, &a.row.created_at, &a.row.id)
            > (&than.row.received_on, &than.row.created_at, &than.row.id)
    }
    let mut chosen: HashMap<String, Applied> = HashMap::new();
    for a in applied {
        let replaces = chosen.get(&a.live).is_none_or(|kept| later(&a, kept));
        if replaces {
            chosen.insert(a.live.clone(), a);
        }
    }
    chosen.into_values().collect()
}

/// The notices from the valid applications and the counting donations by live identity.
fn assemble(
    tax_year: i32,
    applied: Vec<Applied>,
    given: Vec<(String, NoticeDonation)>,
    generated_at: DateTime<Utc>,
) -> Notices {
    let mut by_identity: HashMap<String, Vec<NoticeDonation>> = HashMap::new();
    for (identity, donation) in given {
        by_identity.entry(identity).or_default().push(donation);
    }

    let mut municipalities: BTreeMap<String, NoticeMunicipality> = BTreeMap::new();
    for Applied { live, row } in one_per_identity(applied) {
        let Some(mut donations) = by_identity.remove(&live) else {
            continue;
        };
        donations.sort_by(|a, b| (a.received_on, &a.id).cmp(&(b.received_on, &b.id)));
        let total_amount: i64 = donations.iter().map(|d| d.amount).sum();
        let donor = NoticeDonor {
            application_id: row.id,
            identity_id: live,
            name: row.applicant_name,
            name_kana: row.applicant_name_kana,
            birth_date: row.birth_date,
            postal_code: row.postal_code,
            prefecture: row.prefecture.clone(),
            city: row.city.clone(),
            address_line: row.address_line,
            donation_count: donations.len() as i64,
            total_amount,
            donations,
        };
        let municipality = municipalities
            .entry(row.municipality_code.clone())
            .or_insert_with(|| {
                let listed = LocalGovernmentCode::parse(&row.municipality_code)
                    .ok()
                    .and_then(|code| local_government::by_code(&code));
                NoticeMunicipality {
                    code: row.municipality_code.clone(),
                    // An application's code was checked when it was stored; the applicant's own
                    // words stand in should the list ever drop it.
                    prefecture: listed.map_or(row.prefecture, |g| g.prefecture.clone()),
                    name: listed.map_or(row.city, |g| g.name.clone()),
                    donor_count: 0,
                    total_amount: 0,
                    donors: Vec::new(),
                }
            });
        municipality.donor_count += 1;
        municipality.total_amount += donor.total_amount;
        municipality.donors.push(donor);
    }

    let mut municipalities: Vec<NoticeMunicipality> = municipalities.into_values().collect();
    for m in &mut municipalities {
        // Readings in any width or script sort as one (ｼﾅｶﾞﾜ beside シナガワ).
        m.donors
            .sort_by_cached_key(|d| (kana_key(&d.name_kana), d.application_id.clone()));
    }
    Notices {
        tax_year,
        deadline: notice_deadline(tax_year),
        generated_at,
        donor_count: municipalities.iter().map(|m| m.donor_count).sum(),
        total_amount: municipalities.iter().map(|m| m.total_amount).sum(),
        municipalities,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn application(id: &str, identity: &str, received_on: &str, kana: &str, code: &str) -> Applied {
        Applied {
            live: identity.to_owned(),
            row: ApplicationRow {
                id: id.to_owned(),
                identity_id: identity.to_owned(),
                received_on: date(received_on),
                created_at: date(received_on).and_hms_opt(9, 0, 0).unwrap(),
                applicant_name: format!("名前 {id}"),
                applicant_name_kana: kana.to_owned(),
                birth_date: None,
                postal_code: "530-0001".to_owned(),
                prefecture: "大阪府".to_owned(),
                city: "大阪市北区".to_owned(),
                address_line: format!("梅田 {id}"),
                municipality_code: code.to_owned(),
                merged_into: None,
            },
        }
    }

    fn gave(identity: &str, id: &str, received_on: &str, amount: i64) -> (String, NoticeDonation) {
        (
            identity.to_owned(),
            NoticeDonation {
                id: id.to_owned(),
                received_on: date(received_on),
                amount,
            },
        )
    }

    /// The notices of 2025, made on 20 January 2026.
    fn notices_of(applied: Vec<Applied>, given: Vec<(String, NoticeDonation)>) -> Notices {
        let made_at = "2026-01-20T00:00:00Z".parse().unwrap();
        assemble(2025, applied, given, made_at)
    }

    /// Two donors of Osaka (one with two donations) and one of Yokohama.
    fn osaka_and_yokohama() -> Notices {
        notices_of(
            vec![
                application("a1", "i1", "2025-12-01", "シナガワ タロウ", "271004"),
                application("a2", "i2", "2025-12-02", "アオキ ジロウ", "271004"),
                application("a3", "i3", "2025-12-03", "ヨコハマ ハナコ", "141003"),
            ],
            vec![
                gave("i1", "d2", "2025-09-01", 25_000),
                gave("i1", "d1", "2025-07-14", 10_000),
                gave("i2", "d3", "2025-07-14", 30_000),
                gave("i3", "d4", "2025-01-01", 12_000),
            ],
        )
    }

    #[test]
    fn each_municipality_totals_its_donors_and_is_sorted_by_code() {
        let notices = osaka_and_yokohama();
        assert_eq!(notices.deadline, date("2026-01-31"));
        let codes: Vec<&str> = notices
            .municipalities
            .iter()
            .map(|m| m.code.as_str())
            .collect();
        assert_eq!(codes, ["141003", "271004"]);
        let osaka = &notices.municipalities[1];
        assert_eq!(
            (osaka.prefecture.as_str(), osaka.name.as_str()),
            ("大阪府", "大阪市")
        );
        assert_eq!((osaka.donor_count, osaka.total_amount), (2, 65_000));
        let kana: Vec<&str> = osaka.donors.iter().map(|d| d.name_kana.as_str()).collect();
        assert_eq!(kana, ["アオキ ジロウ", "シナガワ タロウ"]);
        let taro = &osaka.donors[1];
        assert_eq!((taro.donation_count, taro.total_amount), (2, 35_000));
        let ids: Vec<&str> = taro.donations.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["d1", "d2"], "by receipt date");
        assert_eq!(notices.municipalities[0].name, "横浜市");
        assert_eq!((notices.donor_count, notices.total_amount), (3, 77_000));
    }

    #[test]
    fn two_applications_on_one_identity_are_one_donor_at_the_later_address() {
        let mut earlier = application("a1", "live", "2025-11-01", "シナガワ タロウ", "271004");
        earlier.row.identity_id = "merged".to_owned();
        earlier.row.merged_into = Some("live".to_owned());
        let later = application("a2", "live", "2025-12-01", "ｼﾅｶﾞﾜ ﾀﾛｳ", "141003");
        let notices = notices_of(
            vec![later, earlier],
            vec![
                gave("live", "d1", "2025-07-14", 10_000),
                gave("live", "d2", "2025-08-01", 5_000),
            ],
        );
        assert_eq!(notices.municipalities.len(), 1);
        let m = &notices.municipalities[0];
        assert_eq!(m.code, "141003");
        assert_eq!((m.donor_count, m.total_amount), (1, 15_000));
        assert_eq!(m.donors[0].application_id, "a2");
        assert_eq!(m.donors[0].identity_id, "live");
    }

    #[test]
    fn an_application_without_counting_donations_notifies_nothing() {
        let notices = notices_of(
            vec![application(
                "a1",
                "i1",
                "2025-12-01",
                "シナガワ タロウ",
                "271004",
            )],
            vec![gave("someone-else", "d1", "2025-07-14", 10_000)],
        );
        assert!(notices.municipalities.is_empty());
        assert_eq!((notices.donor_count, notices.total_amount), (0, 0));
    }

    #[test]
    fn readings_in_any_width_sort_together() {
        // One donor of one municipality per reading, each with one donation.
        let readings = ["ﾀﾅｶ", "スズキ", "さとう"];
        let donors = (1..).zip(readings).map(|(n, kana)| {
            let (application_id, identity) = (format!("a{n}"), format!("i{n}"));
            let applied = application(&application_id, &identity, "2025-12-01", kana, "271004");
            (applied, gave(&identity, &format!("d{n}"), "2025-07-14", 1))
        });
        let (applied, given): (Vec<Applied>, Vec<_>) = donors.unzip();
        let notices = notices_of(applied, given);
        let kana: Vec<&str> = notices.municipalities[0]
            .donors
            .iter()
            .map(|d| d.name_kana.as_str())
            .collect();
        assert_eq!(kana, ["さとう", "スズキ", "ﾀﾅｶ"]);
    }

    #[test]
    fn narrowing_keeps_one_municipality_and_its_totals() {
        let yokohama = LocalGovernmentCode::parse("141003").unwrap();
        let notices = osaka_and_yokohama().narrowed_to(&yokohama);
        assert_eq!(notices.municipalities.len(), 1);
        assert_eq!((notices.donor_count, notices.total_amount), (1, 12_000));
    }
}
