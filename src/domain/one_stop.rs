//! ワンストップ特例 applications (寄附金税額控除に係る申告特例申請書): one open application per
//! donor per tax year (withdrawn and invalid ones are final and do not count), received on paper
//! or online. Which states an application moves through, the 10 January
//! deadline, the applicant's details, the home municipality that receives the notice, and how
//! long a My Number given on it is kept.

use chrono::{Datelike, Days, NaiveDate};

use super::calendar::{one_stop_deadline, SUPPORTED_YEARS};
use super::donor::{
    parse_address_line, parse_city, parse_name, parse_name_kana, parse_postal_code,
    parse_prefecture, redacted_debug, RequiredFields,
};
use super::local_government::{self, LocalGovernment, LocalGovernmentCode};
use super::FieldError;

/// Longest staff note on an application.
pub const NOTE_MAX: usize = 1000;

crate::named_enum! {
    /// How the application reached the ward.
    pub stored enum OneStopChannel {
        /// The printed form, by post or at the counter.
        Paper = "paper",
        /// An online application (a portal's or the マイナポータル service).
        Online = "online",
    }
}

crate::named_enum! {
    /// Where an application stands.
    pub stored enum OneStopStatus {
        /// Recorded, not yet checked.
        Received = "received",
        /// Checked and something is missing (a signature, a copy of the identity document).
        Incomplete = "incomplete",
        /// Checked and complete: the donation is notified to the home municipality.
        Valid = "valid",
        /// Withdrawn by the donor (変更届); final.
        Withdrawn = "withdrawn",
        /// Void for the reason in `invalid_reason`; final.
        Invalid = "invalid",
    }
}

crate::named_enum! {
    /// Why an application does not count.
    pub stored enum OneStopInvalidReason {
        /// The donor gave to more than five municipalities in the year: the exception no longer
        /// applies and the donor must file a tax return.
        MoreThanFiveMunicipalities = "more_than_five_municipalities",
        /// The donor filed a tax return (確定申告) for the year, which replaces the exception.
        TaxReturnFiled = "tax_return_filed",
        /// Received after 10 January of the following year. Set when recorded, never by staff.
        ReceivedAfterDeadline = "received_after_deadline",
    }
}

/// The state of an application: its status with the reason when invalid, as the two columns
/// `status` and `invalid_reason` hold it together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationState {
    Received,
    Incomplete,
    Valid,
    Withdrawn,
    Invalid(OneStopInvalidReason),
}

impl ApplicationState {
    /// The state the two columns describe; `None` for a status and reason that do not go
    /// together (the table's CHECK refuses such a row).
    pub fn from_columns(
        status: OneStopStatus,
        reason: Option<OneStopInvalidReason>,
    ) -> Option<ApplicationState> {
        use OneStopStatus as S;
        Some(match (status, reason) {
            (S::Received, None) => Self::Received,
            (S::Incomplete, None) => Self::Incomplete,
            (S::Valid, None) => Self::Valid,
            (S::Withdrawn, None) => Self::Withdrawn,
            (S::Invalid, Some(reason)) => Self::Invalid(reason),
            _ => return None,
        })
    }

    pub fn status(self) -> OneStopStatus {
        match self {
            Self::Received => OneStopStatus::Received,
            Self::Incomplete => OneStopStatus::Incomplete,
            Self::Valid => OneStopStatus::Valid,
            Self::Withdrawn => OneStopStatus::Withdrawn,
            Self::Invalid(_) => OneStopStatus::Invalid,
        }
    }

    pub fn invalid_reason(self) -> Option<OneStopInvalidReason> {
        match self {
            Self::Invalid(reason) => Some(reason),
            _ => None,
        }
    }

    /// Withdrawn and invalid applications stay so: a donor who changes their mind again sends
    /// a new application, which the ward records as such.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Withdrawn | Self::Invalid(_))
    }
}

/// The statuses of final applications. Every other application is open, and a donor has at
/// most one open application per tax year: a withdrawn or invalid one does not stop a new one.
/// The partial unique index `one_stop_applications_open` (migration 17) names the same two.
pub const FINAL_STATUSES: [OneStopStatus; 2] = [OneStopStatus::Withdrawn, OneStopStatus::Invalid];

/// Merging two identities joins their applications, so it must not leave two open ones for one
/// tax year: the first year both `kept` and `absorbed` (the tax years of each identity's open
/// applications) name, which staff settle first by withdrawing one.
pub fn merge_clash(kept: &[i32], absorbed: &[i32]) -> Option<i32> {
    absorbed
        .iter()
        .filter(|&&year| kept.contains(&year))
        .min()
        .copied()
}

/// A state change staff asked for that the rules do not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: ApplicationState,
    pub to: ApplicationState,
}

impl IllegalTransition {
    /// A sentence for the 409 answer.
    pub fn message(self) -> String {
        format!(
            "An application that is {} cannot become {}.",
            self.from.status().as_str(),
            self.to.status().as_str()
        )
    }
}

/// The state after staff ask for `to`. received → incomplete, valid, withdrawn or invalid;
/// incomplete → valid, withdrawn or invalid (a completed application is valid, not received
/// again); valid → withdrawn or invalid; withdrawn and invalid are final. Asking for the state
/// the application is already in changes nothing.
pub fn transition(
    from: ApplicationState,
    to: ApplicationState,
) -> Result<ApplicationState, IllegalTransition> {
    use ApplicationState as S;
    if from == to {
        return Ok(from);
    }
    let allowed = matches!(
        (from, to),
        (
            S::Received,
            S::Incomplete | S::Valid | S::Withdrawn | S::Invalid(_)
        ) | (S::Incomplete, S::Valid | S::Withdrawn | S::Invalid(_))
            | (S::Valid, S::Withdrawn | S::Invalid(_))
    );
    if allowed {
        Ok(to)
    } else {
        Err(IllegalTransition { from, to })
    }
}

/// The state staff ask for with `status` and `invalid_reason`: a reason goes with `invalid`
/// and only with it, and `received_after_deadline` is the deadline rule's alone.
pub fn requested_state(
    status: OneStopStatus,
    reason: Option<OneStopInvalidReason>,
) -> Result<ApplicationState, FieldError> {
    match (status, reason) {
        (OneStopStatus::Invalid, None) => Err(FieldError::new(
            "invalid_reason",
            "is required when status is invalid",
        )),
        (OneStopStatus::Invalid, Some(OneStopInvalidReason::ReceivedAfterDeadline)) => {
            Err(FieldError::new(
                "invalid_reason",
                "received_after_deadline is set when a late application is recorded, not by staff",
            ))
        }
        (OneStopStatus::Invalid, Some(reason)) => Ok(ApplicationState::Invalid(reason)),
        (_, Some(_)) => Err(FieldError::new(
            "invalid_reason",
            "is given only with status invalid",
        )),
        (status, None) => ApplicationState::from_columns(status, None).ok_or_else(|| {
            // Unreachable: every status but invalid stands without a reason.
            FieldError::new("status", "is not a state an application can be put in")
        }),
    }
}

/// The state a newly recorded application starts in: received, or invalid when it arrived
/// after the deadline (`calendar::one_stop_deadline`, 10 January of the next year). A late
/// application is still recorded, so that the ward can answer it and tell the donor to file a
/// tax return instead.
pub fn initial_state(tax_year: i32, received_on: NaiveDate) -> ApplicationState {
    if received_on > one_stop_deadline(tax_year) {
        ApplicationState::Invalid(OneStopInvalidReason::ReceivedAfterDeadline)
    } else {
        ApplicationState::Received
    }
}

/// A tax (calendar) year an application, a notice or the one-stop list can be for.
pub fn check_tax_year(tax_year: i32) -> Result<i32, FieldError> {
    if SUPPORTED_YEARS.contains(&tax_year) {
        Ok(tax_year)
    } else {
        Err(FieldError::new(
            "tax_year",
            "must be a year between 2000 and 2200",
        ))
    }
}

/// An application arrives during or after its tax year (the donation comes first), and not
/// after today.
pub fn check_received_on(
    tax_year: i32,
    received_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), FieldError> {
    if received_on > today {
        return Err(FieldError::new("received_on", "cannot be in the future"));
    }
    if received_on.year() < tax_year {
        return Err(FieldError::new(
            "received_on",
            "cannot be before the tax year the application is for",
        ));
    }
    Ok(())
}

/// A birth date is in the past.
pub fn check_birth_date(birth_date: NaiveDate, today: NaiveDate) -> Result<(), FieldError> {
    if birth_date > today {
        Err(FieldError::new("birth_date", "cannot be in the future"))
    } else {
        Ok(())
    }
}

/// A staff note: at most [`NOTE_MAX`] characters; blank is none.
pub fn clean_note(note: &str) -> Result<Option<String>, FieldError> {
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(FieldError::new(
            "note",
            format!("must be at most {NOTE_MAX} characters"),
        ));
    }
    Ok((!note.is_empty()).then(|| note.to_owned()))
}

/// The applicant's details as written on the application (each defaults to the donation's
/// donor when staff leave it out).
#[derive(Clone, Default)]
pub struct ApplicantInput {
    pub name: String,
    pub name_kana: String,
    pub postal_code: String,
    pub prefecture: String,
    pub city: String,
    pub address_line: String,
}

/// Checked and normalised applicant details (personal data: never logged, so no `Debug`
/// that shows them).
#[derive(Clone, PartialEq, Eq)]
pub struct Applicant {
    pub name: String,
    /// Full-width katakana.
    pub name_kana: String,
    /// `NNN-NNNN`.
    pub postal_code: String,
    /// One of the 47 prefectures.
    pub prefecture: String,
    pub city: String,
    pub address_line: String,
}

redacted_debug!(Applicant);

impl Applicant {
    /// The same rules as a donor's details (`Donor::parse`), every problem reported together
    /// under the request's own field names.
    pub fn parse(input: ApplicantInput) -> Result<Applicant, Vec<FieldError>> {
        let mut f = RequiredFields::new("");
        let applicant = Applicant {
            name: f.check_as_written("name", Some(input.name), parse_name),
            name_kana: f.check("name_kana", Some(input.name_kana), parse_name_kana),
            postal_code: f.check("postal_code", Some(input.postal_code), parse_postal_code),
            prefecture: f.check("prefecture", Some(input.prefecture), parse_prefecture),
            city: f.check("city", Some(input.city), parse_city),
            address_line: f.check("address_line", Some(input.address_line), parse_address_line),
        };
        f.finish(applicant)
    }
}

/// A municipality code staff typed: a listed body that levies 住民税 and so receives notices
/// (a city, a Tokyo special ward, a town or a village).
pub fn given_municipality(code: &str) -> Result<&'static LocalGovernment, FieldError> {
    let field = "municipality_code";
    let code = LocalGovernmentCode::parse(code.trim())
        .map_err(|e| FieldError::new(field, e.to_string()))?;
    let body = local_government::by_code(&code)
        .ok_or_else(|| FieldError::new(field, "no local government has this code"))?;
    if !body.kind.levies_municipal_tax() {
        return Err(FieldError::new(
            field,
            "names no body that receives one-stop notices (a prefecture, or a ward of a designated city: use the city's code)",
        ));
    }
    Ok(body)
}

/// The applicant's home municipality, which receives the notice: the one staff gave, else the
/// one the address lies in (`local_government::tax_municipality_for`, from the official list
/// shipped with the project). An address it cannot place is a 422 on `city`.
pub fn home_municipality(
    given: Option<&str>,
    applicant: &Applicant,
) -> Result<&'static LocalGovernment, FieldError> {
    if let Some(code) = given {
        return given_municipality(code);
    }
    let address = format!("{}{}", applicant.city, applicant.address_line);
    local_government::tax_municipality_for(&applicant.prefecture, &address).ok_or_else(|| {
        FieldError::new(
            "city",
            "names no municipality of the prefecture in the official list; correct it or give municipality_code",
        )
    })
}

/// My Numbers of applications received before this date have been kept `retention_days` by
/// `today`, and are deleted. A negative period (refused by configuration) deletes nothing.
pub fn retention_cutoff(today: NaiveDate, retention_days: i64) -> NaiveDate {
    u64::try_from(retention_days)
        .ok()
        .and_then(|days| today.checked_sub_days(Days::new(days)))
        .unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use ApplicationState as S;
    use OneStopInvalidReason as R;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const ALL_STATES: [ApplicationState; 7] = [
        S::Received,
        S::Incomplete,
        S::Valid,
        S::Withdrawn,
        S::Invalid(R::MoreThanFiveMunicipalities),
        S::Invalid(R::TaxReturnFiled),
        S::Invalid(R::ReceivedAfterDeadline),
    ];

    #[test]
    fn states_round_trip_through_their_columns() {
        for state in ALL_STATES {
            let back = ApplicationState::from_columns(state.status(), state.invalid_reason());
            assert_eq!(back, Some(state));
        }
        let invalid = ApplicationState::from_columns(OneStopStatus::Invalid, None);
        assert_eq!(invalid, None);
        let reason = Some(R::TaxReturnFiled);
        assert_eq!(
            ApplicationState::from_columns(OneStopStatus::Valid, reason),
            None
        );
    }

    #[test]
    fn final_statuses_are_those_of_the_final_states() {
        for state in ALL_STATES {
            assert_eq!(
                FINAL_STATUSES.contains(&state.status()),
                state.is_final(),
                "{state:?}"
            );
        }
    }

    #[test]
    fn the_open_index_names_the_final_statuses() {
        let migration =
            include_str!("../../migrations/2025-01-01-000017_one_stop_applications/up.sql");
        let names: Vec<String> = FINAL_STATUSES
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let clause = format!("WHERE status NOT IN ({});", names.join(", "));
        assert!(
            migration.contains(&format!(
                "CREATE UNIQUE INDEX one_stop_applications_open ON one_stop_applications \
                 (identity_id, tax_year) {clause}"
            )),
            "{clause}"
        );
    }

    #[test]
    fn a_merge_clashes_on_a_year_both_identities_have_open() {
        assert_eq!(merge_clash(&[2024, 2025], &[2025, 2026]), Some(2025));
        assert_eq!(
            merge_clash(&[2026, 2024], &[2026, 2024]),
            Some(2024),
            "the first"
        );
        assert_eq!(merge_clash(&[2024], &[2025]), None);
        assert_eq!(merge_clash(&[], &[2025]), None);
        assert_eq!(merge_clash(&[2025], &[]), None);
    }

    #[test]
    fn allowed_transitions() {
        let allowed = [
            (S::Received, S::Incomplete),
            (S::Received, S::Valid),
            (S::Received, S::Withdrawn),
            (S::Received, S::Invalid(R::TaxReturnFiled)),
            (S::Incomplete, S::Valid),
            (S::Incomplete, S::Withdrawn),
            (S::Incomplete, S::Invalid(R::MoreThanFiveMunicipalities)),
            (S::Valid, S::Withdrawn),
            (S::Valid, S::Invalid(R::TaxReturnFiled)),
        ];
        for (from, to) in allowed {
            assert_eq!(transition(from, to), Ok(to), "{from:?} → {to:?}");
        }
    }

    #[test]
    fn refused_transitions() {
        let refused = [
            (S::Incomplete, S::Received),
            (S::Valid, S::Received),
            (S::Valid, S::Incomplete),
            (S::Withdrawn, S::Received),
            (S::Withdrawn, S::Valid),
            (S::Withdrawn, S::Invalid(R::TaxReturnFiled)),
            (S::Invalid(R::TaxReturnFiled), S::Valid),
            (S::Invalid(R::TaxReturnFiled), S::Withdrawn),
            (
                S::Invalid(R::TaxReturnFiled),
                S::Invalid(R::MoreThanFiveMunicipalities),
            ),
            (S::Invalid(R::ReceivedAfterDeadline), S::Received),
        ];
        for (from, to) in refused {
            assert_eq!(
                transition(from, to),
                Err(IllegalTransition { from, to }),
                "{from:?} → {to:?}"
            );
        }
        let refusal = transition(S::Withdrawn, S::Valid).unwrap_err();
        assert_eq!(
            refusal.message(),
            "An application that is withdrawn cannot become valid."
        );
    }

    #[test]
    fn the_same_state_again_changes_nothing_and_final_states_are_final() {
        for state in ALL_STATES {
            assert_eq!(transition(state, state), Ok(state));
            if state.is_final() {
                let others = ALL_STATES.iter().filter(|&&s| s != state);
                for &other in others {
                    assert!(transition(state, other).is_err(), "{state:?} → {other:?}");
                }
            }
        }
        assert!(!S::Valid.is_final());
    }

    #[test]
    fn a_reason_goes_with_invalid_only() {
        let invalid = OneStopStatus::Invalid;
        assert_eq!(
            requested_state(invalid, Some(R::MoreThanFiveMunicipalities)),
            Ok(S::Invalid(R::MoreThanFiveMunicipalities))
        );
        assert_eq!(requested_state(OneStopStatus::Valid, None), Ok(S::Valid));
        for (status, reason) in [
            (invalid, None),
            (invalid, Some(R::ReceivedAfterDeadline)),
            (OneStopStatus::Valid, Some(R::TaxReturnFiled)),
        ] {
            let err = requested_state(status, reason).unwrap_err();
            assert_eq!(err.field, "invalid_reason", "{status:?} {reason:?}");
        }
    }

    #[test]
    fn an_application_after_january_tenth_is_recorded_as_invalid() {
        assert_eq!(initial_state(2025, date(2025, 3, 1)), S::Received);
        assert_eq!(initial_state(2025, date(2026, 1, 10)), S::Received);
        assert_eq!(
            initial_state(2025, date(2026, 1, 11)),
            S::Invalid(R::ReceivedAfterDeadline)
        );
        assert_eq!(
            initial_state(2024, date(2026, 1, 5)),
            S::Invalid(R::ReceivedAfterDeadline)
        );
    }

    #[test]
    fn received_dates_lie_between_the_tax_year_and_today() {
        let today = date(2026, 1, 20);
        assert!(check_received_on(2025, date(2025, 1, 1), today).is_ok());
        assert!(check_received_on(2025, today, today).is_ok());
        let before = check_received_on(2025, date(2024, 12, 31), today).unwrap_err();
        assert_eq!(before.field, "received_on");
        let future = check_received_on(2025, date(2026, 1, 21), today).unwrap_err();
        assert_eq!(future.message, "cannot be in the future");
        assert!(check_tax_year(2025).is_ok());
        assert_eq!(check_tax_year(1999).unwrap_err().field, "tax_year");
        assert!(check_tax_year(i32::MAX).is_err());
        assert!(check_birth_date(date(1980, 4, 1), today).is_ok());
        assert!(check_birth_date(date(2026, 1, 21), today).is_err());
    }

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(clean_note("  "), Ok(None));
        assert_eq!(clean_note(" 署名なし "), Ok(Some("署名なし".to_owned())));
        assert!(clean_note(&"あ".repeat(NOTE_MAX)).is_ok());
        assert_eq!(
            clean_note(&"あ".repeat(NOTE_MAX + 1)).unwrap_err().field,
            "note"
        );
    }

    fn shinagawa() -> ApplicantInput {
        ApplicantInput {
            name: "品川 花子".into(),
            name_kana: "ｼﾅｶﾞﾜ ﾊﾅｺ".into(),
            postal_code: "１４０－８７１５".into(),
            prefecture: "東京都".into(),
            city: "品川区".into(),
            address_line: "広町2-1-36".into(),
        }
    }

    #[test]
    fn applicant_details_follow_the_donor_rules() {
        let applicant = Applicant::parse(shinagawa()).unwrap();
        assert_eq!(applicant.name_kana, "シナガワ ハナコ");
        assert_eq!(applicant.postal_code, "140-8715");
        assert_eq!(
            format!("{applicant:?}"),
            "Applicant { <personal data redacted> }"
        );
        let mut bad = shinagawa();
        bad.name = " ".into();
        bad.prefecture = "東京".into();
        let errors = Applicant::parse(bad).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "prefecture"]);
    }

    #[test]
    fn the_home_municipality_comes_from_the_address_or_the_given_code() {
        let applicant = Applicant::parse(shinagawa()).unwrap();
        let derived = home_municipality(None, &applicant).unwrap();
        assert_eq!(derived.code.as_str(), "131091");
        let mut osaka = shinagawa();
        osaka.prefecture = "大阪府".into();
        osaka.city = "大阪市北区".into();
        osaka.address_line = "梅田1-1-1".into();
        let osaka = Applicant::parse(osaka).unwrap();
        assert_eq!(
            home_municipality(None, &osaka).unwrap().code.as_str(),
            "271004"
        );
        // Given, the code wins over the address.
        let given = home_municipality(Some("271004"), &applicant).unwrap();
        assert_eq!(given.name, "大阪市");
        let mut nowhere = shinagawa();
        nowhere.city = "架空市".into();
        let nowhere = Applicant::parse(nowhere).unwrap();
        assert_eq!(home_municipality(None, &nowhere).unwrap_err().field, "city");
    }

    #[test]
    fn only_bodies_that_levy_the_tax_can_be_given() {
        for code in ["131092", "13109", "130001", "271276"] {
            let err = given_municipality(code).unwrap_err();
            assert_eq!(err.field, "municipality_code", "{code}");
        }
        assert_eq!(given_municipality(" 131091 ").unwrap().name, "品川区");
    }

    #[test]
    fn the_retention_cutoff_counts_days_back_from_today() {
        let today = date(2026, 1, 20);
        assert_eq!(retention_cutoff(today, 0), today);
        assert_eq!(retention_cutoff(today, 20), date(2025, 12, 31));
        // Seven years: 2557 days from 2026-01-20 is 2019-01-20 (2020 and 2024 are leap years).
        assert_eq!(retention_cutoff(today, 2557), date(2019, 1, 20));
        assert_eq!(retention_cutoff(today, -1), NaiveDate::MIN);
    }
}
