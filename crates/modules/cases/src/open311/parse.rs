//! The Open311 parsers as pure functions of their input, for the fuzz targets in `fuzz/`
//! (`cargo fuzz`) and for tests. Whatever the bytes, each must answer; a panic is a bug.
//! They run exactly the code the handlers run, without the database.

use super::params::Params;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, header};

/// A path after `/open311/v2/`: whether it names a resource.
pub fn path(rest: &str) -> bool {
    super::parse_path(rest).is_ok()
}

/// A query string as `GET requests` and `GET servicerequestupdates` read it: the parameters,
/// the search built from them (with `now` as the current time) and the updates' window.
/// `Err` holds the refusal the client would get.
pub fn query(text: &str, now: i64) -> Result<(), String> {
    let params = Params::from_urlencoded(text).map_err(describe)?;
    read_like_a_handler(&params);
    super::params::updates_window(&params, now).map_err(describe)?;
    super::params::search(&params, now)
        .map(|_| ())
        .map_err(describe)
}

/// A `POST requests` body of `content_type` (form-urlencoded, multipart or JSON), with an
/// optional query string, read as the handler reads it.
pub async fn body(content_type: &str, query: &str, body: Vec<u8>) -> Result<(), String> {
    let uri = if query.is_empty() {
        "/open311/v2/requests.json".to_string()
    } else {
        format!("/open311/v2/requests.json?{query}")
    };
    let request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .map_err(|e| format!("not an HTTP request: {e}"))?;
    let query = Params::from_urlencoded(query).map_err(describe)?;
    let params = Params::from_body(request, query, super::params::Files::Discard)
        .await
        .map_err(describe)?;
    read_like_a_handler(&params);
    Ok(())
}

/// Every accessor the resources use.
fn read_like_a_handler(p: &Params) {
    let _ = p.attributes();
    let _ = p.list("service_request_id");
    let _ = p.all("media_url");
    let _ = p.owned("description");
    let _ = p.get("locale").and_then(domain::Locale::from_tag);
    let _ = domain::geo::Point::parse_pair(p.get("lat"), p.get("long"));
}

fn describe(e: super::ApiError) -> String {
    format!("{e:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_for_good_and_bad_input() {
        let now = 1_795_000_000;
        assert!(query("service_code=1999-L01&status=open,closed&page_size=10", now).is_ok());
        assert!(
            query(
                "start_date=2026-11-01T00:00:00Z&end_date=2026-11-02T00:00:00Z",
                now
            )
            .is_ok()
        );
        assert!(query("page=0", now).is_err());
        assert!(query("description=%FF", now).is_err());
        assert!(path("/taipei.gov.tw/requests/2026112400001.json"));
        assert!(!path("/requests"));
    }

    #[tokio::test]
    async fn bodies_of_every_content_type() {
        assert!(
            body(
                "application/x-www-form-urlencoded",
                "",
                b"a=1&attribute[x]=2".to_vec()
            )
            .await
            .is_ok()
        );
        assert!(
            body(
                "application/json",
                "api_key=k",
                br#"{"attribute":{"x":[1,2]}}"#.to_vec()
            )
            .await
            .is_ok()
        );
        let multipart = b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B--\r\n";
        assert!(
            body("multipart/form-data; boundary=B", "", multipart.to_vec())
                .await
                .is_ok()
        );
        assert!(body("text/plain", "", Vec::new()).await.is_err());
    }
}
