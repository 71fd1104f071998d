DROP TABLE import_profiles;
