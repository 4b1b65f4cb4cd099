//! A real color type: parses `#rrggbb`, `#rgb` and `rgb(r, g, b)`, serializes as `#rrggbb`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An RGB color.
///
/// ```
/// use walletpass_core::Color;
/// let c: Color = "rgb(31, 41, 55)".parse().unwrap();
/// assert_eq!(c, Color::rgb(31, 41, 55));
/// assert_eq!(c.to_string(), "#1f2937");
/// assert_eq!("#fff".parse::<Color>().unwrap().to_string(), "#ffffff");
/// assert_eq!(c.to_css_rgb(), "rgb(31, 41, 55)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Color {
    /// Red, 0-255.
    pub r: u8,
    /// Green, 0-255.
    pub g: u8,
    /// Blue, 0-255.
    pub b: u8,
}

/// Text that is not a color in one of the accepted forms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid color '{0}': expected #rrggbb, #rgb or rgb(r,g,b)")]
pub struct ColorParseError(pub String);

impl Color {
    /// A color from its components.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    /// The `rgb(r, g, b)` form Apple's pass.json uses.
    pub fn to_css_rgb(&self) -> String {
        format!("rgb({}, {}, {})", self.r, self.g, self.b)
    }

    fn parse_hex(hex: &str) -> Option<Self> {
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let pair = |s: &str| u8::from_str_radix(s, 16).ok();
        match hex.len() {
            6 => Some(Self::rgb(
                pair(&hex[0..2])?,
                pair(&hex[2..4])?,
                pair(&hex[4..6])?,
            )),
            3 => {
                let digit = |i: usize| pair(&hex[i..=i]).map(|v| v * 17);
                Some(Self::rgb(digit(0)?, digit(1)?, digit(2)?))
            }
            _ => None,
        }
    }

    fn parse_rgb(inner: &str) -> Option<Self> {
        let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
        if parts.len() != 3 {
            return None;
        }
        let component = |s: &str| s.parse::<u8>().ok();
        Some(Self::rgb(
            component(parts[0])?,
            component(parts[1])?,
            component(parts[2])?,
        ))
    }
}

impl FromStr for Color {
    type Err = ColorParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        let parsed = if let Some(hex) = text.strip_prefix('#') {
            Self::parse_hex(hex)
        } else {
            text.strip_prefix("rgb(")
                .and_then(|rest| rest.strip_suffix(')'))
                .and_then(Self::parse_rgb)
        };
        parsed.ok_or_else(|| ColorParseError(input.to_owned()))
    }
}

impl TryFrom<String> for Color {
    type Error = ColorParseError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Color> for String {
    fn from(c: Color) -> String {
        c.to_string()
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl fmt::Debug for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Color({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_three_forms() {
        assert_eq!("#1F2937".parse::<Color>().unwrap(), Color::rgb(31, 41, 55));
        assert_eq!("#abc".parse::<Color>().unwrap(), Color::rgb(170, 187, 204));
        assert_eq!(
            "rgb(255,0, 10)".parse::<Color>().unwrap(),
            Color::rgb(255, 0, 10)
        );
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "#",
            "#12",
            "#12345",
            "#1234567",
            "#ggg",
            "red",
            "rgb(1,2)",
            "rgb(1,2,3,4)",
            "rgb(256,0,0)",
            "rgb(-1,0,0)",
            "rgb(1,2,3",
            "1f2937",
        ] {
            assert!(bad.parse::<Color>().is_err(), "{bad:?} parsed");
        }
    }

    proptest! {
        #[test]
        fn display_round_trips(r: u8, g: u8, b: u8) {
            let c = Color::rgb(r, g, b);
            prop_assert_eq!(c.to_string().parse::<Color>().unwrap(), c);
            prop_assert_eq!(c.to_css_rgb().parse::<Color>().unwrap(), c);
        }
    }
}
