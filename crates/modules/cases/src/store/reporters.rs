//! What reporters told us about themselves, read for one purpose only: to find and mask it
//! when it turns up in the public text of their own case ("我是王小明", a note that names the
//! caller). Never returned to any route.

use sea_query::{Expr, ExprTrait, Query};
use std::collections::HashMap;
use store::{Db, StoreError};

/// Per case number, the names, e-mail addresses, phone numbers, device ids and client
/// references of its reporters, as given (empty values left out).
pub async fn identifiers(
    db: &Db,
    jurisdiction_id: &str,
    case_numbers: &[String],
) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if case_numbers.is_empty() {
        return Ok(out);
    }
    const FIELDS: [&str; 6] = [
        "email",
        "phone",
        "first_name",
        "last_name",
        "device_id",
        "client_reference",
    ];
    let mut q = Query::select();
    q.column(("cases", "case_number"));
    for field in FIELDS {
        q.column(("case_reporters", field));
    }
    q.from("case_reporters")
        .inner_join(
            "cases",
            Expr::col(("cases", "id")).equals(("case_reporters", "case_id")),
        )
        .and_where(Expr::col(("cases", "jurisdiction_id")).eq(jurisdiction_id))
        .and_where(Expr::col(("cases", "case_number")).is_in(case_numbers.iter().cloned()));
    for row in db.fetch_all(&q).await? {
        let number: String = row.get("case_number")?;
        let known = out.entry(number).or_default();
        for field in FIELDS {
            let Some(value) = row.get::<Option<String>>(field)? else {
                continue;
            };
            // A client reference is `{api_client_id}:{the client's own id}`.
            let value = match field {
                "client_reference" => value.split_once(':').map_or("", |(_, id)| id),
                _ => value.as_str(),
            };
            if !value.trim().is_empty() {
                known.push(value.trim().to_string());
            }
        }
        // "Last name first name", as the name is written in Chinese.
        let last: Option<String> = row.get("last_name")?;
        let first: Option<String> = row.get("first_name")?;
        if let (Some(last), Some(first)) = (last, first) {
            known.push(format!("{}{}", last.trim(), first.trim()));
            known.push(format!("{} {}", first.trim(), last.trim()));
        }
    }
    Ok(out)
}
