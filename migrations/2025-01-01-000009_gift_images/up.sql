-- Gift pictures, kept in the database so that every instance serves them. Served under their id,
-- which never changes, with a year's immutable cache.
CREATE TABLE gift_images (
    id TEXT PRIMARY KEY,
    gift_id TEXT NOT NULL REFERENCES gifts (id),
    -- Order on the gift's page: the first is the gift's main picture.
    position INTEGER NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    -- BYTEA on PostgreSQL; SQLite stores the blob as it is.
    bytes BYTEA NOT NULL,
    byte_size INTEGER NOT NULL CHECK (byte_size > 0),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX gift_images_gift ON gift_images (gift_id, position);
