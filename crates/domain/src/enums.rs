//! The one macro for enums stored and sent as fixed strings (statuses, roles, urgencies…).
//!
//! Each variant names its text once; `as_str`, `parse`, `Display`, serde and the `ALL`/`NAMES`
//! lists all follow from it, so a list of the texts never has to be written out by hand.

#[doc(hidden)]
pub use serde as __serde;

/// Declares `enum $name` whose variants are stored as the given texts.
#[doc(hidden)]
#[macro_export]
macro_rules! __string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $crate::enums::__serde::Serialize for $name {
            fn serialize<S: $crate::enums::__serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::enums::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::enums::__serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as $crate::enums::__serde::Deserialize<'de>>::deserialize(d)?;
                $name::parse(&text).ok_or_else(|| {
                    <D::Error as $crate::enums::__serde::de::Error>::custom(format!(
                        "unknown {} {:?}", stringify!($name), text
                    ))
                })
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stored texts, in the order of `ALL`.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub use crate::__string_enum as string_enum;

#[cfg(test)]
mod tests {
    use super::string_enum;

    string_enum! {
        /// A test enum.
        Colour {
            Red = "red",
            /// A variant with its own documentation.
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn texts_round_trip_through_every_form() {
        assert_eq!(Colour::NAMES, ["red", "dark_blue"]);
        for (c, name) in Colour::ALL.iter().zip(Colour::NAMES) {
            assert_eq!(c.as_str(), *name);
            assert_eq!(Colour::parse(name), Some(*c));
            assert_eq!(c.to_string(), *name);
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *c);
        }
        assert_eq!(Colour::parse("Red"), None);
        assert!(serde_json::from_str::<Colour>("\"blue\"").is_err());
        assert!(Colour::Red < Colour::DarkBlue);
    }
}
