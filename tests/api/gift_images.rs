//! Gift pictures: staff upload them (judged by content, size-limited), the catalogue lists them, any
//! instance serves them with a year's cache, and the gift's page shows them.

use crate::both_engines;
use crate::browser::{Browser, Options};
use crate::helpers::{assert_problem, Engine, TestApp};

const PICTURE: &[u8] = include_bytes!("../../demo/images/product.png");

async fn staff_add_pictures_that_every_instance_serves(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift_id) = app.admin_with_gift(10_000, None).await;
    let upload = |body: Vec<u8>, content_type: &'static str| {
        let path = format!("/api/v1/admin/gifts/{gift_id}/images");
        let app = &app;
        let admin = admin.clone();
        async move { app.post_raw(&path, Some(&admin), content_type, body).await }
    };

    // Judged by content: an SVG or HTML file is refused whatever it claims to be.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    assert_problem(
        upload(svg, "image/png").await,
        415,
        "unsupported_media_type",
    )
    .await;
    assert_problem(
        upload(Vec::new(), "image/png").await,
        422,
        "validation_failed",
    )
    .await;
    let mut huge = PICTURE.to_vec();
    huge.resize(3 * 1024 * 1024, 0);
    assert_problem(upload(huge, "image/png").await, 413, "payload_too_large").await;
    let res = app
        .post_raw(
            "/api/v1/admin/gifts/00000000-0000-0000-0000-000000000000/images",
            Some(&admin),
            "image/png",
            PICTURE.to_vec(),
        )
        .await;
    assert_problem(res, 404, "gift_not_found").await;
    let anonymous = app
        .post_raw(
            &format!("/api/v1/admin/gifts/{gift_id}/images"),
            None,
            "image/png",
            PICTURE.to_vec(),
        )
        .await;
    assert_eq!(anonymous.status(), 401);

    // Two pictures, in order; the catalogue lists them.
    let first = upload(PICTURE.to_vec(), "application/octet-stream").await;
    assert_eq!(first.status(), 201);
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["content_type"], "image/png");
    assert_eq!(first["position"], 1);
    let second: serde_json::Value = upload(PICTURE.to_vec(), "image/png")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["position"], 2);
    let gift = app
        .get_json(&format!("/api/v1/gifts/{gift_id}"), None)
        .await;
    let urls: Vec<_> = gift["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["url"].clone())
        .collect();
    assert_eq!(urls, [first["url"].clone(), second["url"].clone()]);
    let list = app.get_json("/api/v1/gifts", None).await;
    assert_eq!(list["items"][0]["images"].as_array().unwrap().len(), 2);

    // Served by another instance too, as the same bytes, cached for a year.
    let other = app.another_instance().await;
    let url = format!("{other}{}", first["url"].as_str().unwrap());
    let served = reqwest::get(&url).await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(
        served.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(served.bytes().await.unwrap().as_ref(), PICTURE);

    // The gift's page shows them.
    if let Some(b) = Browser::for_test(&app, "gift-images", Options::default()).await {
        b.goto(&format!("/gifts/{gift_id}")).await;
        let loaded = b
            .run("const i = document.querySelector('.pictures img'); return i.complete && i.naturalWidth === 480;")
            .await;
        assert_eq!(loaded, true);
        b.assert_accessible("gift-with-pictures").await;
        b.close().await;
    }

    // Removed: gone from the gift and from /images.
    let id = first["id"].as_str().unwrap();
    let res = app
        .delete(
            &format!("/api/v1/admin/gifts/{gift_id}/images/{id}"),
            &admin,
        )
        .await;
    assert_eq!(res.status(), 204);
    let gone = app
        .client
        .get(app.url(first["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let gift = app
        .get_json(&format!("/api/v1/gifts/{gift_id}"), None)
        .await;
    assert_eq!(gift["images"].as_array().unwrap().len(), 1);
    let res = app
        .delete(
            &format!("/api/v1/admin/gifts/{gift_id}/images/{id}"),
            &admin,
        )
        .await;
    assert_problem(res, 404, "image_not_found").await;
}

both_engines!(staff_add_pictures_that_every_instance_serves);
