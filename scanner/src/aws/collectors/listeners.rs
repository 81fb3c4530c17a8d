//! `elasticloadbalancing:DescribeLoadBalancers` + `DescribeListeners` per load balancer ->
//! `aws_elbv2_listener`.
//!
//! A load balancer deleted between the two calls (`LoadBalancerNotFound`) has no listeners
//! left, not an error. Listener rules (`DescribeRules`) are not collected yet: only the
//! default actions.

use aws_sdk_elasticloadbalancingv2::types as sdk;
use skywarden_graph::model::{ActionType, ElbProtocol, Listener, ListenerAction, RedirectAction};
use skywarden_graph::Resource;

use super::load_balancers;
use crate::aws::{arn_id, classify, required, MapCx, RegionCx};
use crate::error::CollectError;
use crate::sink::Emit;
use crate::limits::Service;

pub async fn fetch(cx: &RegionCx, out: &mut Emit) -> Result<(), CollectError> {
    for lb in load_balancers::list(cx).await? {
        let arn = required(lb.load_balancer_arn(), "LoadBalancerArn")?;
        let mut pages = cx
            .elbv2
            .describe_listeners()
            .load_balancer_arn(arn)
            .page_size(400)
            .into_paginator()
            .send();
        while let Some(page) = cx.call(Service::Elbv2, pages.next()).await {
            let page = match page {
                Ok(p) => p,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_load_balancer_not_found_exception()) =>
                {
                    break
                }
                Err(e) => return Err(classify(e)),
            };
            for l in page.listeners() {
                out.push(map(&cx.map, arn, l)?).await;
            }
        }
    }
    Ok(())
}

fn action(a: &sdk::Action) -> Result<ListenerAction, CollectError> {
    let mut target_groups = a
        .target_group_arn()
        .into_iter()
        .chain(
            a.forward_config()
                .map(|f| f.target_groups())
                .unwrap_or_default()
                .iter()
                .filter_map(|t| t.target_group_arn()),
        )
        .filter(|s| !s.is_empty())
        .map(arn_id)
        .collect::<Result<Vec<_>, _>>()?;
    target_groups.sort();
    target_groups.dedup();
    let s = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_string);
    Ok(ListenerAction {
        action_type: a
            .r#type()
            .map_or(ActionType::Unknown, |t| ActionType::parse(t.as_str())),
        order: a.order(),
        target_groups,
        redirect: a.redirect_config().map(|r| RedirectAction {
            protocol: s(r.protocol()),
            port: s(r.port()),
            host: s(r.host()),
            path: s(r.path()),
            query: s(r.query()),
            status_code: r.status_code().map(|c| c.as_str().to_string()),
        }),
    })
}

/// `lb_arn` is the load balancer the listeners were asked for (used when the listener does
/// not repeat it).
pub fn map(cx: &MapCx, lb_arn: &str, l: &sdk::Listener) -> Result<Resource, CollectError> {
    let id = arn_id(required(l.listener_arn(), "ListenerArn")?)?;
    let load_balancer = arn_id(
        l.load_balancer_arn()
            .filter(|a| !a.is_empty())
            .unwrap_or(lb_arn),
    )?;
    // The default certificate first, then the others in response order.
    let mut certs: Vec<&sdk::Certificate> = l.certificates().iter().collect();
    certs.sort_by_key(|c| !c.is_default().unwrap_or(false));
    let certificates = certs
        .iter()
        .filter_map(|c| c.certificate_arn())
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    let mut default_actions = l
        .default_actions()
        .iter()
        .map(action)
        .collect::<Result<Vec<_>, _>>()?;
    default_actions.sort_by_key(|a| a.order.unwrap_or(i32::MAX));
    let model = Listener {
        load_balancer,
        port: l.port(),
        protocol: l
            .protocol()
            .map_or(ElbProtocol::Unknown, |p| ElbProtocol::parse(p.as_str())),
        ssl_policy: l.ssl_policy().filter(|p| !p.is_empty()).map(str::to_string),
        certificates,
        default_actions,
        alpn_policy: l.alpn_policy().to_vec(),
    };
    Ok(Resource::new(
        id,
        cx.account.clone(),
        cx.region.clone(),
        Default::default(),
        model,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::collectors::testkit::cx;

    const LB: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/1";
    const TG: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/1";
    const TG2: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web2/2";

    #[test]
    fn maps_an_https_listener_with_forward_config_and_certificates() {
        let l = sdk::Listener::builder()
            .listener_arn(
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/1/9",
            )
            .load_balancer_arn(LB)
            .port(443)
            .protocol(sdk::ProtocolEnum::Https)
            .ssl_policy("ELBSecurityPolicy-2016-08")
            .certificates(
                sdk::Certificate::builder()
                    .certificate_arn("arn:aws:acm:eu-west-1:123456789012:certificate/b")
                    .build(),
            )
            .certificates(
                sdk::Certificate::builder()
                    .certificate_arn("arn:aws:acm:eu-west-1:123456789012:certificate/a")
                    .is_default(true)
                    .build(),
            )
            .default_actions(
                sdk::Action::builder()
                    .r#type(sdk::ActionTypeEnum::Forward)
                    .order(1)
                    .target_group_arn(TG)
                    .forward_config(
                        sdk::ForwardActionConfig::builder()
                            .target_groups(
                                sdk::TargetGroupTuple::builder()
                                    .target_group_arn(TG2)
                                    .weight(1)
                                    .build(),
                            )
                            .target_groups(
                                sdk::TargetGroupTuple::builder()
                                    .target_group_arn(TG)
                                    .weight(1)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .build();
        let r = map(&cx(), LB, &l).unwrap();
        let m = r.model::<Listener>().unwrap();
        assert_eq!((m.port, m.protocol), (Some(443), ElbProtocol::Https));
        assert_eq!(m.ssl_policy.as_deref(), Some("ELBSecurityPolicy-2016-08"));
        assert!(
            m.certificates[0].ends_with("certificate/a"),
            "default first: {:?}",
            m.certificates
        );
        assert_eq!(m.default_actions[0].action_type, ActionType::Forward);
        assert_eq!(
            m.default_actions[0]
                .target_groups
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>(),
            [TG, TG2]
        );
        // -> LB, -> two target groups
        assert_eq!(m.references().len(), 3);
    }

    #[test]
    fn maps_a_redirect_and_tolerates_missing_fields() {
        let l = sdk::Listener::builder()
            .listener_arn(
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/1/8",
            )
            .protocol(sdk::ProtocolEnum::Http)
            .default_actions(
                sdk::Action::builder()
                    .r#type(sdk::ActionTypeEnum::Redirect)
                    .redirect_config(
                        sdk::RedirectActionConfig::builder()
                            .protocol("HTTPS")
                            .port("443")
                            .status_code(sdk::RedirectActionStatusCodeEnum::Http301)
                            .build(),
                    )
                    .build(),
            )
            .default_actions(sdk::Action::builder().build())
            .build();
        let r = map(&cx(), LB, &l).unwrap();
        let m = r.model::<Listener>().unwrap();
        assert_eq!(m.load_balancer.as_str(), LB, "the LB asked for");
        assert!(m.redirects_to_https());
        assert_eq!(
            m.default_actions[0]
                .redirect
                .as_ref()
                .unwrap()
                .status_code
                .as_deref(),
            Some("HTTP_301")
        );
        assert_eq!(m.default_actions[1].action_type, ActionType::Unknown);
        assert!(m.port.is_none() && m.ssl_policy.is_none() && m.certificates.is_empty());
        assert!(
            map(&cx(), LB, &sdk::Listener::builder().build()).is_err(),
            "no ARN"
        );
    }
}
