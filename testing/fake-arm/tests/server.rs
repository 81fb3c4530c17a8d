//! The fake ARM server through a real HTTPS client trusting only the generated CA.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Client, StatusCode};
use serde_json::Value;
use skywarden_fake_arm::{FakeArm, FakeArmConfig, GroundTruth};

/// (provider path, api-version, kind) of every subscription-level collection.
const COLLECTIONS: [(&str, &str, &str); 11] = [
    (
        "Microsoft.Compute/virtualMachines",
        "2025-04-01",
        "azure_compute_virtual_machine",
    ),
    (
        "Microsoft.Compute/disks",
        "2025-01-02",
        "azure_compute_disk",
    ),
    (
        "Microsoft.Compute/snapshots",
        "2025-01-02",
        "azure_compute_snapshot",
    ),
    (
        "Microsoft.Network/networkInterfaces",
        "2024-07-01",
        "azure_network_interface",
    ),
    (
        "Microsoft.Network/publicIPAddresses",
        "2024-07-01",
        "azure_network_public_ip_address",
    ),
    (
        "Microsoft.Network/virtualNetworks",
        "2024-07-01",
        "azure_network_virtual_network",
    ),
    (
        "Microsoft.Network/networkSecurityGroups",
        "2024-07-01",
        "azure_network_security_group",
    ),
    (
        "Microsoft.Network/loadBalancers",
        "2024-07-01",
        "azure_network_load_balancer",
    ),
    (
        "Microsoft.Storage/storageAccounts",
        "2025-01-01",
        "azure_storage_account",
    ),
    (
        "Microsoft.KeyVault/vaults",
        "2023-07-01",
        "azure_keyvault_vault",
    ),
    ("Microsoft.Sql/servers", "2021-11-01", "azure_sql_server"),
];

fn client(arm: &FakeArm) -> Client {
    let pem = std::fs::read(arm.ca_pem_path()).unwrap();
    Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

async fn token_response(
    arm: &FakeArm,
    c: &Client,
    tenant: &str,
    secret: &str,
) -> reqwest::Response {
    let cfg = arm.config();
    c.post(
        arm.authority_host()
            .join(&format!("{tenant}/oauth2/v2.0/token"))
            .unwrap(),
    )
    .form(&[
        ("grant_type", "client_credentials"),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", secret),
        ("scope", "https://management.azure.com/.default"),
    ])
    .send()
    .await
    .unwrap()
}

async fn token(arm: &FakeArm, c: &Client) -> String {
    let cfg = arm.config().clone();
    let r = token_response(arm, c, &cfg.tenant_id, &cfg.client_secret).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

async fn get(
    c: &Client,
    token: Option<&str>,
    url: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = c.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

/// Every item of a list, following `nextLink` (which must stay on the server).
async fn list_all(arm: &FakeArm, c: &Client, token: &str, path_and_query: &str) -> Vec<Value> {
    let mut url = arm.endpoint().join(path_and_query).unwrap().to_string();
    let mut out = Vec::new();
    loop {
        let (status, _, body) = get(c, Some(token), &url).await;
        assert_eq!(status, StatusCode::OK, "{url}: {body}");
        let page = body["value"].as_array().unwrap();
        assert!(page.len() <= arm.config().page_size, "{url}");
        out.extend(page.iter().cloned());
        match body["nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(arm.endpoint().as_str()),
                    "foreign nextLink {next}"
                );
                url = next.to_string();
            }
            None => break,
        }
    }
    out
}

fn lc(v: &Value) -> String {
    v.as_str().unwrap().to_ascii_lowercase()
}

/// Everything the estate lists, by kind, plus the raw items of every collection.
struct Fetched {
    by_kind: BTreeMap<String, BTreeSet<String>>,
    items: Vec<(String, Value)>,
}

async fn fetch_all(arm: &FakeArm, c: &Client, token: &str) -> Fetched {
    let mut by_kind: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut items = Vec::new();
    let subs = list_all(arm, c, token, "subscriptions?api-version=2022-12-01").await;
    for s in &subs {
        assert_eq!(s["tenantId"], arm.config().tenant_id.as_str());
        by_kind
            .entry("azure_resources_subscription".into())
            .or_default()
            .insert(lc(&s["id"]));
        let sub = s["subscriptionId"].as_str().unwrap();
        for rg in list_all(
            arm,
            c,
            token,
            &format!("subscriptions/{sub}/resourcegroups?api-version=2021-04-01"),
        )
        .await
        {
            by_kind
                .entry("azure_resources_resource_group".into())
                .or_default()
                .insert(lc(&rg["id"]));
            items.push(("azure_resources_resource_group".to_string(), rg));
        }
        for (path, api, kind) in COLLECTIONS {
            for item in list_all(
                arm,
                c,
                token,
                &format!("subscriptions/{sub}/providers/{path}?api-version={api}"),
            )
            .await
            {
                by_kind
                    .entry(kind.to_string())
                    .or_default()
                    .insert(lc(&item["id"]));
                if kind == "azure_network_virtual_network" {
                    for subnet in item["properties"]["subnets"].as_array().unwrap() {
                        by_kind
                            .entry("azure_network_subnet".into())
                            .or_default()
                            .insert(lc(&subnet["id"]));
                    }
                }
                items.push((kind.to_string(), item));
            }
        }
    }
    Fetched { by_kind, items }
}

fn ids_at(v: &Value, pointer: &str) -> Vec<String> {
    match v.pointer(pointer) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x["id"].as_str())
            .map(str::to_ascii_lowercase)
            .collect(),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .into_iter()
            .collect(),
        Some(Value::String(s)) => vec![s.to_ascii_lowercase()],
        _ => Vec::new(),
    }
}

/// The parent of an ARM child id.
fn parent(id: &str) -> Option<String> {
    let seg: Vec<&str> = id.trim_start_matches('/').split('/').collect();
    let p = seg.iter().position(|s| *s == "providers")?;
    (seg.len() > p + 4).then(|| format!("/{}", seg[..seg.len() - 2].join("/")))
}

/// Every reference in the payloads points at a resource of `gt` (or a child of one), and the
/// references Skywarden turns into edges point at the right kinds.
fn check_linked(gt: &GroundTruth, f: &Fetched) {
    let all = gt.all_ids();
    let kind = |id: &str| gt.kind_of(id).map(str::to_string);
    let in_estate = |id: &str| {
        let mut cur = Some(id.to_ascii_lowercase());
        while let Some(c) = cur {
            if all.contains(c.as_str()) {
                return true;
            }
            cur = parent(&c);
        }
        false
    };
    // Generic: every ARM id string anywhere in a payload.
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if s.to_ascii_lowercase().starts_with("/subscriptions/") => {
                out.push(s.clone())
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut refs = 0;
    for (_, item) in &f.items {
        let mut found = Vec::new();
        walk(item, &mut found);
        for r in found {
            assert!(in_estate(&r), "dangling reference {r} in {}", item["id"]);
            refs += 1;
        }
    }
    assert!(refs > 100, "{refs}");
    let expect = |id: &str, k: &str, from: &Value| {
        assert_eq!(kind(id).as_deref(), Some(k), "{id} from {}", from["id"]);
    };
    let mut seen = BTreeMap::<&str, usize>::new();
    for (k, item) in &f.items {
        match k.as_str() {
            "azure_network_interface" => {
                for cfg in item["properties"]["ipConfigurations"].as_array().unwrap() {
                    for s in ids_at(cfg, "/properties/subnet") {
                        expect(&s, "azure_network_subnet", item);
                        *seen.entry("nic->subnet").or_default() += 1;
                    }
                    for p in ids_at(cfg, "/properties/publicIPAddress") {
                        expect(&p, "azure_network_public_ip_address", item);
                    }
                    for pool in ids_at(cfg, "/properties/loadBalancerBackendAddressPools") {
                        expect(&parent(&pool).unwrap(), "azure_network_load_balancer", item);
                    }
                }
                for n in ids_at(item, "/properties/networkSecurityGroup") {
                    expect(&n, "azure_network_security_group", item);
                    *seen.entry("nic->nsg").or_default() += 1;
                }
                for vm in ids_at(item, "/properties/virtualMachine") {
                    expect(&vm, "azure_compute_virtual_machine", item);
                }
            }
            "azure_compute_virtual_machine" => {
                for n in ids_at(item, "/properties/networkProfile/networkInterfaces") {
                    expect(&n, "azure_network_interface", item);
                    *seen.entry("vm->nic").or_default() += 1;
                }
                for d in ids_at(item, "/properties/storageProfile/osDisk/managedDisk") {
                    expect(&d, "azure_compute_disk", item);
                    *seen.entry("vm->disk").or_default() += 1;
                }
                for dd in item["properties"]["storageProfile"]["dataDisks"]
                    .as_array()
                    .unwrap()
                {
                    for d in ids_at(dd, "/managedDisk") {
                        expect(&d, "azure_compute_disk", item);
                    }
                }
            }
            "azure_compute_disk" => {
                for vm in ids_at(item, "/managedBy") {
                    expect(&vm, "azure_compute_virtual_machine", item);
                    *seen.entry("disk->vm").or_default() += 1;
                }
            }
            "azure_compute_snapshot" => {
                for d in ids_at(item, "/properties/creationData/sourceResourceId") {
                    expect(&d, "azure_compute_disk", item);
                    *seen.entry("snapshot->disk").or_default() += 1;
                }
            }
            "azure_network_public_ip_address" => {
                for c in ids_at(item, "/properties/ipConfiguration") {
                    let owner = parent(&c).unwrap();
                    let k = kind(&owner).unwrap();
                    assert!(
                        k == "azure_network_interface" || k == "azure_network_load_balancer",
                        "{c}"
                    );
                    *seen
                        .entry(if k == "azure_network_interface" {
                            "pip->nic"
                        } else {
                            "pip->lb"
                        })
                        .or_default() += 1;
                }
            }
            "azure_network_load_balancer" => {
                for pool in item["properties"]["backendAddressPools"]
                    .as_array()
                    .unwrap()
                {
                    for c in ids_at(pool, "/properties/backendIPConfigurations") {
                        let nic = parent(&c).unwrap();
                        expect(&nic, "azure_network_interface", item);
                        *seen.entry("lb pool->nic ipconfig").or_default() += 1;
                    }
                }
            }
            "azure_network_virtual_network" => {
                for s in item["properties"]["subnets"].as_array().unwrap() {
                    for n in ids_at(s, "/properties/networkSecurityGroup") {
                        expect(&n, "azure_network_security_group", item);
                        *seen.entry("subnet->nsg").or_default() += 1;
                    }
                }
            }
            _ => {}
        }
    }
    for what in [
        "nic->subnet",
        "nic->nsg",
        "vm->nic",
        "vm->disk",
        "disk->vm",
        "snapshot->disk",
        "pip->nic",
        "pip->lb",
        "lb pool->nic ipconfig",
        "subnet->nsg",
    ] {
        assert!(
            seen.get(what).copied().unwrap_or(0) > 0,
            "no {what} reference"
        );
    }
    // Every edge joins two resources of the estate.
    for (a, _, b) in &gt.edges {
        assert!(
            all.contains(a.as_str()) && all.contains(b.as_str()),
            "{a} -> {b}"
        );
    }
}

#[tokio::test]
async fn token_endpoint_right_and_wrong_credentials() {
    let arm = FakeArm::start(FakeArmConfig::default()).await.unwrap();
    let c = client(&arm);
    let cfg = arm.config().clone();
    let ok = token_response(&arm, &c, &cfg.tenant_id, &cfg.client_secret).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let v: Value = ok.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3599);
    assert!(!v["access_token"].as_str().unwrap().is_empty());

    let wrong = token_response(&arm, &c, &cfg.tenant_id, "not-the-secret").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let v: Value = wrong.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");
    assert_eq!(v["error_codes"][0], 7000215);

    let tenant = token_response(
        &arm,
        &c,
        "00000000-0000-0000-0000-00000000dead",
        &cfg.client_secret,
    )
    .await;
    assert_eq!(tenant.status(), StatusCode::BAD_REQUEST);
    let v: Value = tenant.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request");
    assert!(v["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS90002"));

    // The endpoint-relative scope works too.
    let r = c
        .post(
            arm.authority_host()
                .join(&format!("{}/oauth2/v2.0/token", cfg.tenant_id))
                .unwrap(),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", cfg.client_id.as_str()),
            ("client_secret", cfg.client_secret.as_str()),
            ("scope", &format!("{}.default", arm.endpoint())),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Discovery documents.
    let (s, _, v) = get(
        &c,
        None,
        arm.authority_host()
            .join(&format!(
                "{}/v2.0/.well-known/openid-configuration",
                cfg.tenant_id
            ))
            .unwrap()
            .as_str(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["token_endpoint"]
        .as_str()
        .unwrap()
        .starts_with(arm.endpoint().as_str()));
    let (s, _, v) = get(
        &c,
        None,
        arm.authority_host()
            .join("common/discovery/instance")
            .unwrap()
            .as_str(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["tenant_discovery_endpoint"].is_string());
    arm.shutdown().await;
}

#[tokio::test]
async fn every_collection_pages_to_the_ground_truth_and_is_linked() {
    let arm = FakeArm::start(FakeArmConfig::default()).await.unwrap();
    let c = client(&arm);
    let t = token(&arm, &c).await;
    let f = fetch_all(&arm, &c, &t).await;
    let gt = arm.ground_truth();
    assert_eq!(f.by_kind, gt.resources);
    assert_eq!(gt.subscriptions.len(), 2);
    assert_eq!(gt.resources["azure_resources_resource_group"].len(), 6);
    assert_eq!(gt.resources["azure_compute_virtual_machine"].len(), 12);
    assert_eq!(gt.resources["azure_network_subnet"].len(), 8);
    check_linked(gt, &f);

    // Paging: a list longer than the page size takes several pages, other params kept.
    let sub = &gt.subscriptions[0];
    let (_, _, first) = get(
        &c,
        Some(&t),
        arm.endpoint()
            .join(&format!("subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines?api-version=2025-04-01&statusOnly=true"))
            .unwrap()
            .as_str(),
    )
    .await;
    assert_eq!(first["value"].as_array().unwrap().len(), 3);
    let next = first["nextLink"].as_str().unwrap();
    assert!(
        next.contains("statusOnly=true")
            && next.contains("api-version=2025-04-01")
            && next.contains("$skiptoken=3"),
        "{next}"
    );

    // Case-insensitive paths.
    let upper = list_all(&arm, &c, &t, &format!("SUBSCRIPTIONS/{}/PROVIDERS/microsoft.network/NETWORKSECURITYGROUPS?api-version=2024-07-01", sub.to_uppercase())).await;
    assert_eq!(upper.len(), 5);
    arm.shutdown().await;
}

#[tokio::test]
async fn power_states_instance_views_and_firewall_rules() {
    let arm = FakeArm::start(FakeArmConfig::default()).await.unwrap();
    let c = client(&arm);
    let t = token(&arm, &c).await;
    let gt = arm.ground_truth().clone();
    let mut seen = BTreeMap::new();
    for sub in &gt.subscriptions {
        let vms = list_all(&arm, &c, &t, &format!("subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines?api-version=2025-04-01&statusOnly=true")).await;
        for vm in vms {
            let codes: Vec<String> = vm["properties"]["instanceView"]["statuses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["code"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(codes[0], "ProvisioningState/succeeded");
            let power = codes[1].strip_prefix("PowerState/").unwrap().to_string();
            // The per-VM instance view agrees.
            let (s, _, view) = get(
                &c,
                Some(&t),
                arm.endpoint()
                    .join(&format!(
                        "{}/instanceView?api-version=2025-04-01",
                        vm["id"].as_str().unwrap().trim_start_matches('/')
                    ))
                    .unwrap()
                    .as_str(),
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(
                view["statuses"][1]["code"],
                format!("PowerState/{power}").as_str()
            );
            seen.insert(lc(&vm["id"]), power);
        }
        // Full model: no instance view.
        let full = list_all(&arm, &c, &t, &format!("subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines?api-version=2025-04-01")).await;
        assert!(full
            .iter()
            .all(|v| v["properties"].get("instanceView").is_none()));

        let servers = list_all(
            &arm,
            &c,
            &t,
            &format!("subscriptions/{sub}/providers/Microsoft.Sql/servers?api-version=2021-11-01"),
        )
        .await;
        for server in servers {
            let id = server["id"]
                .as_str()
                .unwrap()
                .trim_start_matches('/')
                .to_string();
            let rules = list_all(
                &arm,
                &c,
                &t,
                &format!("{id}/firewallRules?api-version=2021-11-01"),
            )
            .await;
            let all_open = rules.iter().any(|r| {
                r["properties"]["startIpAddress"] == "0.0.0.0"
                    && r["properties"]["endIpAddress"] == "255.255.255.255"
            });
            assert_eq!(
                all_open,
                gt.findings["azure.sql.server_firewall_allows_all"].contains(&lc(&server["id"]))
            );
        }
    }
    assert_eq!(seen, gt.power_states);
    assert!(seen.values().any(|p| p == "running"));
    assert!(seen.values().any(|p| p == "deallocated"));
    assert!(seen.values().any(|p| p == "stopped"));
    arm.shutdown().await;
}

#[tokio::test]
async fn faults_auth_and_request_log() {
    let arm = FakeArm::start(FakeArmConfig::default()).await.unwrap();
    let c = client(&arm);
    let t = token(&arm, &c).await;
    let sub = arm.ground_truth().subscriptions[0].clone();
    let other = arm.ground_truth().subscriptions[1].clone();
    let url = |p: &str| arm.endpoint().join(p).unwrap().to_string();
    let disks = url(&format!(
        "subscriptions/{sub}/providers/Microsoft.Compute/disks?api-version=2025-01-02"
    ));

    // No bearer, a bearer the server never issued.
    let (s, _, v) = get(&c, None, &disks).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");
    let (s, _, v) = get(&c, Some("forged"), &disks).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");
    // No api-version; an old one.
    let (s, _, v) = get(
        &c,
        Some(&t),
        &url(&format!(
            "subscriptions/{sub}/providers/Microsoft.Compute/disks"
        )),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "MissingApiVersionParameter");
    let (s, _, v) = get(&c, Some(&t), &url(&format!("subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts?api-version=2019-06-01"))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "InvalidApiVersionParameter");
    // Unknown path.
    let (s, _, v) = get(
        &c,
        Some(&t),
        &url(&format!(
            "subscriptions/{sub}/providers/Microsoft.Web/sites?api-version=2024-01-01"
        )),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "InvalidResourceType");

    // Throttling: every list call gets 429 once, its retry passes; token calls never.
    arm.set_throttle_fraction(1.0);
    let (s, h, v) = get(&c, Some(&t), &disks).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h["retry-after"], "1");
    assert_eq!(v["error"]["code"], "TooManyRequests");
    let (s, _, _) = get(&c, Some(&t), &disks).await;
    assert_eq!(s, StatusCode::OK);
    let _ = token(&arm, &c).await;
    arm.set_throttle_fraction(0.0);
    let (s, _, _) = get(&c, Some(&t), &disks).await;
    assert_eq!(s, StatusCode::OK);

    // Forbidden and not found, per subscription; the other one is unaffected.
    arm.set_forbidden(&sub, true);
    let (s, _, v) = get(&c, Some(&t), &disks).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["code"], "AuthorizationFailed");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&format!("/subscriptions/{sub}")));
    let (s, _, _) = get(
        &c,
        Some(&t),
        &url(&format!(
            "subscriptions/{other}/resourcegroups?api-version=2021-04-01"
        )),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    arm.set_forbidden(&sub, false);
    arm.set_not_found(&other, true);
    let (s, _, v) = get(
        &c,
        Some(&t),
        &url(&format!(
            "subscriptions/{other}/resourcegroups?api-version=2021-04-01"
        )),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "SubscriptionNotFound");
    arm.set_not_found(&other, false);
    let (s, _, _) = get(&c, Some(&t), &disks).await;
    assert_eq!(s, StatusCode::OK);

    // A foreign nextLink on the first page of disks only.
    arm.set_foreign_next_link(true);
    let (_, _, v) = get(&c, Some(&t), &disks).await;
    assert!(v["nextLink"]
        .as_str()
        .unwrap()
        .starts_with("https://evil.example.invalid/"));
    let (_, _, v) = get(&c, Some(&t), &url(&format!("subscriptions/{sub}/providers/Microsoft.Network/networkInterfaces?api-version=2024-07-01"))).await;
    assert!(v["nextLink"]
        .as_str()
        .unwrap()
        .starts_with(arm.endpoint().as_str()));
    arm.set_foreign_next_link(false);

    // The log has every call, with statuses and whether a bearer came, never a secret.
    let log = arm.requests();
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    for s in [200, 400, 401, 403, 404, 429] {
        assert!(statuses.contains(&s), "{s} not logged: {statuses:?}");
    }
    let token_calls: Vec<_> = log
        .iter()
        .filter(|r| r.path.ends_with("/oauth2/v2.0/token"))
        .collect();
    assert_eq!(token_calls.len(), 2);
    assert!(token_calls
        .iter()
        .all(|r| r.method == "POST" && r.status == 200 && !r.has_bearer));
    assert!(log.iter().any(|r| r.status == 401 && !r.has_bearer));
    assert!(log.iter().any(|r| r.status == 401 && r.has_bearer));
    let disk_call = log.iter().find(|r| r.status == 429).unwrap();
    assert_eq!(disk_call.method, "GET");
    assert_eq!(disk_call.query.as_deref(), Some("api-version=2025-01-02"));
    assert!(disk_call.has_bearer);
    let dump = serde_json::to_string(&log).unwrap();
    assert!(!dump.contains(&arm.config().client_secret) && !dump.contains(&t));
    arm.clear_requests();
    assert!(arm.requests().is_empty());
    arm.shutdown().await;
}

#[tokio::test]
async fn a_scaled_estate_is_linked_and_its_ground_truth_grows() {
    let small = FakeArm::start(FakeArmConfig::default()).await.unwrap();
    let big = FakeArm::start(FakeArmConfig {
        scale: 3,
        page_size: 7,
        ..FakeArmConfig::default()
    })
    .await
    .unwrap();
    let c = client(&big);
    let t = token(&big, &c).await;
    let f = fetch_all(&big, &c, &t).await;
    let (g1, g3) = (small.ground_truth(), big.ground_truth());
    assert_eq!(f.by_kind, g3.resources);
    check_linked(g3, &f);
    for (kind, ids) in &g1.resources {
        let n = g3.resources[kind].len();
        match kind.as_str() {
            "azure_resources_subscription" | "azure_resources_resource_group" => {
                assert_eq!(n, ids.len())
            }
            _ => assert_eq!(n, 3 * ids.len(), "{kind}"),
        }
    }
    for (rule, ids) in &g1.findings {
        assert_eq!(g3.findings[rule].len(), 3 * ids.len(), "{rule}");
    }
    assert_eq!(g3.exposed.len(), 3 * g1.exposed.len());
    assert_eq!(g3.power_states.len(), 3 * g1.power_states.len());
    assert!(g3.edges.len() > 2 * g1.edges.len());
    // The ground truth file is the ground truth.
    let file: skywarden_fake_arm::GroundTruth =
        serde_json::from_slice(&std::fs::read(big.ground_truth_path()).unwrap()).unwrap();
    assert_eq!(&file, g3);
    small.shutdown().await;
    big.shutdown().await;
}
