//! Permissions: what a runtime's code may reach outside its isolate (files to read and
//! write, modules to import, environment variables, hosts to fetch from). Deny by default: [`Permissions::default`] grants nothing,
//! and every grant is an explicit call. Paths are checked after symlinks are resolved, so a
//! link inside a granted directory that points outside it is denied.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// One kind of file access granted: nothing, everything below some paths, or everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Grant {
    /// Nothing may be accessed (the default).
    #[default]
    Nothing,
    /// The listed paths and everything below them, as resolved (symlinks followed) when
    /// the grant was made.
    Paths(Vec<PathBuf>),
    /// Every path.
    All,
}

impl Grant {
    /// A grant of `paths` (and everything below them). Each path is resolved now, symlinks
    /// included; a path that does not exist yet is resolved as far as it exists.
    pub fn paths(paths: impl IntoIterator<Item = impl AsRef<Path>>) -> Grant {
        Grant::Paths(paths.into_iter().map(|p| resolve(p.as_ref())).collect())
    }

    /// Whether the resolved path `resolved` is covered.
    fn covers(&self, resolved: &Path) -> bool {
        match self {
            Grant::Nothing => false,
            Grant::All => true,
            Grant::Paths(roots) => roots.iter().any(|root| resolved.starts_with(root)),
        }
    }

    /// Adds `paths` to the grant (`All` stays `All`).
    fn extend(&mut self, paths: impl IntoIterator<Item = impl AsRef<Path>>) {
        let more = paths.into_iter().map(|p| resolve(p.as_ref()));
        match self {
            Grant::All => {}
            Grant::Paths(roots) => roots.extend(more),
            Grant::Nothing => *self = Grant::Paths(more.collect()),
        }
    }
}

/// What code in a runtime may reach: files to read, files to write, the environment.
///
/// The default grants nothing. Build grants explicitly:
///
/// ```
/// use warren::Permissions;
/// let p = Permissions::default().allow_read(["/srv/data"]).allow_env();
/// assert!(p.check_read(std::path::Path::new("/etc/passwd")).is_err());
/// assert!(Permissions::default().check_env("HOME").is_err());
/// let net = Permissions::default().allow_net(["api.example.com", "127.0.0.1:8080"]);
/// let url = |u: &str| url::Url::parse(u).unwrap();
/// assert!(net.check_net(&url("https://api.example.com/v1")).is_ok());
/// assert!(net.check_net(&url("http://127.0.0.1:8081/")).is_err());
/// assert!(Permissions::default().check_net(&url("https://example.com/")).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    read: Grant,
    write: Grant,
    /// Files the module graph may load without being readable through `node:fs` or
    /// `fetch` (a plugin's own directory). Everything `read` grants may be imported too.
    import: Grant,
    env: bool,
    /// The hosts `fetch` may reach.
    net: NetGrant,
    /// How a refusal says to grant what was refused.
    hint: GrantHint,
}

/// The hosts granted to `fetch`: none (the default), some, or every one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NetGrant {
    #[default]
    Nothing,
    /// Patterns, Deno's `--allow-net` form: `example.com` (any port), `example.com:8080`
    /// (that port only), `127.0.0.1`, `[::1]:3000`; a name may be a glob, as Extism's
    /// `allowed_hosts` are (`*.example.com` its subdomains, `*` every host).
    Hosts(Vec<String>),
    All,
}

impl NetGrant {
    /// Whether `host` (as a URL writes it: lowercase, IPv6 in brackets) at `port` is
    /// granted.
    fn covers(&self, host: &str, port: u16) -> bool {
        match self {
            NetGrant::Nothing => false,
            NetGrant::All => true,
            NetGrant::Hosts(patterns) => patterns.iter().any(|p| host_matches(p, host, port)),
        }
    }
}

/// Whether the pattern `pattern` (see [`NetGrant::Hosts`]) covers `host` at `port`.
fn host_matches(pattern: &str, host: &str, port: u16) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    // A port follows the last colon, unless that colon is inside an IPv6 address's brackets.
    let (name, want_port) = match pattern.rsplit_once(':') {
        Some((name, p)) if !p.contains(']') && (!name.contains(':') || name.ends_with(']')) => {
            match p.parse::<u16>() {
                Ok(p) => (name.to_string(), Some(p)),
                Err(_) => return false,
            }
        }
        _ => (pattern.clone(), None),
    };
    if want_port.is_some_and(|p| p != port) {
        return false;
    }
    // An IPv6 address may be written without its brackets when no port follows.
    let name = if name.contains(':') && !name.starts_with('[') {
        format!("[{name}]")
    } else {
        name
    };
    if name.starts_with('[') {
        return name == host;
    }
    // As Extism's allowed_hosts: a glob (`*.example.com` its subdomains, `*` any host).
    match glob::Pattern::new(&name) {
        Ok(p) => p.matches(host),
        Err(_) => name == host,
    }
}

/// How a [`PermissionError`] tells the user to grant access: by command-line flag (the
/// CLI's `--allow-read`), or by a plugin's manifest entry (`allow_read`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GrantHint {
    #[default]
    Flags,
    Manifest,
}

/// Which access a [`PermissionError`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Env,
    Net,
}

/// A refused access: what was asked for, and the flag that would grant it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PermissionError {
    pub access: Access,
    /// The path (as the program named it) or the variable name.
    pub target: String,
    /// Where the path leads once symlinks are followed, when that is elsewhere: what a
    /// grant must cover, and what the message names for one (granting the path as named
    /// would grant wherever its link points).
    pub resolved: Option<String>,
    /// How to grant it.
    pub hint: GrantHint,
}

impl fmt::Display for PermissionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A path that leads elsewhere through a symlink is named with where it leads, and
        // the grant suggested is for that: granting the path as named grants its target.
        let (t, g) = match &self.resolved {
            Some(r) => (
                format!("\"{}\" (which resolves to \"{r}\")", self.target),
                r.as_str(),
            ),
            None => (format!("\"{}\"", self.target), self.target.as_str()),
        };
        if self.hint == GrantHint::Manifest {
            return match self.access {
                Access::Read => write!(
                    f,
                    "read access to {t} is not allowed; grant it with allow_read in the plugin's manifest entry"
                ),
                Access::Write => write!(
                    f,
                    "write access to {t} is not allowed; grant it with allow_write in the plugin's manifest entry"
                ),
                Access::Env => write!(
                    f,
                    "access to the environment variable {t} is not allowed; grant it with allow_env = true in the plugin's manifest entry"
                ),
                Access::Net => write!(
                    f,
                    "network access to {t} is not allowed; grant it with allowed_hosts in the plugin's manifest entry"
                ),
            };
        }
        match self.access {
            Access::Read => write!(
                f,
                "read access to {t} is not allowed; run again with --allow-read={g} (or -A)"
            ),
            Access::Write => write!(
                f,
                "write access to {t} is not allowed; run again with --allow-write={g} (or -A)"
            ),
            Access::Env => write!(
                f,
                "access to the environment variable {t} is not allowed; run again with --allow-env (or -A)"
            ),
            Access::Net => write!(
                f,
                "network access to {t} is not allowed; run again with --allow-net={g} (or -A)"
            ),
        }
    }
}

impl Permissions {
    /// Nothing allowed (the same as `Default`).
    pub fn none() -> Self {
        Self::default()
    }

    /// Everything allowed (`-A`).
    pub fn allow_all() -> Self {
        Permissions {
            read: Grant::All,
            write: Grant::All,
            import: Grant::All,
            env: true,
            net: NetGrant::All,
            hint: GrantHint::Flags,
        }
    }

    /// Also allows `fetch` to reach the hosts `patterns` name (see [`NetGrant::Hosts`]).
    pub fn allow_net(mut self, patterns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let more = patterns.into_iter().map(Into::into);
        match &mut self.net {
            NetGrant::All => {}
            NetGrant::Hosts(hosts) => hosts.extend(more),
            NetGrant::Nothing => self.net = NetGrant::Hosts(more.collect()),
        }
        self
    }

    /// Allows `fetch` to reach every host.
    pub fn allow_net_all(mut self) -> Self {
        self.net = NetGrant::All;
        self
    }

    /// The hosts `fetch` may reach.
    pub fn net(&self) -> &NetGrant {
        &self.net
    }

    /// Checks a request to `url` (each hop of a redirect is checked again).
    ///
    /// # Errors
    /// A [`PermissionError`] naming `host:port` and how to grant it.
    pub fn check_net(&self, url: &url::Url) -> Result<(), PermissionError> {
        let host = url.host_str().unwrap_or_default();
        let port = url.port_or_known_default().unwrap_or(0);
        if self.net.covers(host, port) {
            return Ok(());
        }
        Err(PermissionError {
            access: Access::Net,
            target: format!("{host}:{port}"),
            resolved: None,
            hint: self.hint,
        })
    }

    /// Also allows reading `paths` and everything below them.
    pub fn allow_read(mut self, paths: impl IntoIterator<Item = impl AsRef<Path>>) -> Self {
        self.read.extend(paths);
        self
    }

    /// Allows reading every file.
    pub fn allow_read_all(mut self) -> Self {
        self.read = Grant::All;
        self
    }

    /// Also allows writing `paths` and everything below them.
    pub fn allow_write(mut self, paths: impl IntoIterator<Item = impl AsRef<Path>>) -> Self {
        self.write.extend(paths);
        self
    }

    /// Allows writing every file.
    pub fn allow_write_all(mut self) -> Self {
        self.write = Grant::All;
        self
    }

    /// Also allows importing modules from `paths` and everything below them, without
    /// allowing code to read those files any other way (`node:fs`, `fetch`, `require`).
    /// What `allow_read` grants may be imported as well.
    pub fn allow_import(mut self, paths: impl IntoIterator<Item = impl AsRef<Path>>) -> Self {
        self.import.extend(paths);
        self
    }

    /// Makes refusals say how to grant access in a plugin's manifest entry rather than by
    /// command-line flag.
    pub fn with_hint(mut self, hint: GrantHint) -> Self {
        self.hint = hint;
        self
    }

    /// Allows reading environment variables.
    pub fn allow_env(mut self) -> Self {
        self.env = true;
        self
    }

    /// What may be read.
    pub fn read(&self) -> &Grant {
        &self.read
    }

    /// What may be written.
    pub fn write(&self) -> &Grant {
        &self.write
    }

    /// Whether environment variables may be read.
    pub fn env(&self) -> bool {
        self.env
    }

    /// Checks a read of `path`; returns the path with symlinks resolved, which is what the
    /// caller should open.
    ///
    /// # Errors
    /// A [`PermissionError`] naming the path as given and the flag that grants it.
    pub fn check_read(&self, path: &Path) -> Result<PathBuf, PermissionError> {
        check(&self.read, path, Access::Read, self.hint)
    }

    /// Checks that the module graph may load `path`: an import grant or a read grant
    /// covers it. Returns the path with symlinks resolved.
    ///
    /// # Errors
    /// As [`Permissions::check_read`] (the message names the read flag, which also grants
    /// imports).
    pub fn check_import(&self, path: &Path) -> Result<PathBuf, PermissionError> {
        if self.import == Grant::All {
            return Ok(path.to_path_buf());
        }
        let resolved = resolve(path);
        if self.import.covers(&resolved) {
            return Ok(resolved);
        }
        check(&self.read, path, Access::Read, self.hint)
    }

    /// Checks a write of `path` (which need not exist yet); returns it resolved.
    ///
    /// # Errors
    /// As [`Permissions::check_read`].
    pub fn check_write(&self, path: &Path) -> Result<PathBuf, PermissionError> {
        check(&self.write, path, Access::Write, self.hint)
    }

    /// Checks reading the environment variable `name` (`*` for listing them all).
    ///
    /// # Errors
    /// A [`PermissionError`] naming the variable.
    pub fn check_env(&self, name: &str) -> Result<(), PermissionError> {
        if self.env {
            Ok(())
        } else {
            Err(PermissionError {
                access: Access::Env,
                target: name.to_string(),
                resolved: None,
                hint: self.hint,
            })
        }
    }
}

fn check(
    grant: &Grant,
    path: &Path,
    access: Access,
    hint: GrantHint,
) -> Result<PathBuf, PermissionError> {
    if *grant == Grant::All {
        return Ok(path.to_path_buf());
    }
    let resolved = resolve(path);
    if grant.covers(&resolved) {
        Ok(resolved)
    } else {
        let named = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        Err(PermissionError {
            access,
            target: path.display().to_string(),
            resolved: (resolved != named).then(|| resolved.display().to_string()),
            hint,
        })
    }
}

/// How many symlinks one resolution follows before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// `path` made absolute with every symlink resolved, as far as the path exists; the part
/// that does not exist yet is appended with `.` and `..` resolved by name. Unlike
/// `fs::canonicalize`, a dangling symlink resolves to where it points (so writing through
/// it cannot create a file outside a grant), and a missing file resolves too.
pub(crate) fn resolve(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut links = 0;
    resolve_from(PathBuf::from("/"), &abs, &mut links)
}

fn resolve_from(mut cur: PathBuf, rest: &Path, links: &mut usize) -> PathBuf {
    let mut exists = true;
    for c in rest.components() {
        match c {
            Component::RootDir | Component::Prefix(_) => cur = PathBuf::from("/"),
            Component::CurDir => {}
            Component::ParentDir => {
                cur.pop();
            }
            Component::Normal(name) => {
                let next = cur.join(name);
                let link = exists
                    .then(|| std::fs::symlink_metadata(&next))
                    .and_then(Result::ok)
                    .filter(|md| md.file_type().is_symlink())
                    .and_then(|_| std::fs::read_link(&next).ok());
                match link {
                    Some(target) if *links < MAX_LINKS => {
                        *links += 1;
                        // A relative target is relative to the link's directory.
                        cur = resolve_from(cur, &target, links);
                    }
                    // Too many links: leave the rest by name; the OS will refuse it too.
                    _ => {
                        if exists && std::fs::symlink_metadata(&next).is_err() {
                            exists = false;
                        }
                        cur = next;
                    }
                }
            }
        }
    }
    cur
}
