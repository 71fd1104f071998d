DROP INDEX donations_import;
DROP TABLE donation_imports;
DROP TABLE targets;
