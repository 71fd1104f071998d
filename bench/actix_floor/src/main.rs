//! actix-web's own cost per request on this machine: `GET /` answers the file given on the
//! command line as JSON with an entity tag, or 304 when `If-None-Match` matches it; nothing else.
//! Usage: actix-floor BODY_FILE PORT ETAG

use actix_web::http::header;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

struct Entity {
    body: web::Bytes,
    etag: String,
}

async fn entity(req: HttpRequest, entity: web::Data<Entity>) -> HttpResponse {
    let etag = entity.etag.as_str();
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .map(|v| v.as_bytes())
        == Some(etag.as_bytes());
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response.insert_header((header::ETAG, etag));
    if matches {
        response.finish()
    } else {
        response
            .content_type("application/json")
            .body(entity.body.clone())
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (file, port, etag) = match (args.next(), args.next(), args.next()) {
        (Some(f), Some(p), Some(e)) => (f, p, e),
        _ => panic!("usage: actix-floor BODY_FILE PORT ETAG"),
    };
    let port: u16 = port.parse().expect("PORT");
    let entity = web::Data::new(Entity {
        body: std::fs::read(file)?.into(),
        etag,
    });
    // Two workers, like the service on two cores.
    HttpServer::new(move || {
        App::new()
            .app_data(entity.clone())
            .default_service(web::to(self::entity))
    })
    .workers(2)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
