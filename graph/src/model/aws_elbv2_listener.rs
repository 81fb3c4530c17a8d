//! `aws_elbv2_listener`: a listener of a load balancer (protocol, port, TLS policy and
//! certificates) with its default actions.

use serde::{Deserialize, Serialize};

use crate::ids::ResourceId;
use crate::inventory::{EdgeKind, Reference};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    pub load_balancer: ResourceId,
    pub port: Option<i32>,
    pub protocol: ElbProtocol,
    /// The TLS negotiation policy (HTTPS and TLS listeners), e.g. `ELBSecurityPolicy-2016-08`.
    pub ssl_policy: Option<String>,
    /// ACM or IAM certificate ARNs, the default certificate first.
    pub certificates: Vec<String>,
    pub default_actions: Vec<ListenerAction>,
    pub alpn_policy: Vec<String>,
}

/// One default action. Forward actions list their target groups (`TargetGroupArn` and every
/// group of `ForwardConfig`, sorted, deduplicated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerAction {
    pub action_type: ActionType,
    pub order: Option<i32>,
    pub target_groups: Vec<ResourceId>,
    pub redirect: Option<RedirectAction>,
}

/// `RedirectConfig`. Values are as the API returns them: `#{protocol}` etc. keep the request's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectAction {
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub host: Option<String>,
    pub path: Option<String>,
    pub query: Option<String>,
    /// `HTTP_301` or `HTTP_302`.
    pub status_code: Option<String>,
}

impl RedirectAction {
    /// Redirects to HTTPS (the protocol is `HTTPS`, not `#{protocol}`).
    pub fn to_https(&self) -> bool {
        self.protocol
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("HTTPS"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    Forward,
    Redirect,
    FixedResponse,
    AuthenticateOidc,
    AuthenticateCognito,
    JwtValidation,
    #[serde(other)]
    Unknown,
}

impl ActionType {
    pub fn parse(s: &str) -> Self {
        match s {
            "forward" => Self::Forward,
            "redirect" => Self::Redirect,
            "fixed-response" => Self::FixedResponse,
            "authenticate-oidc" => Self::AuthenticateOidc,
            "authenticate-cognito" => Self::AuthenticateCognito,
            "jwt-validation" => Self::JwtValidation,
            _ => Self::Unknown,
        }
    }
}

/// Listener and target group protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElbProtocol {
    Http,
    Https,
    Tcp,
    Tls,
    Udp,
    TcpUdp,
    Geneve,
    #[serde(other)]
    Unknown,
}

impl ElbProtocol {
    pub fn parse(s: &str) -> Self {
        match s {
            "HTTP" => Self::Http,
            "HTTPS" => Self::Https,
            "TCP" => Self::Tcp,
            "TLS" => Self::Tls,
            "UDP" => Self::Udp,
            "TCP_UDP" => Self::TcpUdp,
            "GENEVE" => Self::Geneve,
            _ => Self::Unknown,
        }
    }
    /// Terminates TLS at the load balancer (HTTPS, TLS).
    pub fn is_tls(self) -> bool {
        matches!(self, Self::Https | Self::Tls)
    }
}

/// Predefined ELB security policies that still negotiate TLS 1.0 or TLS 1.1, from the
/// security policy tables of the Application and Network Load Balancer user guides
/// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html>):
/// the legacy policies below, plus every policy named `ELBSecurityPolicy-TLS13-1-0-*` or
/// `ELBSecurityPolicy-TLS13-1-1-*` (the name carries the minimum version; this covers their
/// FIPS variants, e.g. `ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04`). ELBv2 has no custom
/// policies, so the name decides. Not listed (TLS 1.2 minimum): `ELBSecurityPolicy-TLS-1-2-*`,
/// `-FS-1-2-*`, `-TLS13-1-2-*`, `-TLS13-1-3-*`.
pub const TLS_1_0_1_1_POLICIES: &[&str] = &[
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-FS-1-1-2019-08",
    "ELBSecurityPolicy-TLS-1-0-2015-04",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
];

/// Name prefixes of the TLS 1.3 policy families whose minimum is TLS 1.0 or TLS 1.1.
pub const TLS_1_0_1_1_POLICY_PREFIXES: &[&str] = &[
    "ELBSecurityPolicy-TLS13-1-0-",
    "ELBSecurityPolicy-TLS13-1-1-",
];

/// Whether a named ELB security policy allows TLS 1.0 or 1.1 (see [`TLS_1_0_1_1_POLICIES`]).
pub fn ssl_policy_allows_tls_1_0_or_1_1(policy: &str) -> bool {
    TLS_1_0_1_1_POLICIES.contains(&policy)
        || TLS_1_0_1_1_POLICY_PREFIXES
            .iter()
            .any(|p| policy.starts_with(p))
}

impl Listener {
    /// Listener -> load balancer (`associated_with`), listener -> target group (`routes_to`).
    pub fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference::outgoing(
            EdgeKind::AssociatedWith,
            self.load_balancer.clone(),
        )];
        for tg in self.target_groups() {
            let r = Reference::outgoing(EdgeKind::RoutesTo, tg.clone());
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
        refs
    }

    /// Every target group a default action forwards to.
    pub fn target_groups(&self) -> impl Iterator<Item = &ResourceId> {
        self.default_actions
            .iter()
            .flat_map(|a| a.target_groups.iter())
    }

    /// A default action redirects to HTTPS.
    pub fn redirects_to_https(&self) -> bool {
        self.default_actions.iter().any(|a| {
            a.action_type == ActionType::Redirect
                && a.redirect.as_ref().is_some_and(RedirectAction::to_https)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ResourceId {
        format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:{s}")
            .parse()
            .unwrap()
    }

    #[test]
    fn references_and_redirects() {
        let tg = id("targetgroup/tg/1");
        let l = Listener {
            load_balancer: id("loadbalancer/app/lb/1"),
            port: Some(80),
            protocol: ElbProtocol::Http,
            ssl_policy: None,
            certificates: vec![],
            default_actions: vec![
                ListenerAction {
                    action_type: ActionType::Forward,
                    order: Some(1),
                    target_groups: vec![tg.clone(), tg.clone()],
                    redirect: None,
                },
                ListenerAction {
                    action_type: ActionType::Redirect,
                    order: Some(2),
                    target_groups: vec![],
                    redirect: Some(RedirectAction {
                        protocol: Some("#{protocol}".into()),
                        port: None,
                        host: None,
                        path: None,
                        query: None,
                        status_code: Some("HTTP_301".into()),
                    }),
                },
            ],
            alpn_policy: vec![],
        };
        assert_eq!(l.references().len(), 2);
        assert!(!l.redirects_to_https(), "#{{protocol}} keeps HTTP");
        assert_eq!(ElbProtocol::parse("TCP_UDP"), ElbProtocol::TcpUdp);
        assert!(ElbProtocol::Tls.is_tls() && !ElbProtocol::Http.is_tls());
        assert_eq!(
            ActionType::parse("fixed-response"),
            ActionType::FixedResponse
        );
    }

    #[test]
    fn tls_policy_list() {
        assert!(ssl_policy_allows_tls_1_0_or_1_1(
            "ELBSecurityPolicy-2016-08"
        ));
        assert!(ssl_policy_allows_tls_1_0_or_1_1(
            "ELBSecurityPolicy-TLS-1-1-2017-01"
        ));
        assert!(!ssl_policy_allows_tls_1_0_or_1_1(
            "ELBSecurityPolicy-TLS13-1-2-2021-06"
        ));
        assert!(!ssl_policy_allows_tls_1_0_or_1_1(
            "ELBSecurityPolicy-TLS-1-2-2017-01"
        ));
        assert!(ssl_policy_allows_tls_1_0_or_1_1(
            "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04"
        ));
        assert!(!ssl_policy_allows_tls_1_0_or_1_1(
            "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04"
        ));
    }
}
