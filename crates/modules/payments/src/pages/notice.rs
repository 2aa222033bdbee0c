//! ECPay's server notice (`ReturnURL`): form fields in, exactly `1|OK` out when taken.

use crate::app::notices::NoticeAnswer;
use crate::app::online::ECPAY_NOTICE_PATH;
use crate::module::PaymentsState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

pub fn routes() -> Router<PaymentsState> {
    Router::new().route(ECPAY_NOTICE_PATH, post(ecpay_notice))
}

fn text(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn ecpay_notice(State(state): State<PaymentsState>, body: Bytes) -> Response {
    match state.module.ecpay_notice(&body).await {
        Ok(NoticeAnswer::Taken) => text(StatusCode::OK, crate::domain::ecpay::NOTICE_ANSWER.into()),
        Ok(NoticeAnswer::Refused(why)) => text(StatusCode::BAD_REQUEST, format!("0|{why}")),
        Err(e) => {
            tracing::error!(error = %e, "an ECPay notice could not be taken");
            text(StatusCode::SERVICE_UNAVAILABLE, "0|retry".into())
        }
    }
}
