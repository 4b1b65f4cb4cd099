//! The `Authorization: ApplePass <authenticationToken>` header of the PassKit web service
//! (apple-wallet.md §3 "Base rules"): parsed here, compared in constant time by
//! [`Apple::authenticate`](crate::Apple::authenticate).

use http::HeaderMap;

/// The token of an `Authorization: ApplePass <token>` header; `None` when the header is
/// missing, not `ApplePass`, or empty (all answered 401: a missing header is never a pass).
pub fn apple_pass_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme == "ApplePass" && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a panic is the failure report
    use super::*;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::AUTHORIZATION, v.parse().unwrap());
        h
    }

    #[test]
    fn only_the_apple_pass_scheme_with_a_token_counts() {
        assert_eq!(apple_pass_token(&headers("ApplePass abc")), Some("abc"));
        assert_eq!(apple_pass_token(&headers("Bearer abc")), None);
        assert_eq!(apple_pass_token(&headers("ApplePass ")), None);
        assert_eq!(apple_pass_token(&headers("ApplePass")), None);
        assert_eq!(apple_pass_token(&HeaderMap::new()), None);
    }
}
