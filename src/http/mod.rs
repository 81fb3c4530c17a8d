//! The HTTP API (axum): `/v1` routes authorized by organization and role, `/healthz`,
//! `/readyz`, `/metrics` and `/openapi.json` (generated from the handlers by utoipa, so the
//! document and the routes cannot drift apart). One route group per file in `routes/`, one
//! registry line each in [`route_groups!`].

pub mod error;
pub mod extract;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;
use skywarden_graph::{ConnectionId, Inventory, InventoryBuilder, ScanId};
use skywarden_rules::RuleInfo;
use skywarden_store::{AuditEntry, ConnectionRecord, Store};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::keyring::KeyRing;
use crate::metrics::Metrics;
use crate::scans::ScanService;
use error::{ApiError, ApiResult, ErrorCode};
use extract::{AuthLimiter, Principal};

/// Route groups: `routes/<name>.rs`, each with `pub fn router() -> OpenApiRouter<AppState>`.
macro_rules! route_groups {
    ($($group:ident),* $(,)?) => {
        pub mod routes {
            $(pub mod $group;)*
        }
        fn v1_routes() -> OpenApiRouter<AppState> {
            OpenApiRouter::new()$(.merge(routes::$group::router()))*
        }
    };
}

route_groups!(
    organization,
    connections,
    scans,
    resources,
    graph,
    exposures,
    drift,
    findings,
    changes,
    baselines,
    suppressions,
    rules,
    tokens,
    audit,
);

mod system;

/// A built inventory and the finished scan it reflects.
type CachedInventory = (Option<ScanId>, Arc<Inventory>);

pub struct Inner {
    pub store: Store,
    pub config: Config,
    pub keys: Arc<KeyRing>,
    pub scans: Arc<ScanService>,
    pub metrics: Arc<Metrics>,
    pub auth_limiter: AuthLimiter,
    /// Metadata of every rule (built-in + packs), for the catalog and exports.
    pub rules: Vec<RuleInfo>,
    /// Built inventories by connection, valid while the connection's latest scan is the same.
    inventories: Mutex<HashMap<ConnectionId, CachedInventory>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        store: Store,
        config: Config,
        keys: Arc<KeyRing>,
        scans: Arc<ScanService>,
        metrics: Arc<Metrics>,
        rules: Vec<RuleInfo>,
    ) -> AppState {
        let auth_limiter = AuthLimiter::new(config.server.auth_failures_per_minute);
        AppState(Arc::new(Inner {
            store,
            config,
            keys,
            scans,
            metrics,
            auth_limiter,
            rules,
            inventories: Mutex::new(HashMap::new()),
        }))
    }

    /// The connection `id` if it belongs to the caller's organization; 404 otherwise (also
    /// when it exists in another organization: ids of other tenants are not confirmed).
    pub async fn owned_connection(&self, p: &Principal, id: &str) -> ApiResult<ConnectionRecord> {
        let parsed: ConnectionId = id
            .parse()
            .map_err(|_| ApiError::not_found("connection", id))?;
        match self.store.get_connection(&parsed).await? {
            Some(c) if c.org_id.as_ref() == Some(&p.org) => Ok(c),
            _ => Err(ApiError::not_found("connection", id)),
        }
    }

    /// Ids of every connection of the caller's organization.
    pub async fn org_connection_ids(&self, p: &Principal) -> ApiResult<Vec<ConnectionId>> {
        Ok(self
            .store
            .list_org_connections(&p.org)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect())
    }

    /// Appends to the audit log. A failure to record is logged, not returned: the write it
    /// describes has already happened.
    pub async fn audit(
        &self,
        p: &Principal,
        action: &str,
        target: &str,
        outcome: &str,
        detail: Value,
    ) {
        let e = AuditEntry {
            org_id: p.org.clone(),
            at: chrono::Utc::now(),
            actor: p.actor(),
            action: action.to_string(),
            target: target.to_string(),
            remote_addr: p.remote.clone(),
            outcome: outcome.to_string(),
            detail,
        };
        if let Err(err) = self.store.append_audit(&e).await {
            tracing::error!(action, target, error = %err, "could not write the audit log");
        }
    }

    /// The stored inventory of a connection as a graph, rebuilt only when a newer scan
    /// finished since the cached copy.
    pub async fn inventory(&self, conn: &ConnectionId) -> ApiResult<Arc<Inventory>> {
        let latest = self
            .store
            .list_scans(conn, 1)
            .await?
            .first()
            .map(|s| (s.id, s.finished_at.is_some()));
        let key = latest.map(|(id, finished)| if finished { Some(id) } else { None });
        let key = key.flatten();
        if let Some((k, inv)) = self
            .inventories
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(conn)
        {
            if *k == key && key.is_some() {
                return Ok(Arc::clone(inv));
            }
        }
        let resources = self.store.list_resources(conn).await?;
        let mut b = InventoryBuilder::new();
        b.extend(resources);
        let inv = Arc::new(b.build());
        let mut cache = self.inventories.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 64 {
            cache.clear();
        }
        cache.insert(conn.clone(), (key, Arc::clone(&inv)));
        Ok(inv)
    }

    pub fn forget_inventory(&self, conn: &ConnectionId) {
        self.inventories
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(conn);
    }

    /// Page size from a `limit` query parameter.
    pub fn page_limit(&self, asked: Option<u32>) -> ApiResult<u32> {
        let max = self.config.server.max_page_limit.max(1);
        match asked {
            None => Ok(self.config.server.page_limit.clamp(1, max)),
            Some(0) => Err(ApiError::bad_request("limit must be at least 1")),
            Some(n) if n > max => Err(ApiError::bad_request(format!(
                "limit must be at most {max}"
            ))),
            Some(n) => Ok(n),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Skywarden API",
        description = "Cloud-governance scanner daemon: connections, scans, inventory, topology, findings and exports. Every /v1 route needs `Authorization: Bearer <token>`; errors are `{code, message}`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    components(schemas(error::ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("swt_...")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(system::router())
        .nest("/v1", v1_routes())
        .split_for_parts()
}

/// The whole application: routes, OpenAPI document, body limit, metrics, JSON fallbacks.
pub fn app(state: AppState) -> Router {
    let (router, api) = parts();
    let api = Arc::new(api);
    let limit = state.config.server.max_body_bytes;
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let api = Arc::clone(&api);
                async move { axum::Json(api.as_ref().clone()) }
            }),
        )
        .fallback(|| async { ApiError::new(ErrorCode::NotFound, "no such route").into_response() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                ErrorCode::MethodNotAllowed,
                "method not allowed on this route",
            )
            .into_response()
        })
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Counts each request by matched route (never the raw path: ids would explode the labels).
async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    state
        .metrics
        .http_request(&method, &route, resp.status().as_u16());
    resp
}
