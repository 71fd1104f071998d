//! ワンストップ特例 (#14): the applications donors send (`applications`, one open one per donor
//! identity per tax year, rules in `domain::one_stop`), the My Number an application may carry,
//! sealed at rest and read only through an audited, permissioned route (`my_number`), and the
//! notices to each home municipality (`notices`).

pub mod applications;
pub mod my_number;
pub mod notice_routes;
pub mod notices;
pub mod routes;
pub mod store;
pub mod types;
