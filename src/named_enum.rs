//! `named_enum!`: an enum whose variants have stable snake_case names, written once. From the one
//! list it generates the enum, `ALL`, `as_str` and `parse`; the `stored` form also makes the same
//! names the JSON form (serde, OpenAPI) and the TEXT column form (see `db/text_enum.rs`). A
//! variant may carry the Japanese word people read beside its name, which gives `label`.

/// Declares `enum Name { Variant = "name", ... }` with `ALL`, `as_str` and `parse`.
///
/// `stored enum` adds serde, `utoipa::ToSchema` and diesel's `AsExpression`/`FromSqlRow` (as
/// TEXT), each variant renamed to its name, so JSON, database and code cannot disagree.
///
/// `Variant = "name" / "表示名"` gives every variant its label and the enum `label()`; the labels
/// are all or none, so a new variant cannot be added without one.
#[macro_export]
macro_rules! named_enum {
    (@count) => { 0usize };
    (@count $head:ident $($tail:ident)*) => { 1usize + $crate::named_enum!(@count $($tail)*) };
    (@label $name:ident { $($variant:ident = $label:tt),+ }) => {
        impl $name {
            /// The Japanese name staff, donors and vendors read (pages, emails, exports).
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }
    };
    (@label $name:ident { $($variant:ident),+ }) => {};
    (@impl $name:ident { $($variant:ident = $text:tt),+ }) => {
        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; $crate::named_enum!(@count $($variant)+)] =
                [$($name::$variant),+];

            /// The stable name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The variant with this stable name.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis stored enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:tt $(/ $label:literal)?),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }
        $crate::named_enum!(@impl $name { $($variant = $text),+ });
        $crate::named_enum!(@label $name { $($variant $(= $label)?),+ });
        $crate::text_column!($name);
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:tt $(/ $label:literal)?),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }
        $crate::named_enum!(@impl $name { $($variant = $text),+ });
        $crate::named_enum!(@label $name { $($variant $(= $label)?),+ });
    };
}

#[cfg(test)]
mod tests {
    crate::named_enum! {
        enum Colour { Red = "red", DeepBlue = "deep_blue" }
    }

    crate::named_enum! {
        stored enum Shade { Light = "light", VeryDark = "very_dark" }
    }

    crate::named_enum! {
        enum Season { Spring = "spring" / "春", Autumn = "autumn" / "秋" }
    }

    #[test]
    fn labels_go_with_their_variants() {
        let labels = Season::ALL.map(|s| (s.as_str(), s.label()));
        assert_eq!(labels, [("spring", "春"), ("autumn", "秋")]);
        assert_eq!(Season::parse("autumn").map(Season::label), Some("秋"));
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(Colour::ALL.len(), 2);
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(c));
        }
        assert_eq!(Colour::parse("blue"), None);
    }

    #[test]
    fn the_stored_form_uses_the_same_names_in_json() {
        for s in Shade::ALL {
            let json = serde_json::to_string(&s).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        let parsed: Option<Shade> = serde_json::from_str("\"very_dark\"").ok();
        assert_eq!(parsed, Some(Shade::VeryDark));
        assert_eq!(Shade::parse("light"), Some(Shade::Light));
    }
}
