//! Permissions: what a runtime's code may reach outside its isolate (files to read and
//! write, modules to import, environment variables). Deny by default: [`Permissions::default`] grants nothing,
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
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    read: Grant,
    write: Grant,
    /// Files the module graph may load without being readable through `node:fs` or
    /// `fetch` (a plugin's own directory). Everything `read` grants may be imported too.
    import: Grant,
    env: bool,
}

/// Which access a [`PermissionError`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Env,
}

/// A refused access: what was asked for, and the flag that would grant it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PermissionError {
    pub access: Access,
    /// The path (as the program named it) or the variable name.
    pub target: String,
}

impl fmt::Display for PermissionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.target;
        match self.access {
            Access::Read => write!(
                f,
                "read access to \"{t}\" is not allowed; run again with --allow-read={t} (or -A)"
            ),
            Access::Write => write!(
                f,
                "write access to \"{t}\" is not allowed; run again with --allow-write={t} (or -A)"
            ),
            Access::Env => write!(
                f,
                "access to the environment variable \"{t}\" is not allowed; run again with --allow-env (or -A)"
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
        }
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
        check(&self.read, path, Access::Read)
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
        check(&self.read, path, Access::Read)
    }

    /// Checks a write of `path` (which need not exist yet); returns it resolved.
    ///
    /// # Errors
    /// As [`Permissions::check_read`].
    pub fn check_write(&self, path: &Path) -> Result<PathBuf, PermissionError> {
        check(&self.write, path, Access::Write)
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
            })
        }
    }
}

fn check(grant: &Grant, path: &Path, access: Access) -> Result<PathBuf, PermissionError> {
    if *grant == Grant::All {
        return Ok(path.to_path_buf());
    }
    let resolved = resolve(path);
    if grant.covers(&resolved) {
        Ok(resolved)
    } else {
        Err(PermissionError {
            access,
            target: path.display().to_string(),
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
