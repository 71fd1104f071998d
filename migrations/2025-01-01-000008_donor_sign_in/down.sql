DROP INDEX donations_donor_email;
DROP TABLE donor_sessions;
DROP TABLE donor_sign_in_links;
