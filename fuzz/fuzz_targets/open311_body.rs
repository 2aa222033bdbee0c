//! Open311 POST bodies: form-urlencoded, multipart (the boundary `B`) and JSON, read exactly as
//! `POST requests` reads them. The first byte picks the content type; with 3 the content type
//! itself is the first line of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((kind, rest)) = data.split_first() else {
        return;
    };
    let (content_type, body) = match kind % 4 {
        0 => ("application/x-www-form-urlencoded".to_string(), rest),
        1 => ("application/json".to_string(), rest),
        2 => ("multipart/form-data; boundary=B".to_string(), rest),
        _ => {
            let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
            let Ok(ct) = std::str::from_utf8(&rest[..end]) else {
                return;
            };
            (ct.to_string(), rest.get(end + 1..).unwrap_or_default())
        }
    };
    let _ = runtime().block_on(cases::open311::parse::body(
        &content_type,
        "api_key=k",
        body.to_vec(),
    ));
});
