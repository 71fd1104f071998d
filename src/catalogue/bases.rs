//! The catalogue by 地場産品 basis: every gift under the criterion of 告示第5条 it claims (those
//! without one last), with its state, so staff and auditors see what each gift rests on.

use serde::Serialize;
use utoipa::ToSchema;

use super::store;
use crate::db::DbConnection;
use crate::domain::gift::GiftStatus;
use crate::domain::gift_approval::{criterion_label, CRITERIA};
use crate::error::Result;
use crate::http::excel_csv;

/// A gift as the basis report lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BasisGift {
    pub id: String,
    pub code: String,
    pub name: String,
    pub status: GiftStatus,
    pub justification: Option<String>,
    pub evidence: Option<String>,
    /// The basis has been approved (and not reopened since).
    pub approved: bool,
}

/// The gifts claiming one criterion (`criterion` null: no basis given yet).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BasisGroup {
    pub criterion: Option<i32>,
    pub label: String,
    pub gifts: Vec<BasisGift>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BasisReport {
    pub criteria: Vec<BasisGroup>,
}

/// Every gift, in any state, grouped by criterion in the order of 告示第5条.
pub fn report(conn: &mut DbConnection) -> Result<BasisReport> {
    let (rows, _) = store::admin_gifts(conn, None, None, None, 0, i64::MAX)?;
    let groups = CRITERIA
        .iter()
        .map(|(n, _)| Some(*n))
        .chain([None])
        .map(|criterion| BasisGroup {
            criterion,
            label: match criterion.and_then(criterion_label) {
                Some(label) => format!("第{}号　{label}", criterion.unwrap_or_default()),
                None => "根拠未登録".to_owned(),
            },
            gifts: rows
                .iter()
                .filter(|(g, _)| g.basis_criterion == criterion)
                .map(|(g, _)| BasisGift {
                    id: g.id.clone(),
                    code: g.code.clone(),
                    name: g.name.clone(),
                    status: g.status,
                    justification: g.basis_justification.clone(),
                    evidence: g.basis_evidence.clone(),
                    approved: g.basis_approved_at.is_some(),
                })
                .collect(),
        })
        .collect();
    Ok(BasisReport { criteria: groups })
}

/// 基準,返礼品コード,名称,状態,該当する理由,確認資料,承認 per gift.
pub fn csv(r: &BasisReport) -> Result<Vec<u8>> {
    let rows = r.criteria.iter().flat_map(|group| {
        group.gifts.iter().map(move |g| {
            vec![
                group.label.clone(),
                g.code.clone(),
                g.name.clone(),
                g.status.label().to_owned(),
                g.justification.clone().unwrap_or_default(),
                g.evidence.clone().unwrap_or_default(),
                if g.approved {
                    "承認済み"
                } else {
                    "未承認"
                }
                .to_owned(),
            ]
        })
    });
    excel_csv(
        &[
            "基準",
            "返礼品コード",
            "名称",
            "状態",
            "該当する理由",
            "確認資料",
            "承認",
        ],
        rows,
    )
}
