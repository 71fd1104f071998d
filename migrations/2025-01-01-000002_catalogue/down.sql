DROP TABLE catalogue_version;
DROP TABLE purposes;
DROP TABLE organizations;
DROP TABLE gifts;
