//! Answers the routes share: a page of a list, a report as JSON or CSV; and `page_route!` and
//! `report_route!`, which write a staff list's or a staff report's handler together with its
//! OpenAPI operation.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::{csv_download, wants_csv, CsvCharset, Page, Paging};
use crate::db::{Db, DbConnection};
use crate::error::Result;

/// One page of a list: `read` answers the items of `paging`'s page and the total of the list.
pub async fn read_page<T, F>(db: &Db, paging: Paging, read: F) -> Result<web::Json<Page<T>>>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, Paging) -> Result<(Vec<T>, i64)> + Send + 'static,
{
    let (items, total) = db.run(move |conn| read(conn, paging)).await?;
    Ok(web::Json(Page::new(items, paging, total)))
}

/// JSON, or with `Accept: text/csv` the same table for Excel (`; charset=Shift_JIS` for CP932).
pub fn json_or_csv<T: Serialize>(
    req: &HttpRequest,
    report: T,
    to_csv: fn(&T) -> Result<Vec<u8>>,
    file: &str,
) -> Result<HttpResponse> {
    if wants_csv(req) {
        return Ok(csv_download(
            to_csv(&report)?,
            CsvCharset::of(req, None),
            file,
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}

/// A report read by `read`, answered by `json_or_csv`.
pub async fn read_report<T, F>(
    db: &Db,
    req: &HttpRequest,
    read: F,
    to_csv: fn(&T) -> Result<Vec<u8>>,
    file: &str,
) -> Result<HttpResponse>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
{
    let report = db.run(read).await?;
    json_or_csv(req, report, to_csv, file)
}

/// A staff report's route: `GET` for any staff login, its body answering through `json_or_csv`
/// and its OpenAPI operation (the report's schema as JSON and as CSV text, the query's
/// parameters, the error answers). Every report is the same operation but for these names, so
/// they are written once here; the calling module imports `actix_web::get`.
///
/// ```ignore
/// report_route! {
///     /// The operation's summary and description.
///     GET "/admin/reports/gifts" as "gift_report" => GiftReport, QueryErrors;
///     async fn gifts(state, _staff, req, query: DateRangeQuery) {
///         // ... read the report, e.g. with `read_report`
///     }
/// }
/// ```
macro_rules! report_route {
    (
        $(#[doc = $doc:tt])*
        GET $path:tt $(as $operation:tt)? => $report:ident, $errors:ident;
        async fn $name:ident(
            $state:ident, $staff:ident, $req:ident $(, $query:ident: $params:ident)?
        ) { $($body:tt)* }
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            $(operation_id = $operation,)?
            $(params($params),)?
            responses(
                (status = 200, body = $report, content(
                    ($report = "application/json"),
                    (String = "text/csv"),
                )),
                $errors,
            )
        )]
        #[get($path)]
        pub async fn $name(
            $state: actix_web::web::Data<crate::state::AppState>,
            $staff: crate::auth::StaffUser,
            $req: actix_web::HttpRequest,
            $($query: actix_web::web::Query<$params>,)?
        ) -> crate::error::Result<actix_web::HttpResponse> {
            $($body)*
        }
    };
}
pub(crate) use report_route;

/// A staff list's route: `GET` for any staff login, its body answering one `Page` of `$item`s
/// (see `read_page`), and its OpenAPI operation (the query's parameters, the page, `QueryErrors`).
/// Every such list is the same operation but for these names; the calling module imports
/// `actix_web::get`, `http::Page` and `openapi::problems::QueryErrors`.
///
/// ```ignore
/// page_route! {
///     /// The operation's summary and description.
///     GET "/admin/imports" => Page<ImportSummary>;
///     async fn list_imports(state, _staff, query: PageQuery) {
///         // ... read the page, e.g. with `read_page`
///     }
/// }
/// ```
macro_rules! page_route {
    (
        $(#[doc = $doc:tt])*
        GET $path:tt $(as $operation:tt)? => Page<$item:ident>;
        async fn $name:ident($state:ident, $staff:ident, $query:ident: $params:ident)
        { $($body:tt)* }
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            $(operation_id = $operation,)?
            params($params),
            responses((status = 200, body = Page<$item>), QueryErrors)
        )]
        #[get($path)]
        pub async fn $name(
            $state: actix_web::web::Data<crate::state::AppState>,
            $staff: crate::auth::StaffUser,
            $query: actix_web::web::Query<$params>,
        ) -> crate::error::Result<actix_web::web::Json<Page<$item>>> {
            $($body)*
        }
    };
}
pub(crate) use page_route;
