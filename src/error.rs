//! The one error type of the service and its problem+json (RFC 9457) rendering.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;

/// Every failure a request can meet. Each carries a stable machine-readable `code`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request was understood and refused; `detail` is safe to show the client.
    #[error("{code}: {detail}")]
    Rejected {
        status: StatusCode,
        code: ErrorCode,
        detail: String,
    },
    /// One or more input fields are invalid.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Throttled; the client may retry after the given number of seconds.
    #[error("{code}: too many requests")]
    Throttled {
        code: ErrorCode,
        detail: String,
        retry_after_seconds: i64,
    },
    /// The database is unreachable or its pool is exhausted.
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything unexpected: logged with its cause, answered with an opaque 500.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// Every stable error code the service answers with, in one place. The snake_case names are the
/// contract: clients match on them, so a name never changes once published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    AlreadyPaid,
    AlreadyReversed,
    AlreadySettled,
    AmountMismatch,
    BadRequest,
    BusinessNotFound,
    CardPaymentOnly,
    DonationNotFound,
    EmailAlreadySent,
    EmailInFlight,
    EmailNotFound,
    EmailTaken,
    Forbidden,
    GiftCodeTaken,
    GiftNotAvailable,
    GiftNotFound,
    IdempotencyKeyReused,
    ImportInProgress,
    ImportRejected,
    InsufficientBalance,
    InternalError,
    InvalidAmount,
    InvalidCredentials,
    InvalidEvent,
    InvalidIdempotencyKey,
    InvalidPath,
    InvalidQuery,
    InvalidSignature,
    InvalidVoucherCode,
    MalformedJson,
    MethodNotAllowed,
    MonthNotClosed,
    NotRefundable,
    OrganizationNotFound,
    OrganizationNameTaken,
    OutOfStock,
    PartnerNotFound,
    PayloadTooLarge,
    ProhibitedWording,
    PurposeNotFound,
    PurposeNameTaken,
    ReceiptNotFound,
    ReceiptVoided,
    RedemptionNotFound,
    RequestFailed,
    RequestInProgress,
    RequestTimeout,
    ResidentGiftNotAllowed,
    ReturnRatioExceeded,
    ReversalWindowClosed,
    RouteNotFound,
    ServiceUnavailable,
    TooManyAttempts,
    TooManyLookups,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
    VoucherExpired,
    VoucherNotActive,
    VoucherNotFound,
    VoucherPartlySpent,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 61] = [
        ErrorCode::AlreadyPaid,
        ErrorCode::AlreadyReversed,
        ErrorCode::AlreadySettled,
        ErrorCode::AmountMismatch,
        ErrorCode::BadRequest,
        ErrorCode::BusinessNotFound,
        ErrorCode::CardPaymentOnly,
        ErrorCode::DonationNotFound,
        ErrorCode::EmailAlreadySent,
        ErrorCode::EmailInFlight,
        ErrorCode::EmailNotFound,
        ErrorCode::EmailTaken,
        ErrorCode::Forbidden,
        ErrorCode::GiftCodeTaken,
        ErrorCode::GiftNotAvailable,
        ErrorCode::GiftNotFound,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::ImportInProgress,
        ErrorCode::ImportRejected,
        ErrorCode::InsufficientBalance,
        ErrorCode::InternalError,
        ErrorCode::InvalidAmount,
        ErrorCode::InvalidCredentials,
        ErrorCode::InvalidEvent,
        ErrorCode::InvalidIdempotencyKey,
        ErrorCode::InvalidPath,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidSignature,
        ErrorCode::InvalidVoucherCode,
        ErrorCode::MalformedJson,
        ErrorCode::MethodNotAllowed,
        ErrorCode::MonthNotClosed,
        ErrorCode::NotRefundable,
        ErrorCode::OrganizationNotFound,
        ErrorCode::OrganizationNameTaken,
        ErrorCode::OutOfStock,
        ErrorCode::PartnerNotFound,
        ErrorCode::PayloadTooLarge,
        ErrorCode::ProhibitedWording,
        ErrorCode::PurposeNotFound,
        ErrorCode::PurposeNameTaken,
        ErrorCode::ReceiptNotFound,
        ErrorCode::ReceiptVoided,
        ErrorCode::RedemptionNotFound,
        ErrorCode::RequestFailed,
        ErrorCode::RequestInProgress,
        ErrorCode::RequestTimeout,
        ErrorCode::ResidentGiftNotAllowed,
        ErrorCode::ReturnRatioExceeded,
        ErrorCode::ReversalWindowClosed,
        ErrorCode::RouteNotFound,
        ErrorCode::ServiceUnavailable,
        ErrorCode::TooManyAttempts,
        ErrorCode::TooManyLookups,
        ErrorCode::Unauthorized,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::ValidationFailed,
        ErrorCode::VoucherExpired,
        ErrorCode::VoucherNotActive,
        ErrorCode::VoucherNotFound,
        ErrorCode::VoucherPartlySpent,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AlreadyPaid => "already_paid",
            ErrorCode::AlreadyReversed => "already_reversed",
            ErrorCode::AlreadySettled => "already_settled",
            ErrorCode::AmountMismatch => "amount_mismatch",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::BusinessNotFound => "business_not_found",
            ErrorCode::CardPaymentOnly => "card_payment_only",
            ErrorCode::DonationNotFound => "donation_not_found",
            ErrorCode::EmailAlreadySent => "email_already_sent",
            ErrorCode::EmailInFlight => "email_in_flight",
            ErrorCode::EmailNotFound => "email_not_found",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::GiftCodeTaken => "gift_code_taken",
            ErrorCode::GiftNotAvailable => "gift_not_available",
            ErrorCode::GiftNotFound => "gift_not_found",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::ImportInProgress => "import_in_progress",
            ErrorCode::ImportRejected => "import_rejected",
            ErrorCode::InsufficientBalance => "insufficient_balance",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::InvalidAmount => "invalid_amount",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::InvalidEvent => "invalid_event",
            ErrorCode::InvalidIdempotencyKey => "invalid_idempotency_key",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidSignature => "invalid_signature",
            ErrorCode::InvalidVoucherCode => "invalid_voucher_code",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::MonthNotClosed => "month_not_closed",
            ErrorCode::NotRefundable => "not_refundable",
            ErrorCode::OrganizationNotFound => "organization_not_found",
            ErrorCode::OrganizationNameTaken => "organization_name_taken",
            ErrorCode::OutOfStock => "out_of_stock",
            ErrorCode::PartnerNotFound => "partner_not_found",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::ProhibitedWording => "prohibited_wording",
            ErrorCode::PurposeNotFound => "purpose_not_found",
            ErrorCode::PurposeNameTaken => "purpose_name_taken",
            ErrorCode::ReceiptNotFound => "receipt_not_found",
            ErrorCode::ReceiptVoided => "receipt_voided",
            ErrorCode::RedemptionNotFound => "redemption_not_found",
            ErrorCode::RequestFailed => "request_failed",
            ErrorCode::RequestInProgress => "request_in_progress",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::ResidentGiftNotAllowed => "resident_gift_not_allowed",
            ErrorCode::ReturnRatioExceeded => "return_ratio_exceeded",
            ErrorCode::ReversalWindowClosed => "reversal_window_closed",
            ErrorCode::RouteNotFound => "route_not_found",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::TooManyLookups => "too_many_lookups",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::VoucherExpired => "voucher_expired",
            ErrorCode::VoucherNotActive => "voucher_not_active",
            ErrorCode::VoucherNotFound => "voucher_not_found",
            ErrorCode::VoucherPartlySpent => "voucher_partly_spent",
        }
    }

    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> Self {
        Error::Rejected {
            status,
            code,
            detail: detail.into(),
        }
    }
    pub fn bad_request(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
    pub fn unauthorized(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, detail)
    }
    pub fn not_found(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }
    pub fn conflict(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }
    pub fn gone(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, code, detail)
    }
    pub fn unprocessable(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }
    /// A single invalid field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }
    pub fn internal(message: &'static str) -> Self {
        Error::Internal(anyhow::anyhow!(message))
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Rejected { code, .. } | Error::Throttled { code, .. } => *code,
            Error::Validation(_) => ErrorCode::ValidationFailed,
            Error::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Error::Internal(_) => ErrorCode::InternalError,
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        Error::Internal(anyhow::Error::new(e).context("database query failed"))
    }
}

impl From<diesel::r2d2::PoolError> for Error {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Error::Unavailable(anyhow::Error::new(e).context("no database connection"))
    }
}

impl From<actix_web::error::BlockingError> for Error {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Error::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

/// The problem+json body. `errors` appears only for validation failures.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (relative, stable per `code`).
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code for programs.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemField>>,
}

#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        code: ErrorCode,
        detail: &str,
        errors: Option<Vec<ProblemField>>,
    ) -> Problem {
        Problem {
            problem_type: format!("/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.to_owned(),
            code: code.as_str().to_owned(),
            errors,
        }
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Builds a problem+json response; used by `Error` and by the handlers of actix's own errors.
pub fn problem_response(
    status: StatusCode,
    code: ErrorCode,
    detail: &str,
    errors: Option<Vec<ProblemField>>,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .json(Problem::new(status, code, detail, errors))
}

impl Error {
    /// A refusal that depends only on the request and the data, as (status, problem+json body):
    /// what an idempotent request stores so that a repeat gets the same answer. Throttling,
    /// outages, internal errors and the idempotency answers themselves are not such answers.
    pub fn final_answer(&self) -> Option<(u16, String)> {
        let problem = match self {
            Error::Rejected {
                code: ErrorCode::IdempotencyKeyReused | ErrorCode::RequestInProgress,
                ..
            } => return None,
            Error::Rejected {
                status,
                code,
                detail,
            } if status.is_client_error() => Problem::new(*status, *code, detail, None),
            Error::Validation(fields) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                self.code(),
                "One or more fields are invalid.",
                Some(
                    fields
                        .iter()
                        .map(|f| ProblemField {
                            field: f.field.clone(),
                            message: f.message.clone(),
                        })
                        .collect(),
                ),
            ),
            _ => return None,
        };
        serde_json::to_string(&problem)
            .ok()
            .map(|body| (problem.status, body))
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::Rejected { status, .. } => *status,
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            Error::Rejected { code, detail, .. } => problem_response(status, *code, detail, None),
            Error::Validation(_) => match self.final_answer() {
                Some((_, body)) => HttpResponse::build(status)
                    .content_type(PROBLEM_JSON)
                    .body(body),
                None => {
                    problem_response(status, self.code(), "One or more fields are invalid.", None)
                }
            },
            Error::Throttled {
                code,
                detail,
                retry_after_seconds,
            } => {
                let mut response = problem_response(status, *code, detail, None);
                if let Ok(value) =
                    header::HeaderValue::from_str(&retry_after_seconds.max(&1).to_string())
                {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
            Error::Unavailable(cause) => {
                tracing::error!(error = ?cause, "database unavailable");
                problem_response(
                    status,
                    self.code(),
                    "The service is temporarily unavailable. Please retry shortly.",
                    None,
                )
            }
            Error::Internal(cause) => {
                // The chain goes to the log; the client learns nothing internal.
                tracing::error!(error = ?cause, "internal error");
                problem_response(
                    status,
                    self.code(),
                    "An unexpected error occurred. It has been logged.",
                    None,
                )
            }
        }
    }
}

/// The 401 and 403 answers of every staff and partner route, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
pub enum AuthErrors {
    /// `unauthorized`: no valid bearer token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(#[to_schema] Problem),
    /// `forbidden`: this login's role may not use the route.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(#[to_schema] Problem),
}
