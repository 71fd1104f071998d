DROP TABLE settlements;
DROP TABLE redemptions;
DROP TABLE vouchers;
