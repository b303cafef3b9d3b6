//! The module loader of a plugin isolate: the file-system loader, except that a `host:`
//! module resolves only when the importing plugin is granted it. In a group, `host:config`
//! and `host:plugins` resolve to the importing member's own namespace, found by the
//! directory the importing module is in.

use std::path::PathBuf;

use url::Url;

use crate::modules::{FsModuleLoader, LoadFuture, ModuleError, ModuleLoader};
use crate::permissions::Permissions;

/// One plugin of the isolate: where its code lives and what it may import.
pub(crate) struct Member {
    pub name: String,
    /// Its directory, symlinks resolved.
    pub dir: PathBuf,
    /// The `host:` modules it may import.
    pub granted: Vec<String>,
}

pub(crate) struct PluginLoader {
    inner: FsModuleLoader,
    members: Vec<Member>,
}

/// The namespaces each member of a group has its own of.
pub(crate) const PER_MEMBER: &[&str] = &["host:config", "host:plugins"];

/// The Linker namespace of `module` for `member`: its own in a group, else the module.
pub(crate) fn namespace(module: &str, member: &str, grouped: bool) -> String {
    if grouped && PER_MEMBER.contains(&module) {
        format!("{module}/{member}")
    } else {
        module.to_string()
    }
}

impl PluginLoader {
    /// A loader for `members`, whose `node_modules` lookups probe only what `permissions`
    /// (the isolate's) let it import.
    pub fn new(members: Vec<Member>, permissions: Permissions) -> Self {
        PluginLoader {
            inner: FsModuleLoader::default().with_permissions(permissions),
            members,
        }
    }

    /// The member whose directory holds `referrer` (the innermost, when they nest).
    fn member_of(&self, referrer: &Url) -> Option<&Member> {
        if let [only] = self.members.as_slice() {
            return Some(only);
        }
        let path = crate::permissions::resolve(&referrer.to_file_path().ok()?);
        self.members
            .iter()
            .filter(|m| path.starts_with(&m.dir))
            .max_by_key(|m| m.dir.as_os_str().len())
    }
}

impl ModuleLoader for PluginLoader {
    fn resolve(&self, specifier: &str, referrer: &Url) -> Result<Url, ModuleError> {
        if !specifier.starts_with("host:") {
            return self.inner.resolve(specifier, referrer);
        }
        let Some(member) = self.member_of(referrer) else {
            return Err(ModuleError::NotGranted {
                specifier: specifier.to_string(),
                why: format!("{referrer} is outside every plugin's directory"),
            });
        };
        if !member.granted.iter().any(|g| g == specifier) {
            return Err(ModuleError::NotGranted {
                specifier: specifier.to_string(),
                why: format!(
                    "plugin \"{}\" may import only {}; add \"{specifier}\" to its imports in the manifest",
                    member.name,
                    member.granted.join(", ")
                ),
            });
        }
        let ns = namespace(specifier, &member.name, self.members.len() > 1);
        Url::parse(&ns).map_err(|e| ModuleError::InvalidSpecifier(e.to_string()))
    }

    fn load(&self, url: &Url) -> LoadFuture {
        self.inner.load(url)
    }
}
