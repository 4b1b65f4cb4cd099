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

/// Parse `text` as a URL that is https, or http to a loopback host; the reason on failure.
pub fn check_url_scheme(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("'{text}' is not a valid URL: {e}"))?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback_url(&url) => Ok(url),
        "http" => Err(format!(
            "'{text}' uses plain http to a non-loopback host; use https (http is accepted only for localhost, 127.0.0.0/8 and ::1)"
        )),
        other => Err(format!("'{text}' has scheme '{other}'; expected https")),
    }
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
                format!("base_url: '{text}' must not have a query or fragment"),
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
