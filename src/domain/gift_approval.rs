//! The 地場産品 basis a gift needs (告示第5条, the ministry's local-product criteria) and the
//! approval it passes before the public may see it: draft → submitted → approved → published,
//! with suspended and withdrawn. A gift can only be published with an approved basis.

use super::gift::GiftStatus;
use super::FieldError;

/// The numbered criteria of 告示第5条 (平成31年総務省告示第179号), in short.
pub const CRITERIA: [(i32, &str); 9] = [
    (1, "区域内で生産されたもの"),
    (2, "原材料の主要な部分が区域内で生産されたもの"),
    (
        3,
        "製造・加工等の主要な工程を区域内で行い相応の付加価値が生じているもの",
    ),
    (4, "区域内で生産され、近隣で生産されたものと混在したもの"),
    (5, "地方団体の広報目的で生産されたオリジナル品"),
    (6, "地場産品が主要な部分を占めるセット"),
    (
        7,
        "区域内で提供される役務で、その主要な部分が区域に相当程度関連するもの",
    ),
    (8, "都道府県・近隣団体と共通の返礼品（地域資源）"),
    (9, "災害により区域外へ避難した事業者の生産品"),
];

/// The short Japanese description of a criterion number.
pub fn criterion_label(criterion: i32) -> Option<&'static str> {
    CRITERIA
        .iter()
        .find(|(n, _)| *n == criterion)
        .map(|(_, label)| *label)
}

/// A gift's basis as staff wrote it; all three parts are needed before it can be submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalBasis {
    pub criterion: Option<i32>,
    /// Why the gift meets the criterion (where it is made, by whom, from what).
    pub justification: Option<String>,
    /// What a reviewer can check (a production record, a contract, a site visit).
    pub evidence: Option<String>,
}

impl LocalBasis {
    /// The two written parts, each with its field name.
    fn texts(&self) -> [(&'static str, &Option<String>); 2] {
        [
            ("basis_justification", &self.justification),
            ("basis_evidence", &self.evidence),
        ]
    }

    /// Whatever is given must be well formed (a draft may still lack parts).
    pub fn check_shape(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.criterion.is_some_and(|c| criterion_label(c).is_none()) {
            errors.push(FieldError::new(
                "basis_criterion",
                "must be a criterion number of 告示第5条 (1-9)",
            ));
        }
        for (field, text) in self.texts() {
            if text.as_ref().is_some_and(|t| t.chars().count() > 2000) {
                errors.push(FieldError::new(field, "must be at most 2000 characters"));
            }
        }
        errors
    }

    /// Every part present and well formed: what submitting asks for.
    pub fn check_complete(&self) -> Vec<FieldError> {
        let mut errors = self.check_shape();
        if self.criterion.is_none() {
            errors.push(FieldError::new(
                "basis_criterion",
                "is required before the basis is submitted",
            ));
        }
        for (field, text) in self.texts() {
            if text.as_ref().is_none_or(|t| t.trim().is_empty()) {
                errors.push(FieldError::new(
                    field,
                    "is required before the basis is submitted",
                ));
            }
        }
        errors
    }
}

crate::named_enum! {
    /// A staff action on a gift's way to (and off) the catalogue.
    pub stored enum GiftAction {
        /// Draft → submitted: the basis goes to review.
        Submit = "submit" / "承認を申請",
        /// Submitted → approved, by someone other than the submitter.
        Approve = "approve" / "承認",
        /// Submitted → draft: sent back with a note.
        SendBack = "send_back" / "差し戻し",
        /// Approved or suspended → published.
        Publish = "publish" / "公開",
        /// Published → suspended.
        Suspend = "suspend" / "公開停止",
        /// Approved or suspended → draft: to change the basis, which then needs approval again.
        Reopen = "reopen" / "下書きに戻す",
        /// Anything but withdrawn → withdrawn, for good.
        Withdraw = "withdraw" / "取り下げ",
    }
}

impl GiftAction {
    /// The state the action leads to from `from`, if it may be taken there.
    pub fn from(self, from: GiftStatus) -> Option<GiftStatus> {
        use GiftStatus::*;
        match (self, from) {
            (GiftAction::Submit, Draft) => Some(Submitted),
            (GiftAction::Approve, Submitted) => Some(Approved),
            (GiftAction::SendBack, Submitted) => Some(Draft),
            (GiftAction::Publish, Approved | Suspended) => Some(Published),
            (GiftAction::Suspend, Published) => Some(Suspended),
            (GiftAction::Reopen, Approved | Suspended) => Some(Draft),
            (GiftAction::Withdraw, Draft | Submitted | Approved | Published | Suspended) => {
                Some(Withdrawn)
            }
            _ => None,
        }
    }

    /// The actions staff may take from a state (what the console offers).
    pub fn available(from: GiftStatus) -> Vec<GiftAction> {
        GiftAction::ALL
            .into_iter()
            .filter(|a| a.from(from).is_some())
            .collect()
    }
}

/// Why an action on a gift is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalRefusal {
    /// The action cannot be taken from the gift's state.
    NotFrom { status: GiftStatus },
    /// Publishing needs an approved basis; the gift has none.
    BasisNotApproved,
    /// Submitting needs every part of the basis.
    BasisIncomplete(Vec<FieldError>),
    /// The one who submitted a basis cannot approve it.
    SameApprover,
}

/// Who acts, and what the gift's record says of its basis.
pub struct Reviewer<'a> {
    pub actor_id: &'a str,
    pub submitted_by: Option<&'a str>,
    /// Four eyes: the approver must be someone other than the submitter *(configurable)*.
    pub approver_must_differ: bool,
}

/// The state `action` leads to, or why it may not be taken.
pub fn check_action(
    action: GiftAction,
    from: GiftStatus,
    basis: &LocalBasis,
    reviewer: &Reviewer<'_>,
) -> Result<GiftStatus, ApprovalRefusal> {
    let Some(to) = action.from(from) else {
        return Err(if action == GiftAction::Publish {
            ApprovalRefusal::BasisNotApproved
        } else {
            ApprovalRefusal::NotFrom { status: from }
        });
    };
    match action {
        GiftAction::Submit => {
            let errors = basis.check_complete();
            if !errors.is_empty() {
                return Err(ApprovalRefusal::BasisIncomplete(errors));
            }
        }
        GiftAction::Approve
            if reviewer.approver_must_differ
                && reviewer.submitted_by == Some(reviewer.actor_id) =>
        {
            return Err(ApprovalRefusal::SameApprover);
        }
        _ => {}
    }
    Ok(to)
}

/// The action a plain change of `status` (the admin PATCH) stands for, if any.
pub fn action_for(from: GiftStatus, to: GiftStatus) -> Option<GiftAction> {
    GiftAction::ALL
        .into_iter()
        .find(|a| a.from(from) == Some(to))
}

/// Whether a gift in this state may have its basis changed: only a draft's (an approved basis
/// is what was approved; reopen it first).
pub fn basis_editable(status: GiftStatus) -> bool {
    status == GiftStatus::Draft
}

/// What a reviewer approved: the basis, and the vendor and category it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewed<'a> {
    pub basis: LocalBasis,
    pub vendor_id: &'a str,
    pub category: super::gift::Category,
}

/// Whether a change may touch what was reviewed: always in a draft, never after it was
/// submitted (name, description, price and stock are not part of the review).
pub fn may_change_reviewed(status: GiftStatus, before: &Reviewed, after: &Reviewed) -> bool {
    before == after || basis_editable(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use GiftStatus::*;

    fn complete() -> LocalBasis {
        LocalBasis {
            criterion: Some(3),
            justification: Some("区内の工場で製造".into()),
            evidence: Some("製造工程表（2025年4月）".into()),
        }
    }

    fn staff<'a>(actor_id: &'a str, submitted_by: Option<&'a str>) -> Reviewer<'a> {
        Reviewer {
            actor_id,
            submitted_by,
            approver_must_differ: true,
        }
    }

    #[test]
    fn the_way_to_the_catalogue_goes_through_approval() {
        let b = complete();
        let (a, other) = (staff("a", None), staff("b", Some("a")));
        let by_a = |action, from| check_action(action, from, &b, &a);
        assert_eq!(by_a(GiftAction::Submit, Draft), Ok(Submitted));
        let by_other = |action, from| check_action(action, from, &b, &other);
        assert_eq!(by_other(GiftAction::Approve, Submitted), Ok(Approved));
        assert_eq!(by_a(GiftAction::Publish, Approved), Ok(Published));
        assert_eq!(by_a(GiftAction::Suspend, Published), Ok(Suspended));
        assert_eq!(by_a(GiftAction::Publish, Suspended), Ok(Published));
    }

    #[test]
    fn nothing_unapproved_is_published() {
        let b = complete();
        let a = staff("a", None);
        for from in [Draft, Submitted, Withdrawn] {
            assert_eq!(
                check_action(GiftAction::Publish, from, &b, &a),
                Err(ApprovalRefusal::BasisNotApproved),
                "{from:?}"
            );
        }
        assert_eq!(action_for(Draft, Published), None);
        assert_eq!(action_for(Published, Suspended), Some(GiftAction::Suspend));
    }

    #[test]
    fn a_submitter_cannot_approve_their_own_basis() {
        let b = complete();
        assert_eq!(
            check_action(GiftAction::Approve, Submitted, &b, &staff("a", Some("a"))),
            Err(ApprovalRefusal::SameApprover)
        );
        let single = Reviewer {
            approver_must_differ: false,
            ..staff("a", Some("a"))
        };
        assert_eq!(
            check_action(GiftAction::Approve, Submitted, &b, &single),
            Ok(Approved)
        );
    }

    #[test]
    fn an_incomplete_basis_is_not_submitted() {
        let b = LocalBasis {
            criterion: Some(10),
            justification: Some("  ".into()),
            evidence: None,
        };
        match check_action(GiftAction::Submit, Draft, &b, &staff("a", None)) {
            Err(ApprovalRefusal::BasisIncomplete(errors)) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(
                    fields,
                    ["basis_criterion", "basis_justification", "basis_evidence"]
                );
            }
            other => panic!("expected BasisIncomplete, got {other:?}"),
        }
    }

    #[test]
    fn what_was_reviewed_changes_only_in_a_draft() {
        use crate::domain::gift::Category;
        let reviewed = |vendor_id, category| Reviewed {
            basis: complete(),
            vendor_id,
            category,
        };
        let before = reviewed("v1", Category::Product);
        for after in [
            reviewed("v2", Category::Product),
            reviewed("v1", Category::OnSite),
        ] {
            assert!(may_change_reviewed(Draft, &before, &after));
            assert!(!may_change_reviewed(Published, &before, &after));
        }
        assert!(may_change_reviewed(Published, &before, &before.clone()));
    }

    #[test]
    fn withdrawn_is_final_and_only_drafts_change_their_basis() {
        assert!(GiftAction::available(Withdrawn).is_empty());
        assert_eq!(
            GiftAction::available(Submitted),
            [
                GiftAction::Approve,
                GiftAction::SendBack,
                GiftAction::Withdraw
            ]
        );
        assert!(basis_editable(Draft));
        for s in [Submitted, Approved, Published, Suspended, Withdrawn] {
            assert!(!basis_editable(s));
        }
    }
}
