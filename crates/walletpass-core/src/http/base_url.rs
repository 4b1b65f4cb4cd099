//! Base URLs: https required, plain http accepted only for loopback hosts (simulators, local
//! proxies), so credentials never cross a network in clear text.

use std::fmt;

use url::{Host, Url};

use crate::error::{Error, ErrorKind, Operation};

/// Whether `url`'s host is a loopback host (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback_url(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `url` as it may be shown in a message: scheme, host, port and path, never the user name,
/// password, query or fragment (any of which may hold a secret).
pub fn shown_url(url: &Url) -> String {
    let mut shown = format!("{}://", url.scheme());
    if let Some(host) = url.host_str() {
        shown.push_str(host);
    }
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(url.path());
    shown
}

/// Parse `text` as a URL that is https, or http to a loopback host; the reason on failure.
/// The reason never repeats a user name, password or query the text carried: a text that does
/// not parse is not repeated at all.
pub fn check_url_scheme(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim())
        .map_err(|e| format!("the text given is not a valid URL ({e}); it is not repeated here, since it may hold a secret"))?;
    let shown = shown_url(&url);
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback_url(&url) => Ok(url),
        "http" => Err(format!(
            "'{shown}' uses plain http to a non-loopback host; use https (http is accepted only for localhost, 127.0.0.0/8 and ::1)"
        )),
        other => Err(format!("'{shown}' has scheme '{other}'; expected https")),
    }
}

/// Refuse a vendor id (`what` names it) that would change the request's URL path once joined
/// (`.`, `..`, `/ \\ ? # %`), for ids the canonical newtypes do not carry (batch jobs,
/// bundles, ...). The newtypes ([`PassId`](crate::PassId), ...) refuse them on their own.
pub fn check_segment(what: &str, segment: &str) -> Result<(), Error> {
    if segment.is_empty() {
        return Err(Error::invalid_field(what, "must not be empty"));
    }
    match crate::model::path_problem(segment) {
        Some(expected) => Err(Error::invalid_field(
            what,
            format!("'{segment}' is malformed: expected {expected}"),
        )),
        None => Ok(()),
    }
}

/// A URL text as it may be shown (see [`shown_url`]); a text that does not parse is not shown.
pub fn shown_url_text(text: &str) -> String {
    Url::parse(text.trim())
        .map(|u| shown_url(&u))
        .unwrap_or_else(|_| "[not a URL]".to_owned())
}

/// A checked base URL, kept with a trailing slash so that paths join under it.
///
/// ```
/// use walletpass_core::http::BaseUrl;
/// assert!(BaseUrl::parse("https://api.passninja.com/v1").is_ok());
/// assert!(BaseUrl::parse("http://127.0.0.1:8080/v1").is_ok());
/// assert!(BaseUrl::parse("http://api.passninja.com/v1").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Check and keep a base URL. Credentials in it (`https://user:password@host`) are refused
    /// without repeating the text: they belong in the auth headers, where they stay secret.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if Url::parse(text).is_ok_and(|url| !url.username().is_empty() || url.password().is_some())
        {
            return Err(Error::new(
                ErrorKind::Config,
                "base_url: a base URL must not carry credentials (user:password@); configure them as the provider's credentials",
            )
            .with_operation(Operation::Configure));
        }
        let mut url = check_url_scheme(text).map_err(|reason| {
            Error::new(ErrorKind::Config, format!("base_url: {reason}"))
                .with_operation(Operation::Configure)
        })?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "base_url: '{}' must not have a query or fragment (not repeated here, since it may hold a secret); give the API root alone",
                    shown_url(&url)
                ),
            )
            .with_operation(Operation::Configure));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self(url))
    }

    /// The URL, with a trailing slash.
    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The URL of `segments` under the base, each segment percent-encoded.
    pub fn join(&self, segments: &[&str]) -> Url {
        let mut url = self.0.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_is_refused_except_to_loopback() {
        for ok in [
            "https://api.example.com/v1",
            "http://127.0.0.1:1/v1",
            "http://127.9.9.9/",
            "http://localhost:8080",
            "http://[::1]:8080/api/v1",
        ] {
            assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.example.com/v1",
            "http://10.0.0.1/v1",
            "http://192.168.1.1",
            "ftp://example.com",
            "not a url",
            "https://api.example.com/v1?x=1",
        ] {
            let err = BaseUrl::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{bad}");
            assert!(err.to_string().contains("base_url"), "{err}");
        }
    }

    #[test]
    fn a_refused_base_url_never_repeats_a_password_or_query() {
        for bad in [
            "https://user:PASSWORD@api.example.com:99999/v1",
            "https://user:PASSWORD@api.example.com/v1",
            "http://user:PASSWORD@example.com/v1",
            "https://api.example.com/v1?token=PASSWORD",
            "https://api.example.com/v1#PASSWORD",
            "http://example.com/v1?key=PASSWORD",
            "ht!tp://PASSWORD",
            "PASSWORD",
        ] {
            let err = BaseUrl::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{bad}");
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("PASSWORD"), "{bad}: {shown}");
            assert!(shown.contains("base_url"), "{shown}");
        }
    }

    #[test]
    fn segments_are_percent_encoded_under_the_base_path() {
        let base = BaseUrl::parse("https://api.example.com/v1").unwrap();
        let url = base.join(&["passes", "ptk_0x14", "a/b c"]);
        assert_eq!(
            url.as_str(),
            "https://api.example.com/v1/passes/ptk_0x14/a%2Fb%20c"
        );
        assert_eq!(base.to_string(), "https://api.example.com/v1");
    }
}
