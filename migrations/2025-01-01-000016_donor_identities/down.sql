DROP TABLE donor_identity_links;
DROP TABLE donor_identities;
