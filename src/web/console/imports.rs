//! Portal files at the console: upload one (the API's `imports::import::upload`: all or nothing,
//! a file sent again adds nothing), see each bad line with its number and reason, and the
//! history of imports.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::{refused, Column, Console, Upload};
use crate::error::{Error, Result};
use crate::imports::import;
use crate::imports::routes::{history, ImportSummary, MAX_LISTED_ERRORS};
use crate::web::forms::given;
use crate::web::render::{japan_time, status_of};

/// The history's CSV.
const IMPORT_COLUMNS: &[Column<ImportSummary>] = &[
    ("取込ID", |i| i.id.clone()),
    ("経路", |i| i.channel.clone()),
    ("ファイル名", |i| {
        i.file_name.clone().unwrap_or_default()
    }),
    ("行数", |i| i.rows.to_string()),
    ("取込", |i| i.imported.to_string()),
    ("重複", |i| i.skipped.to_string()),
    ("要確認", |i| i.flagged.to_string()),
    ("取込者", |i| i.imported_by.clone().unwrap_or_default()),
    ("日時", |i| japan_time(i.created_at)),
];

fn summary_rows(items: &[ImportSummary]) -> Vec<minijinja::Value> {
    items
        .iter()
        .map(|i| context! { i => i, at => japan_time(i.created_at) })
        .collect()
}

async fn page(
    console: &Console,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<HttpResponse> {
    let (items, total) = console.read(|c| history(c, 0, 100)).await?;
    Ok(console.render(
        status,
        "console/imports.html",
        context! { imports => summary_rows(&items), total, ..extra },
    ))
}

#[derive(Deserialize)]
struct ListQuery {
    channel: Option<String>,
}

async fn imports_page(console: Console, q: web::Query<ListQuery>) -> HttpResponse {
    let outcome = async {
        let download = console.download()?;
        if download.wants_csv() {
            let (items, _) = console.read(|c| history(c, 0, i64::MAX)).await?;
            return console.csv_table(IMPORT_COLUMNS, &items, &download, "imports.csv");
        }
        page(
            &console,
            StatusCode::OK,
            context! { channel => given(&q.channel).unwrap_or("") },
        )
        .await
    }
    .await;
    console.answer(outcome)
}

async fn upload(console: Console, parts: Multipart) -> HttpResponse {
    let limit = console.state().settings.server.upload_limit_bytes;
    let outcome = async {
        let upload = Upload::read(parts, limit).await?;
        let actor = console.change(upload.text("csrf_token"))?;
        let channel = upload.text("channel").to_owned();
        let file = upload
            .file
            .filter(|f| !f.is_empty())
            .ok_or_else(|| Error::field("file", "choose the portal's CSV file"))?;
        let done = import::upload(
            console.state(),
            actor,
            channel.clone(),
            upload.file_name,
            None,
            file,
        )
        .await?;
        Ok((channel, done))
    }
    .await;
    let shown = match outcome {
        Ok((channel, Ok(done))) => {
            page(&console, StatusCode::CREATED, context! { channel, done => context! {
                rows => done.rows, imported => done.imported, skipped => done.skipped, flagged => done.flagged,
            } })
            .await
        }
        Ok((channel, Err(mut lines))) => {
            let count = lines.len();
            lines.truncate(MAX_LISTED_ERRORS);
            page(
                &console,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { channel, lines, line_count => count },
            )
            .await
        }
        Err(e) => {
            page(
                &console,
                status_of(&e),
                context! { channel => "", problem => refused(&e) },
            )
            .await
        }
    };
    console.answer(shown)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/imports", web::get().to(imports_page))
        .route("/console/imports", web::post().to(upload));
}
