//! Pieces shared by the Azure kinds (not a kind itself): the [`arm_enum!`] macro for ARM
//! string values and the enums several Azure models use.
//!
//! ARM adds values to its enums over time (a new power state, a new disk SKU), so every typed
//! ARM value keeps an `Other(String)` fallback instead of failing the whole resource. Values
//! parse case-insensitively (ARM is not consistent about case) and serialise as ARM spells
//! them, so user rule packs compare them with the strings the Azure documentation shows.

/// An enum of ARM string values with an `Other(String)` fallback; `parse` is
/// case-insensitive and total, `as_str` gives ARM's spelling; serde goes through the string.
macro_rules! arm_enum {
    ($(#[$m:meta])* $name:ident { $( $(#[$vm:meta])* $variant:ident => $arm:literal ),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $( $(#[$vm])* #[doc = concat!("`", $arm, "`")] $variant, )+
            /// A value this version does not know, as ARM sent it.
            Other(String),
        }

        impl $name {
            /// Every known value, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];
            /// Parses an ARM value case-insensitively; an unknown value is kept in `Other`.
            pub fn parse(s: &str) -> Self {
                $( if s.eq_ignore_ascii_case($arm) { return $name::$variant; } )+
                $name::Other(s.to_string())
            }
            /// The value as ARM spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $arm, )+
                    $name::Other(s) => s,
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_string()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use arm_enum;

arm_enum! {
    /// `osType` of a VM's OS disk, a managed disk or a snapshot.
    OsType {
        Linux => "Linux",
        Windows => "Windows",
    }
}

arm_enum! {
    /// `publicNetworkAccess` of disks, snapshots, storage accounts, key vaults and SQL
    /// servers.
    PublicNetworkAccess {
        Enabled => "Enabled",
        Disabled => "Disabled",
        /// Network security perimeter rules decide (storage, key vault).
        SecuredByPerimeter => "SecuredByPerimeter",
    }
}

arm_enum! {
    /// `networkAcls.defaultAction` of storage accounts and key vaults: what happens to traffic
    /// no IP or virtual network rule matches.
    NetworkDefaultAction {
        Allow => "Allow",
        Deny => "Deny",
    }
}

/// Public network access is on: `publicNetworkAccess` `Enabled` or absent (the API default
/// for storage accounts and key vaults), and the firewall's `defaultAction` `Allow` or absent
/// (the default). `SecuredByPerimeter` or an unknown value counts as restricted.
pub fn public_network_open(
    access: Option<&PublicNetworkAccess>,
    default_action: Option<&NetworkDefaultAction>,
) -> bool {
    matches!(access, None | Some(PublicNetworkAccess::Enabled))
        && matches!(default_action, None | Some(NetworkDefaultAction::Allow))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_values_parse_case_insensitively_and_keep_unknowns() {
        assert_eq!(OsType::parse("linux"), OsType::Linux);
        assert_eq!(OsType::parse("WINDOWS").as_str(), "Windows");
        let other = OsType::parse("Plan9");
        assert_eq!(other, OsType::Other("Plan9".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"Plan9\"");
        let back: PublicNetworkAccess = serde_json::from_str("\"enabled\"").unwrap();
        assert_eq!(back, PublicNetworkAccess::Enabled);
        assert_eq!(
            serde_json::to_string(&PublicNetworkAccess::SecuredByPerimeter).unwrap(),
            "\"SecuredByPerimeter\""
        );
        assert_eq!(NetworkDefaultAction::KNOWN.len(), 2);
    }

    #[test]
    fn public_network_defaults() {
        use NetworkDefaultAction as D;
        use PublicNetworkAccess as P;
        assert!(public_network_open(None, None));
        assert!(public_network_open(Some(&P::Enabled), Some(&D::Allow)));
        assert!(!public_network_open(Some(&P::Disabled), None));
        assert!(!public_network_open(None, Some(&D::Deny)));
        assert!(!public_network_open(Some(&P::SecuredByPerimeter), None));
    }
}
