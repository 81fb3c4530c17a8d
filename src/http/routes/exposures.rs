//! Internet exposure of a connection's resources: every resource reachable from the internet,
//! with its explained path and the permissions open end to end.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use skywarden_graph::topology::{self, Hop, OpenIngress};
use skywarden_graph::ResourceKind;
use skywarden_store::Role;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, Principal};
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_exposures))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExposureQuery {
    /// Only resources reachable on this TCP port from `0.0.0.0/0`.
    pub port: Option<u16>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExposureView {
    pub resource_id: String,
    #[schema(value_type = String)]
    pub kind: ResourceKind,
    pub name: Option<String>,
    pub public_ip: String,
    /// Internet gateway -> route table -> subnet -> network ACL -> security group ->
    /// network interface -> resource.
    #[schema(value_type = Vec<Object>)]
    pub path: Vec<Hop>,
    /// World-open permissions narrowed to what is open end to end.
    #[schema(value_type = Vec<Object>)]
    pub open_ingress: Vec<OpenIngress>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExposureList {
    pub exposures: Vec<ExposureView>,
}

/// Every resource of the connection reachable from the internet, from its latest inventory.
#[utoipa::path(get, path = "/connections/{id}/exposures", tag = "inventory", security(("token" = [])),
    params(("id" = String, Path, description = "connection id"), ExposureQuery),
    responses((status = 200, body = ExposureList), (status = 404, body = ErrorBody),
        (status = 400, body = ErrorBody)))]
async fn list_exposures(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExposureQuery>,
) -> ApiResult<axum::Json<ExposureList>> {
    p.require(Role::Viewer)?;
    let c = state.owned_connection(&p, &id).await?;
    let inv = state.inventory(&c.id).await?;
    let exposures = topology::exposures(&inv)
        .into_iter()
        .filter(|e| {
            q.port.is_none_or(|port| {
                e.open_ingress
                    .iter()
                    .any(|o| o.source == skywarden_graph::model::WORLD_IPV4 && o.covers_tcp_port(port))
            })
        })
        .filter_map(|e| {
            let r = inv.get(&e.resource)?;
            Some(ExposureView {
                resource_id: r.id.to_string(),
                kind: r.kind(),
                name: r.name.clone(),
                public_ip: e.public_ip.clone(),
                path: e.full_path(&inv),
                open_ingress: e.open_ingress,
            })
        })
        .collect();
    Ok(axum::Json(ExposureList { exposures }))
}
