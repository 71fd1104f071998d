//! Gift pictures: staff add and remove them (audited, one transaction each); anyone reads them at
//! `/images/{id}` with a year's immutable cache, since an image id always names the same bytes.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::gifts::gift_not_found;
use super::store::{self, bump_version};
use crate::db::schema::gift_images;
use crate::db::{now, DbConnection};
use crate::domain::image::{ImageError, ImageFormat};
use crate::error::{Error, ErrorCode, Result};

/// A gift's picture as clients see it (the bytes are at `url`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GiftImage {
    pub id: String,
    /// `/images/{id}`, served with a year's immutable cache.
    pub url: String,
    pub content_type: ImageFormat,
    pub byte_size: i32,
    /// 1 is the gift's main picture.
    pub position: i32,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = gift_images)]
struct ImageMeta {
    id: String,
    gift_id: String,
    position: i32,
    content_type: ImageFormat,
    byte_size: i32,
}

impl ImageMeta {
    fn view(self) -> GiftImage {
        GiftImage {
            url: url_of(&self.id),
            id: self.id,
            content_type: self.content_type,
            byte_size: self.byte_size,
            position: self.position,
        }
    }
}

pub fn url_of(id: &str) -> String {
    format!("/images/{id}")
}

fn image_not_found() -> Error {
    Error::rejected(ErrorCode::ImageNotFound, "No such image.")
}

/// What an upload that is not a picture is told.
pub fn image_error(e: ImageError) -> Error {
    match e {
        ImageError::Empty => Error::field("body", "is empty: send the image file as the body"),
        ImageError::TooLarge { max_bytes } => Error::rejected(
            ErrorCode::PayloadTooLarge,
            format!("An image may be at most {max_bytes} bytes."),
        ),
        ImageError::NotAnImage => Error::rejected(
            ErrorCode::UnsupportedMediaType,
            "Only PNG, JPEG and WebP images are accepted (judged by the file's content).",
        ),
    }
}

/// Adds a checked picture as the gift's last one.
pub fn add(
    conn: &mut DbConnection,
    actor_id: &str,
    gift_id: &str,
    format: ImageFormat,
    bytes: &[u8],
) -> Result<GiftImage> {
    store::find_gift(conn, gift_id)?.ok_or_else(gift_not_found)?;
    let image = insert(conn, gift_id, format, bytes)?;
    crate::audit::record(
        conn,
        Some(actor_id),
        "add_image",
        "gift",
        gift_id,
        None::<&()>,
        Some(&image),
    )?;
    bump_version(conn)?;
    Ok(image)
}

/// Stores a picture as the gift's last one (the caller has checked the gift and the file).
pub fn insert(
    conn: &mut DbConnection,
    gift_id: &str,
    format: ImageFormat,
    bytes: &[u8],
) -> Result<GiftImage> {
    let last: Option<i32> = gift_images::table
        .filter(gift_images::gift_id.eq(gift_id))
        .select(diesel::dsl::max(gift_images::position))
        .first(conn)?;
    let id = Uuid::new_v4().to_string();
    let size = i32::try_from(bytes.len()).map_err(|e| Error::Internal(e.into()))?;
    diesel::insert_into(gift_images::table)
        .values((
            gift_images::id.eq(&id),
            gift_images::gift_id.eq(gift_id),
            gift_images::position.eq(last.unwrap_or(0) + 1),
            gift_images::content_type.eq(format),
            gift_images::bytes.eq(bytes),
            gift_images::byte_size.eq(size),
            gift_images::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(meta(conn, &id)?.ok_or_else(image_not_found)?.view())
}

/// Removes a picture of a gift.
pub fn remove(
    conn: &mut DbConnection,
    actor_id: &str,
    gift_id: &str,
    image_id: &str,
) -> Result<()> {
    let image = meta(conn, image_id)?
        .filter(|m| m.gift_id == gift_id)
        .ok_or_else(image_not_found)?
        .view();
    diesel::delete(gift_images::table.filter(gift_images::id.eq(image_id))).execute(conn)?;
    crate::audit::record(
        conn,
        Some(actor_id),
        "remove_image",
        "gift",
        gift_id,
        Some(&image),
        None::<&()>,
    )?;
    bump_version(conn)
}

fn meta(conn: &mut DbConnection, id: &str) -> Result<Option<ImageMeta>> {
    Ok(gift_images::table
        .filter(gift_images::id.eq(id))
        .select(ImageMeta::as_select())
        .first(conn)
        .optional()?)
}

/// The pictures of each of `gift_ids`, in order.
pub fn of_gifts(
    conn: &mut DbConnection,
    gift_ids: &[&str],
) -> Result<HashMap<String, Vec<GiftImage>>> {
    let rows: Vec<ImageMeta> = gift_images::table
        .filter(gift_images::gift_id.eq_any(gift_ids))
        .order((gift_images::gift_id, gift_images::position))
        .select(ImageMeta::as_select())
        .load(conn)?;
    let mut by_gift: HashMap<String, Vec<GiftImage>> = HashMap::new();
    for row in rows {
        by_gift
            .entry(row.gift_id.clone())
            .or_default()
            .push(row.view());
    }
    Ok(by_gift)
}

/// An image's format and bytes, for serving.
pub fn bytes_of(conn: &mut DbConnection, id: &str) -> Result<(ImageFormat, Vec<u8>)> {
    gift_images::table
        .filter(gift_images::id.eq(id))
        .select((gift_images::content_type, gift_images::bytes))
        .first(conn)
        .optional()?
        .ok_or_else(image_not_found)
}
