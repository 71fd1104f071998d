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
    Rejected { code: ErrorCode, detail: String },
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

crate::named_enum! {
    /// Every stable error code the service answers with, in one place. The snake_case names
    /// are the contract: clients match on them, so a name never changes once published.
    pub enum ErrorCode {
        AlreadyPaid = "already_paid",
        AlreadyReversed = "already_reversed",
        AlreadySettled = "already_settled",
        AmountMismatch = "amount_mismatch",
        ApprovalBySubmitter = "approval_by_submitter",
        BadRequest = "bad_request",
        BasisNotApproved = "basis_not_approved",
        BusinessNotFound = "business_not_found",
        CardPaymentOnly = "card_payment_only",
        CostEntryNotFound = "cost_entry_not_found",
        DonationNotFound = "donation_not_found",
        EmailAlreadySent = "email_already_sent",
        EmailInFlight = "email_in_flight",
        EmailNotFound = "email_not_found",
        EmailTaken = "email_taken",
        Forbidden = "forbidden",
        GiftCodeTaken = "gift_code_taken",
        GiftNotAvailable = "gift_not_available",
        GiftNotFound = "gift_not_found",
        GiftStateConflict = "gift_state_conflict",
        IdempotencyKeyReused = "idempotency_key_reused",
        IdentityMerged = "identity_merged",
        IdentityNotFound = "identity_not_found",
        ImageNotFound = "image_not_found",
        ImportInProgress = "import_in_progress",
        ImportProfileNotFound = "import_profile_not_found",
        ImportRejected = "import_rejected",
        InsufficientBalance = "insufficient_balance",
        InternalError = "internal_error",
        InvalidAmount = "invalid_amount",
        InvalidCredentials = "invalid_credentials",
        InvalidEvent = "invalid_event",
        InvalidIdempotencyKey = "invalid_idempotency_key",
        InvalidPath = "invalid_path",
        InvalidQuery = "invalid_query",
        InvalidSignature = "invalid_signature",
        InvalidVoucherCode = "invalid_voucher_code",
        MalformedJson = "malformed_json",
        MethodNotAllowed = "method_not_allowed",
        MonthNotClosed = "month_not_closed",
        MyNumberNotHeld = "my_number_not_held",
        NotRefundable = "not_refundable",
        OneStopApplicationExists = "one_stop_application_exists",
        OneStopApplicationNotFound = "one_stop_application_not_found",
        OneStopStateConflict = "one_stop_state_conflict",
        OrderNotFound = "order_not_found",
        OrderStateConflict = "order_state_conflict",
        OrganizationNotFound = "organization_not_found",
        OrganizationNameTaken = "organization_name_taken",
        OutOfStock = "out_of_stock",
        PartnerNotFound = "partner_not_found",
        PayloadTooLarge = "payload_too_large",
        ProhibitedWording = "prohibited_wording",
        PurposeNotFound = "purpose_not_found",
        PurposeNameTaken = "purpose_name_taken",
        ReceiptNotFound = "receipt_not_found",
        ReceiptVoided = "receipt_voided",
        RedemptionNotFound = "redemption_not_found",
        RequestFailed = "request_failed",
        RequestInProgress = "request_in_progress",
        RequestTimeout = "request_timeout",
        ResidentGiftNotAllowed = "resident_gift_not_allowed",
        ReturnRatioExceeded = "return_ratio_exceeded",
        ReversalWindowClosed = "reversal_window_closed",
        RouteNotFound = "route_not_found",
        ServiceUnavailable = "service_unavailable",
        SignInLinkInvalid = "sign_in_link_invalid",
        TooManyAttempts = "too_many_attempts",
        TooManyLookups = "too_many_lookups",
        Unauthorized = "unauthorized",
        UnsupportedMediaType = "unsupported_media_type",
        ValidationFailed = "validation_failed",
        VoucherExpired = "voucher_expired",
        VoucherNotActive = "voucher_not_active",
        VoucherNotFound = "voucher_not_found",
        VoucherPartlySpent = "voucher_partly_spent",
    }
}

impl ErrorCode {
    /// The one HTTP status each code is answered with, so a code always means the same answer.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            BadRequest
            | InvalidEvent
            | InvalidIdempotencyKey
            | InvalidPath
            | InvalidQuery
            | MalformedJson
            | RequestFailed => StatusCode::BAD_REQUEST,
            InvalidCredentials | InvalidSignature | Unauthorized => StatusCode::UNAUTHORIZED,
            ApprovalBySubmitter | Forbidden => StatusCode::FORBIDDEN,
            BusinessNotFound
            | CostEntryNotFound
            | DonationNotFound
            | EmailNotFound
            | GiftNotFound
            | IdentityNotFound
            | ImportProfileNotFound
            | MyNumberNotHeld
            | OneStopApplicationNotFound
            | OrderNotFound
            | OrganizationNotFound
            | PartnerNotFound
            | PurposeNotFound
            | ReceiptNotFound
            | RedemptionNotFound
            | RouteNotFound
            | VoucherNotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AlreadyPaid
            | AlreadyReversed
            | AlreadySettled
            | CardPaymentOnly
            | EmailAlreadySent
            | EmailInFlight
            | EmailTaken
            | GiftCodeTaken
            | GiftStateConflict
            | IdentityMerged
            | ImportInProgress
            | InsufficientBalance
            | MonthNotClosed
            | NotRefundable
            | OneStopApplicationExists
            | OneStopStateConflict
            | OrderStateConflict
            | OrganizationNameTaken
            | OutOfStock
            | PurposeNameTaken
            | ReceiptVoided
            | RequestInProgress
            | ReversalWindowClosed
            | VoucherNotActive
            | VoucherPartlySpent => StatusCode::CONFLICT,
            VoucherExpired => StatusCode::GONE,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AmountMismatch
            | BasisNotApproved
            | GiftNotAvailable
            | IdempotencyKeyReused
            | ImportRejected
            | InvalidAmount
            | InvalidVoucherCode
            | ProhibitedWording
            | ResidentGiftNotAllowed
            | ReturnRatioExceeded
            | ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            TooManyAttempts | TooManyLookups => StatusCode::TOO_MANY_REQUESTS,
            InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ImageNotFound => StatusCode::NOT_FOUND,
            SignInLinkInvalid => StatusCode::GONE,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A refusal with `code`; the HTTP status is the code's own (`ErrorCode::status`).
    pub fn rejected(code: ErrorCode, detail: impl Into<String>) -> Self {
        Error::Rejected {
            code,
            detail: detail.into(),
        }
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::rejected(ErrorCode::Forbidden, detail)
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
        if crate::db::is_connection_lost(&e) {
            return Error::Unavailable(anyhow::Error::new(e).context("database connection lost"));
        }
        Error::Internal(anyhow::Error::new(e).context("database query failed"))
    }
}

/// How long a client is asked to wait before retrying while the database is unavailable: the
/// pool reconnects at once when it is back.
pub const RETRY_AFTER_UNAVAILABLE_SECONDS: u32 = 1;

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
    let mut response = HttpResponse::build(status);
    response.content_type(PROBLEM_JSON);
    // A 401 names how to authenticate (RFC 9110). A webhook's signature is not a bearer token.
    if status == StatusCode::UNAUTHORIZED && code != ErrorCode::InvalidSignature {
        response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"furusato\""));
    }
    response.json(Problem::new(status, code, detail, errors))
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
            Error::Rejected { code, detail } if code.status().is_client_error() => {
                Problem::new(code.status(), *code, detail, None)
            }
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
            Error::Rejected { code, .. } => code.status(),
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
                let mut response = problem_response(
                    status,
                    self.code(),
                    "The service is temporarily unavailable. Please retry shortly.",
                    None,
                );
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(RETRY_AFTER_UNAVAILABLE_SECONDS),
                );
                response
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
