//! The row parsers of Taipei's published 1999 data (`cases::domain::open_data`): every line of the input
//! is a record, its fields separated by `,` (the importer's CSV reader has unquoted them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use cases::domain::open_data::{self, Context};

fn context() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| Context {
        districts: [
            ("100", "中正區"),
            ("103", "大同區"),
            ("104", "中山區"),
            ("105", "松山區"),
            ("106", "大安區"),
            ("108", "萬華區"),
            ("110", "信義區"),
            ("111", "士林區"),
            ("112", "北投區"),
            ("114", "內湖區"),
            ("115", "南港區"),
            ("116", "文山區"),
        ]
        .iter()
        .map(|(c, n)| (c.to_string(), n.to_string()))
        .collect(),
        categories: [("1999-L01", "路燈故障"), ("1999-R01", "道路坑洞")]
            .iter()
            .map(|(c, n)| (c.to_string(), n.to_string()))
            .collect(),
        utc_offset_minutes: 480,
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ctx = context();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        let _ = open_data::is_header(&fields, &["case_id", "category", "address", "date", "time"]);
        if let Ok(row) = open_data::parse_dispatch(&fields, ctx) {
            assert_eq!(row.local_date.len(), 8, "{line:?}");
        }
        if let Ok(row) = open_data::parse_streetlight(&fields, ctx) {
            assert_eq!(row.local_date.len(), 8, "{line:?}");
        }
        let _ = open_data::parse_yyyymmdd(line);
        let _ = open_data::parse_hhmmss(line);
        let _ = open_data::parse_iso_local(line);
        let _ = open_data::dispatch_category(line, &ctx.categories);
    }
});
