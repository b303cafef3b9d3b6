//! Routes: which handler answers a request, by its `Host` header and path. A route is
//! `HOST/PATH`: `HOST` is a name (`example.com`), `*.example.com` (its subdomains), or
//! `*` or nothing (any host); `PATH` is exact, or a prefix when it ends in `*`
//! (`/api/*` matches `/api`, `/api/` and everything below). The most specific route wins:
//! a named host over a subdomain pattern over any host, then an exact path over a prefix,
//! then the longer prefix; between equals, the first in the manifest.

use std::fmt;

/// Which hosts a route matches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    /// `*.example.com`: kept as `.example.com`.
    Subdomains(String),
    Exact(String),
}

/// One route of a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    host: HostPattern,
    /// The path, without the trailing `*` of a prefix.
    path: String,
    prefix: bool,
}

impl Route {
    /// Every host and every path: the route of `warren serve FILE`.
    pub fn any() -> Route {
        Route {
            host: HostPattern::Any,
            path: "/".into(),
            prefix: true,
        }
    }

    /// Parses `HOST/PATH`.
    ///
    /// # Errors
    /// Why the text is not a route.
    pub fn parse(text: &str) -> Result<Route, String> {
        let Some(slash) = text.find('/') else {
            return Err("a route is HOST/PATH, like \"example.com/api/*\" or \"*/hello\"".into());
        };
        let (host, path) = text.split_at(slash);
        let host = host.to_ascii_lowercase();
        let host = match host.as_str() {
            "" | "*" => HostPattern::Any,
            h if h.starts_with("*.") && h.len() > 2 => HostPattern::Subdomains(h[1..].to_string()),
            h if h.contains('*') => {
                return Err("a host may be a name, *.NAME or *".into());
            }
            h if h.contains(':') => {
                return Err("a host is matched without its port: leave the port out".into());
            }
            h => HostPattern::Exact(h.to_string()),
        };
        let (path, prefix) = match path.strip_suffix('*') {
            Some(p) => (p, true),
            None => (path, false),
        };
        if path.contains('*') {
            return Err("a path may end in *, and hold no other *".into());
        }
        Ok(Route {
            host,
            path: path.to_string(),
            prefix,
        })
    }

    /// How specifically it matches `host` and `path`, when it does: higher is better.
    fn score(&self, host: &str, path: &str) -> Option<(u8, bool, usize)> {
        let h = match &self.host {
            HostPattern::Any => 0,
            HostPattern::Subdomains(s) if host.ends_with(s.as_str()) => 1,
            HostPattern::Exact(e) if e == host => 2,
            _ => return None,
        };
        let matched = if self.prefix {
            path.starts_with(&self.path)
                || (self.path.ends_with('/') && path == &self.path[..self.path.len() - 1])
        } else {
            path == self.path
        };
        matched.then_some((h, !self.prefix, self.path.len()))
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            HostPattern::Any => write!(f, "*")?,
            HostPattern::Subdomains(s) => write!(f, "*{s}")?,
            HostPattern::Exact(e) => write!(f, "{e}")?,
        }
        write!(f, "{}{}", self.path, if self.prefix { "*" } else { "" })
    }
}

/// Every handler's routes: finds the handler (by its index) for a request.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    table: Vec<(Route, usize)>,
}

impl Routes {
    /// Adds the routes of handler `index`.
    pub fn add(&mut self, routes: &[Route], index: usize) {
        self.table.extend(routes.iter().map(|r| (r.clone(), index)));
    }

    /// The handler for a request to `host` (its `Host` header; any port is ignored) and
    /// `path`.
    pub fn find(&self, host: &str, path: &str) -> Option<usize> {
        // `warren serve FILE`: one handler for every host and path, with nothing to look at
        // but that the path is one.
        if let [(route, index)] = self.table.as_slice()
            && route.host == HostPattern::Any
            && route.prefix
            && route.path == "/"
        {
            return (path.is_empty() || path.starts_with('/')).then_some(*index);
        }
        let host = strip_port(host);
        // Lowercased only when it has to be: most Host headers already are.
        let lower;
        let host = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = host.to_ascii_lowercase();
            lower.as_str()
        } else {
            host
        };
        let mut best: Option<((u8, bool, usize), usize)> = None;
        for (route, index) in &self.table {
            if let Some(score) = route.score(host, path)
                && best.is_none_or(|(b, _)| score > b)
            {
                best = Some((score, *index));
            }
        }
        best.map(|(_, i)| i)
    }
}

/// `host` without a `:port` (an IPv6 literal keeps its brackets).
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}
