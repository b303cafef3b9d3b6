//! Import maps (the WICG format, as browsers and Deno read them): `imports` and `scopes`,
//! with exact and trailing-slash prefix matches, the longest match winning.

use std::collections::BTreeMap;

use serde::Deserialize;
use url::Url;

/// Specifier keys (longest first) and their targets; `None` blocks the specifier.
type Entries = Vec<(String, Option<Url>)>;

/// A parsed import map, its addresses resolved against the map's own URL.
#[derive(Debug, Clone, Default)]
pub struct ImportMap {
    imports: Entries,
    scopes: Vec<(String, Entries)>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    imports: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    scopes: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
}

impl ImportMap {
    /// Parses the JSON text of an import map located at `base`.
    ///
    /// # Errors
    /// Invalid JSON, or a top level that is not an object.
    pub fn parse(text: &str, base: &Url) -> Result<ImportMap, String> {
        let raw: Raw =
            serde_json::from_str(text).map_err(|e| format!("invalid import map: {e}"))?;
        let imports = normalize(&raw.imports, base);
        let mut scopes: Vec<(String, Entries)> = raw
            .scopes
            .iter()
            .filter_map(|(prefix, map)| {
                let scope = base.join(prefix).ok()?;
                Some((scope.to_string(), normalize(map, base)))
            })
            .collect();
        // Most specific scope first.
        scopes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Ok(ImportMap { imports, scopes })
    }

    /// Resolves `specifier` from `referrer`: `Ok(None)` when the map says nothing about it,
    /// `Err` when the map blocks it (a `null` entry) or its target is unusable.
    pub fn resolve(&self, specifier: &str, referrer: &Url) -> Result<Option<Url>, String> {
        // Specifiers that look like URLs or paths are normalized first, then matched.
        let normalized = if super::is_path_like(specifier) {
            referrer.join(specifier).ok().map(|u| u.to_string())
        } else {
            Url::parse(specifier).ok().map(|u| u.to_string())
        };
        let key = normalized.as_deref().unwrap_or(specifier);
        let referrer = referrer.as_str();
        for (scope, map) in &self.scopes {
            let applies = if scope.ends_with('/') {
                referrer.starts_with(scope.as_str())
            } else {
                referrer == scope
            };
            if applies && let Some(r) = lookup(map, key)? {
                return Ok(Some(r));
            }
        }
        lookup(&self.imports, key)
    }
}

/// Entries sorted longest key first; addresses resolved against `base` (`None` = blocked).
fn normalize(map: &BTreeMap<String, serde_json::Value>, base: &Url) -> Entries {
    let mut out: Entries = map
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| {
            let key = if super::is_path_like(k) {
                base.join(k)
                    .map(|u| u.to_string())
                    .unwrap_or_else(|_| k.clone())
            } else {
                Url::parse(k)
                    .map(|u| u.to_string())
                    .unwrap_or_else(|_| k.clone())
            };
            let target = v.as_str().and_then(|s| base.join(s).ok());
            (key, target)
        })
        .collect();
    out.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    out
}

fn lookup(map: &[(String, Option<Url>)], key: &str) -> Result<Option<Url>, String> {
    for (k, target) in map {
        if k == key {
            return target
                .clone()
                .map(Some)
                .ok_or_else(|| format!("\"{key}\" is blocked by the import map (null entry)"));
        }
        if k.ends_with('/') && key.starts_with(k.as_str()) {
            let Some(base) = target else {
                return Err(format!(
                    "\"{key}\" is blocked by the import map (null entry)"
                ));
            };
            if !base.as_str().ends_with('/') {
                return Err(format!(
                    "import map entry \"{k}\" must map to an address ending in /"
                ));
            }
            return base
                .join(&key[k.len()..])
                .map(Some)
                .map_err(|e| e.to_string());
        }
    }
    Ok(None)
}
