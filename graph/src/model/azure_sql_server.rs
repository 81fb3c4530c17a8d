//! `azure_sql_server`: a logical SQL server with its firewall rules (read per server from
//! `.../servers/{name}/firewallRules`).

use serde::{Deserialize, Serialize};

use crate::inventory::Reference;
use crate::model::azure_common::{arm_enum, PublicNetworkAccess};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureSqlServer {
    /// `properties.version`, e.g. `12.0`.
    pub version: Option<String>,
    pub fully_qualified_domain_name: Option<String>,
    /// `properties.publicNetworkAccess` (absent: `Enabled`).
    pub public_network_access: Option<PublicNetworkAccess>,
    /// `properties.minimalTlsVersion`.
    pub minimal_tls_version: Option<SqlTlsVersion>,
    /// The server's firewall rules; `None` when the scan could not read them (rules that
    /// read them then report nothing).
    pub firewall_rules: Option<Vec<SqlFirewallRule>>,
}

/// One server-level firewall rule: an inclusive IPv4 range allowed to connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlFirewallRule {
    pub name: String,
    pub start_ip: String,
    pub end_ip: String,
}

impl SqlFirewallRule {
    /// `0.0.0.0`-`255.255.255.255`: every IPv4 address.
    pub fn allows_all(&self) -> bool {
        self.start_ip.trim() == "0.0.0.0" && self.end_ip.trim() == "255.255.255.255"
    }
    /// `0.0.0.0`-`0.0.0.0`: Azure's "Allow Azure services and resources to access this
    /// server" switch (any Azure tenant's resources, not only this one's).
    pub fn allows_azure_services(&self) -> bool {
        self.start_ip.trim() == "0.0.0.0" && self.end_ip.trim() == "0.0.0.0"
    }
}

arm_enum! {
    /// `minimalTlsVersion` of a SQL server.
    SqlTlsVersion {
        Tls1_0 => "1.0",
        Tls1_1 => "1.1",
        Tls1_2 => "1.2",
        Tls1_3 => "1.3",
        /// No minimum enforced.
        NoMinimum => "None",
    }
}

impl AzureSqlServer {
    pub fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
}
