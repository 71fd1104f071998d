//! Portal files at the console: upload one (the API's `imports::import::upload`: all or nothing,
//! a file sent again adds nothing), see each bad line with its number and reason, and the
//! history of imports.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::{given, refused, status_of, Console, Download, Upload};
use crate::domain::calendar::japan_offset;
use crate::error::{Error, Result};
use crate::http::excel_csv;
use crate::imports::import;
use crate::imports::routes::{history, ImportSummary, MAX_LISTED_ERRORS};

fn summary_rows(items: &[ImportSummary]) -> Vec<minijinja::Value> {
    items
        .iter()
        .map(|i| {
            context! {
                i => i,
                at => i.created_at.with_timezone(&japan_offset()).format("%Y-%m-%d %H:%M").to_string(),
            }
        })
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
    #[serde(default)]
    channel: Option<String>,
}

async fn imports_page(
    console: Console,
    q: web::Query<ListQuery>,
    download: web::Query<Download>,
) -> HttpResponse {
    let outcome = async {
        if download.wants_csv() {
            let (items, _) = console.read(|c| history(c, 0, i64::MAX)).await?;
            let body = excel_csv(
                &[
                    "取込ID",
                    "経路",
                    "ファイル名",
                    "行数",
                    "取込",
                    "重複",
                    "要確認",
                    "取込者",
                    "日時",
                ],
                items.iter().map(|i| {
                    vec![
                        i.id.clone(),
                        i.channel.clone(),
                        i.file_name.clone().unwrap_or_default(),
                        i.rows.to_string(),
                        i.imported.to_string(),
                        i.skipped.to_string(),
                        i.flagged.to_string(),
                        i.imported_by.clone().unwrap_or_default(),
                        i.created_at
                            .with_timezone(&japan_offset())
                            .format("%Y-%m-%d %H:%M")
                            .to_string(),
                    ]
                }),
            )?;
            return Ok(console.csv(body, download.charset, "imports.csv"));
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
