ALTER TABLE users DROP COLUMN my_number_access;
DROP TABLE one_stop_applications;
