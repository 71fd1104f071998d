//! The one mapping of the domain's state enums to TEXT columns, the same on both engines.
//!
//! Each enum keeps its stable snake_case names in `as_str`/`parse` (also its JSON form) and carries
//! `#[derive(diesel::AsExpression, diesel::FromSqlRow)] #[diesel(sql_type = Text)]`; `text_enum!`
//! below gives it `ToSql`/`FromSql` for PostgreSQL, SQLite and the two-engine connection. A value
//! in the database that no variant names is a deserialisation error, never a silent default.

/// Implements `ToSql`/`FromSql` over `Text` for enums with `as_str(self)` and `parse(&str)`.
macro_rules! text_enum {
    ($($ty:ty),* $(,)?) => {$(
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
            ) -> diesel::serialize::Result {
                out.set_value(self.as_str());
                Ok(diesel::serialize::IsNull::No)
            }
        }
        impl diesel::serialize::ToSql<diesel::sql_types::Text, $crate::db::MultiBackend> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, $crate::db::MultiBackend>,
            ) -> diesel::serialize::Result {
                out.set_value((diesel::sql_types::Text, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(bytes)?;
                $crate::db::text_enum::parse_text(&text, <$ty>::parse)
            }
        }
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $ty {
            fn from_sql(
                bytes: diesel::sqlite::SqliteValue<'_, '_, '_>,
            ) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::sqlite::Sqlite,
                >>::from_sql(bytes)?;
                $crate::db::text_enum::parse_text(&text, <$ty>::parse)
            }
        }
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, $crate::db::MultiBackend> for $ty {
            fn from_sql(
                bytes: <$crate::db::MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                bytes.from_sql::<Self, diesel::sql_types::Text>()
            }
        }
    )*};
}

/// Parses a stored name, or says which value was not understood.
pub fn parse_text<T>(text: &str, parse: fn(&str) -> Option<T>) -> diesel::deserialize::Result<T> {
    parse(text).ok_or_else(|| format!("unknown stored value {text:?}").into())
}

text_enum!(
    crate::domain::donation::DonationKind,
    crate::domain::donation::DonationStatus,
    crate::domain::donation::PaymentMethod,
    crate::domain::voucher::VoucherState,
    crate::email::EmailStatus,
    crate::auth::Role,
);
