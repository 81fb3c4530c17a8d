//! Request handling: one fallback handler that routes by hand over lower-cased path segments
//! (ARM paths are case-insensitive), logs every request and applies the faults.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use url::Url;

use crate::estate::{Collection, Estate};
use crate::{FakeArmConfig, LoggedRequest};

/// Faults switched at run time.
#[derive(Debug, Default)]
pub struct Faults {
    pub throttle_fraction: f64,
    /// Lower-case subscription ids.
    pub forbidden: HashSet<String>,
    pub not_found: HashSet<String>,
    pub foreign_next_link: bool,
    /// Requests (path + query) whose last answer was a 429: the next one passes.
    pub last_throttled: HashSet<String>,
}

/// State shared by every connection.
#[derive(Debug)]
pub struct Shared {
    pub cfg: FakeArmConfig,
    pub base: Url,
    pub estate: Estate,
    pub tokens: Mutex<HashSet<String>>,
    pub log: Mutex<Vec<LoggedRequest>>,
    pub faults: Mutex<Faults>,
}

/// Locks a mutex, recovering the data from a poisoned one (a panicked handler must not stop
/// the server).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A JSON answer with optional extra headers.
struct Answer {
    status: StatusCode,
    body: Value,
    headers: Vec<(header::HeaderName, String)>,
}

impl Answer {
    fn json(status: StatusCode, body: Value) -> Self {
        Answer {
            status,
            body,
            headers: Vec::new(),
        }
    }

    fn ok(body: Value) -> Self {
        Answer::json(StatusCode::OK, body)
    }

    fn arm_error(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Answer::json(
            status,
            json!({ "error": { "code": code, "message": message.into() } }),
        )
    }

    fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// The parsed parts of a request the router needs.
struct Req<'a> {
    method: &'a Method,
    /// Path as sent.
    path: &'a str,
    /// Lower-case, non-empty segments.
    seg: Vec<String>,
    query: Option<&'a str>,
    bearer: Option<&'a str>,
    body: &'a [u8],
}

impl Req<'_> {
    fn param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.unwrap_or("").as_bytes())
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.into_owned())
    }

    fn seg_is(&self, expected: &[&str]) -> bool {
        self.seg.len() == expected.len()
            && self
                .seg
                .iter()
                .zip(expected)
                .all(|(a, b)| *b == "*" || a == b)
    }
}

/// The single handler behind every path.
pub async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let auth = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let bearer = auth.and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    });
    let path = parts.uri.path();
    let r = Req {
        method: &parts.method,
        path,
        seg: path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_ascii_lowercase)
            .collect(),
        query: parts.uri.query(),
        bearer,
        body: &body,
    };
    let answer = route(&shared, &r);
    lock(&shared.log).push(LoggedRequest {
        method: parts.method.to_string(),
        path: path.to_string(),
        query: parts.uri.query().map(str::to_string),
        status: answer.status.as_u16(),
        has_bearer: auth.is_some(),
    });
    let mut resp = (answer.status, axum::Json(answer.body)).into_response();
    let h = resp.headers_mut();
    h.insert(
        "x-ms-request-id",
        HeaderValue::from_str(&random_hex(16)).unwrap_or(HeaderValue::from_static("0")),
    );
    for (name, value) in answer.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    resp
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}

fn route(s: &Shared, r: &Req<'_>) -> Answer {
    // Entra ID (no bearer, no api-version).
    if r.seg_is(&["*", "oauth2", "v2.0", "token"]) {
        return if r.method == Method::POST {
            token(s, r)
        } else {
            Answer::json(
                StatusCode::METHOD_NOT_ALLOWED,
                json!({ "error": "invalid_request", "error_description": "AADSTS900561: The endpoint only accepts POST requests." }),
            )
        };
    }
    if r.seg_is(&["*", "v2.0", ".well-known", "openid-configuration"]) {
        return openid_configuration(s, &r.seg[0]);
    }
    if r.seg_is(&["common", "discovery", "instance"]) {
        return discovery_instance(s);
    }

    // ARM.
    let authorized = r.bearer.is_some_and(|t| lock(&s.tokens).contains(t));
    if !authorized {
        let message = if r.bearer.is_none() {
            "Authentication failed. The 'Authorization' header is missing or not a bearer token."
        } else {
            "The access token is invalid."
        };
        return Answer::arm_error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)
            .header(
                header::WWW_AUTHENTICATE,
                format!(
                    "Bearer authorization_uri=\"{}{}\", error=\"invalid_token\", error_description=\"{message}\"",
                    s.base, s.cfg.tenant_id
                ),
            );
    }
    let Some(api_version) = r.param("api-version") else {
        return Answer::arm_error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    };
    if r.method != Method::GET {
        return Answer::arm_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("The fake ARM server only serves GET, not {}.", r.method),
        );
    }
    if r.seg_is(&["subscriptions"]) {
        if let Some(a) = check_api_version(&api_version, "2022-12-01") {
            return a;
        }
        if let Some(a) = throttle(s, r) {
            return a;
        }
        let items: Vec<Value> = s
            .estate
            .subscriptions
            .iter()
            .map(|x| x.item.clone())
            .collect();
        return page(s, r, &items, None);
    }
    if r.seg.len() < 2 || r.seg[0] != "subscriptions" {
        return invalid_resource_type(r);
    }
    let sub_id = r.seg[1].clone();
    {
        let f = lock(&s.faults);
        if f.forbidden.contains(&sub_id) {
            return Answer::arm_error(
                StatusCode::FORBIDDEN,
                "AuthorizationFailed",
                format!(
                    "The client '{}' with object id '{}' does not have authorization to perform action '{}' over scope '/subscriptions/{sub_id}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
                    s.cfg.client_id,
                    s.cfg.client_id,
                    action_of(r)
                ),
            );
        }
        if f.not_found.contains(&sub_id) {
            return subscription_not_found(&sub_id);
        }
    }
    let Some(sub) = s.estate.subscription(&sub_id) else {
        return subscription_not_found(&sub_id);
    };
    let rest = &r.seg[2..];
    let rest_is =
        |e: &[&str]| rest.len() == e.len() && rest.iter().zip(e).all(|(a, b)| *b == "*" || a == b);
    if rest_is(&["resourcegroups"]) {
        if let Some(a) =
            check_api_version(&api_version, Collection::ResourceGroups.min_api_version())
        {
            return a;
        }
        if let Some(a) = throttle(s, r) {
            return a;
        }
        let items = sub
            .collections
            .get(&Collection::ResourceGroups)
            .cloned()
            .unwrap_or_default();
        return page(s, r, &items, Some(Collection::ResourceGroups));
    }
    if rest_is(&["providers", "*", "*"]) {
        let Some(c) = Collection::from_provider_path(&rest[1], &rest[2]) else {
            return invalid_resource_type(r);
        };
        if let Some(a) = check_api_version(&api_version, c.min_api_version()) {
            return a;
        }
        if let Some(a) = throttle(s, r) {
            return a;
        }
        let mut items = sub.collections.get(&c).cloned().unwrap_or_default();
        if c == Collection::VirtualMachines {
            let status_only = r
                .param("statusOnly")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let expand = r
                .param("$expand")
                .is_some_and(|v| v.eq_ignore_ascii_case("instanceView"));
            if status_only || expand {
                for vm in &mut items {
                    let id = vm["id"].as_str().unwrap_or_default().to_ascii_lowercase();
                    if let Some(view) = sub.instance_views.get(&id) {
                        vm["properties"]["instanceView"] = if status_only {
                            json!({ "statuses": view["statuses"].clone() })
                        } else {
                            view.clone()
                        };
                    }
                }
            }
        }
        return page(s, r, &items, Some(c));
    }
    if rest_is(&[
        "resourcegroups",
        "*",
        "providers",
        "microsoft.compute",
        "virtualmachines",
        "*",
        "instanceview",
    ]) {
        if let Some(a) =
            check_api_version(&api_version, Collection::VirtualMachines.min_api_version())
        {
            return a;
        }
        let vm_id = format!("/{}", r.seg[..r.seg.len() - 1].join("/"));
        return match sub.instance_views.get(&vm_id) {
            Some(v) => Answer::ok(v.clone()),
            None => resource_not_found(r, "Microsoft.Compute/virtualMachines", &rest[5]),
        };
    }
    if rest_is(&[
        "resourcegroups",
        "*",
        "providers",
        "microsoft.sql",
        "servers",
        "*",
        "firewallrules",
    ]) {
        if let Some(a) = check_api_version(&api_version, Collection::SqlServers.min_api_version()) {
            return a;
        }
        let server_id = format!("/{}", r.seg[..r.seg.len() - 1].join("/"));
        let Some(rules) = sub.firewall_rules.get(&server_id) else {
            return resource_not_found(r, "Microsoft.Sql/servers", &rest[5]);
        };
        if let Some(a) = throttle(s, r) {
            return a;
        }
        return page(s, r, rules, None);
    }
    invalid_resource_type(r)
}

/// `YYYY-MM-DD[-preview]` at least `min` (dates compare as strings).
fn check_api_version(v: &str, min: &str) -> Option<Answer> {
    let date = v.get(..10).unwrap_or("");
    let well_formed = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    (!well_formed || date < min).then(|| {
        Answer::arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{}' is invalid. The supported versions are '{min}' and later.",
                v.chars().take(40).collect::<String>()
            ),
        )
    })
}

fn action_of(r: &Req<'_>) -> String {
    let providers = r.seg.iter().position(|s| s == "providers");
    match providers {
        Some(p) if r.seg.len() > p + 2 => format!("{}/{}/read", r.seg[p + 1], r.seg[p + 2]),
        _ if r.seg.get(2).is_some_and(|s| s == "resourcegroups") => {
            "Microsoft.Resources/subscriptions/resourceGroups/read".to_string()
        }
        _ => "Microsoft.Resources/subscriptions/read".to_string(),
    }
}

fn subscription_not_found(sub: &str) -> Answer {
    Answer::arm_error(
        StatusCode::NOT_FOUND,
        "SubscriptionNotFound",
        format!("The subscription '{sub}' could not be found."),
    )
}

fn invalid_resource_type(r: &Req<'_>) -> Answer {
    Answer::arm_error(
        StatusCode::NOT_FOUND,
        "InvalidResourceType",
        format!(
            "The resource type could not be found for the path '{}'.",
            r.path.chars().take(300).collect::<String>()
        ),
    )
}

fn resource_not_found(r: &Req<'_>, ty: &str, name: &str) -> Answer {
    let rg = r.seg.get(3).cloned().unwrap_or_default();
    Answer::arm_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!("The Resource '{ty}/{name}' under resource group '{rg}' was not found."),
    )
}

/// A 429 on the configured fraction of list calls, never twice in a row for one request.
fn throttle(s: &Shared, r: &Req<'_>) -> Option<Answer> {
    let key = format!("{}?{}", r.seg.join("/"), r.query.unwrap_or(""));
    let mut f = lock(&s.faults);
    if f.last_throttled.remove(&key) {
        return None;
    }
    let fraction = f.throttle_fraction;
    if fraction > 0.0 && fastrand::f64() < fraction {
        f.last_throttled.insert(key);
        return Some(
            Answer::arm_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "The request is being throttled as the limit has been reached for operation type - Read. Please retry after 1 second.",
            )
            .header(header::RETRY_AFTER, "1"),
        );
    }
    None
}

/// One page of `items`: `$skiptoken` is the offset; `nextLink` keeps the other query
/// parameters as the client sent them.
fn page(s: &Shared, r: &Req<'_>, items: &[Value], c: Option<Collection>) -> Answer {
    let skip = match r.param("$skiptoken") {
        None => 0,
        Some(t) => match t.parse::<usize>() {
            Ok(n) => n,
            Err(_) => {
                return Answer::arm_error(
                    StatusCode::BAD_REQUEST,
                    "InvalidSkipToken",
                    "The $skiptoken is invalid.",
                )
            }
        },
    };
    let size = s.cfg.page_size.max(1);
    let end = skip.saturating_add(size).min(items.len());
    let value: Vec<Value> = items
        .get(skip..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut body = json!({ "value": value });
    let mut query: Vec<&str> = r
        .query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let name = p.split('=').next().unwrap_or("");
            !name.eq_ignore_ascii_case("$skiptoken") && !name.eq_ignore_ascii_case("%24skiptoken")
        })
        .collect();
    let next = format!("$skiptoken={end}");
    query.push(&next);
    let foreign = c == Some(Collection::Disks) && skip == 0 && lock(&s.faults).foreign_next_link;
    if foreign {
        body["nextLink"] = json!(format!(
            "https://evil.example.invalid{}?{}",
            r.path,
            query.join("&")
        ));
    } else if end < items.len() {
        let base = s.base.as_str().trim_end_matches('/');
        body["nextLink"] = json!(format!("{base}{}?{}", r.path, query.join("&")));
    }
    Answer::ok(body)
}

fn aad_error(status: StatusCode, error: &str, code: u32, description: &str) -> Answer {
    Answer::json(
        status,
        json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description} Trace ID: {} Correlation ID: {} Timestamp: {}",
                random_hex(16), random_hex(16), chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ")),
            "error_codes": [code],
            "timestamp": chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string(),
            "trace_id": random_hex(16),
            "correlation_id": random_hex(16)
        }),
    )
}

fn token(s: &Shared, r: &Req<'_>) -> Answer {
    let tenant = &r.seg[0];
    if !tenant.eq_ignore_ascii_case(&s.cfg.tenant_id) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
                tenant.chars().take(64).collect::<String>()
            ),
        );
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(r.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("grant_type") != Some("client_credentials") {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if get("client_id") != Some(s.cfg.client_id.as_str()) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            "Application with identifier was not found in the directory.",
        );
    }
    if get("client_secret") != Some(s.cfg.client_secret.as_str()) {
        return aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.",
        );
    }
    let base = s.base.as_str().trim_end_matches('/');
    let scopes_ok = [
        "https://management.azure.com/.default".to_string(),
        "https://management.azure.com//.default".to_string(),
        "https://management.core.windows.net//.default".to_string(),
        format!("{base}/.default"),
        format!("{base}//.default"),
    ];
    let scope = get("scope").unwrap_or("");
    if !scope
        .split(' ')
        .filter(|x| !x.is_empty())
        .any(|x| scopes_ok.iter().any(|ok| ok.eq_ignore_ascii_case(x)))
    {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
        );
    }
    let access_token = format!("fake-arm.{}", random_hex(32));
    lock(&s.tokens).insert(access_token.clone());
    Answer::ok(json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access_token
    }))
}

fn openid_configuration(s: &Shared, tenant: &str) -> Answer {
    let base = s.base.as_str().trim_end_matches('/');
    Answer::ok(json!({
        "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{tenant}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{tenant}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com"
    }))
}

fn discovery_instance(s: &Shared) -> Answer {
    let base = s.base.as_str().trim_end_matches('/');
    let host = s
        .base
        .host_str()
        .map(|h| match s.base.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_string(),
        })
        .unwrap_or_default();
    Answer::ok(json!({
        "tenant_discovery_endpoint": format!("{base}/{}/v2.0/.well-known/openid-configuration", s.cfg.tenant_id),
        "api-version": "1.1",
        "metadata": [{
            "preferred_network": host,
            "preferred_cache": host,
            "aliases": [host]
        }]
    }))
}
