-- Portal import profiles (#14): how each portal's CSV export names its columns and writes its
-- values, and which catalogue gift each of its item codes is. One profile per channel; staff
-- keep them through the API. `definition` is the profile as JSON
-- (`domain::import_profile::ProfileDefinition`), checked by the service before it is written;
-- `name` repeats its name for listing.
CREATE TABLE import_profiles (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL UNIQUE,
    name TEXT,
    definition TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
