//! Topology export of a connection, or of the neighbourhood of one resource: JSON
//! nodes/edges, Graphviz DOT or Mermaid.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use skywarden_graph::{GraphView, ResourceId};
use skywarden_store::Role;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery, Principal};
use crate::http::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(graph))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GraphQuery {
    /// `json` (default), `dot` or `mermaid`.
    pub format: Option<String>,
    /// Only the neighbourhood of this resource id.
    pub around: Option<String>,
    /// Edges from `around` (default 2, at most 6).
    pub depth: Option<usize>,
}

/// The connection's topology (or a resource's neighbourhood).
#[utoipa::path(get, path = "/connections/{id}/graph", tag = "inventory", security(("token" = [])),
    params(("id" = String, Path, description = "connection id"), GraphQuery),
    responses((status = 200, description = "JSON {nodes, edges}, text/vnd.graphviz or text/vnd.mermaid"),
        (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn graph(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<GraphQuery>,
) -> ApiResult<Response> {
    p.require(Role::Viewer)?;
    let c = state.owned_connection(&p, &id).await?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "dot" | "mermaid") {
        return Err(ApiError::bad_request(
            "format: expected json, dot or mermaid",
        ));
    }
    let depth = q.depth.unwrap_or(2);
    if depth > 6 {
        return Err(ApiError::bad_request("depth must be at most 6"));
    }
    let inv = state.inventory(&c.id).await?;
    let view = match &q.around {
        Some(r) => {
            let rid: ResourceId = r
                .parse()
                .map_err(|_| ApiError::not_found("resource", r))?;
            GraphView::neighbourhood(&inv, &rid, depth)
                .ok_or_else(|| ApiError::not_found("resource", r))?
        }
        None => GraphView::of_inventory(&inv),
    };
    Ok(match format {
        "dot" => (
            [(header::CONTENT_TYPE, "text/vnd.graphviz; charset=utf-8")],
            view.to_dot(),
        )
            .into_response(),
        "mermaid" => (
            [(header::CONTENT_TYPE, "text/vnd.mermaid; charset=utf-8")],
            view.to_mermaid(),
        )
            .into_response(),
        _ => axum::Json(view).into_response(),
    })
}
