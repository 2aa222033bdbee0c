//! The reference data of a jurisdiction: who it is, its departments and utilities, its
//! districts and its categories of service.

use crate::category::{AttributeDef, ServiceType, Urgency};
use crate::enums::string_enum;
use crate::geo::{BoundingBox, Point};
use crate::locale::Localized;
use serde::{Deserialize, Serialize};

/// A tenant: one city or county. Its id is the Open311 `jurisdiction_id`, by convention the
/// city's web domain (`taipei.gov.tw`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jurisdiction {
    pub id: String,
    pub name: Localized,
    /// IANA name, shown to people.
    pub timezone: String,
    /// Offset used for local dates (case numbers, calendars). Taiwan has kept UTC+8 without
    /// daylight saving since 1979; a zone with DST would need a tz database here.
    pub utc_offset_minutes: i32,
    /// Where people can ask about the API (Open311 discovery `contact`).
    pub contact: String,
    /// How a developer obtains an API key (Open311 discovery `key_service`).
    pub key_service: String,
    /// The area the jurisdiction serves; `services?lat&long` outside it lists nothing.
    pub bounds: Option<BoundingBox>,
}

impl Jurisdiction {
    pub fn covers(&self, point: Point) -> bool {
        self.bounds.is_none_or(|b| b.contains(point))
    }
}

string_enum! {
    /// City bureaus, district offices, and external utility companies (power, water, gas,
    /// telecom) that receive cases but are not part of the city government.
    DepartmentKind { City = "city", DistrictOffice = "district_office", Utility = "utility" }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Department {
    pub code: String,
    pub name: Localized,
    pub kind: DepartmentKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct District {
    /// Postal code, e.g. `106` for 大安區.
    pub code: String,
    pub name: Localized,
}

/// A category of case, offered to Open311 clients as a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name: Localized,
    pub group: Localized,
    pub description: Localized,
    /// Comma-separated tags (Open311 `keywords`).
    pub keywords: String,
    pub department_code: String,
    pub urgency: Urgency,
    pub service_type: ServiceType,
    pub attributes: Vec<AttributeDef>,
    pub active: bool,
    pub sort_order: i64,
}

/// The categories of requests a person makes about their own personal data (PDPA arts. 10,
/// 11): filed only by that person, signed in, from "my data"; never listed among the services.
pub const DATA_REQUEST_CATEGORIES: [&str; 2] = ["PDPA-01", "PDPA-02"];

impl Category {
    /// Whether this is a request about one's own personal data ([`DATA_REQUEST_CATEGORIES`]).
    pub fn is_data_request(&self) -> bool {
        DATA_REQUEST_CATEGORIES.contains(&self.code.as_str())
    }

    /// Open311 `metadata`: whether the client must fetch the service definition.
    pub fn has_metadata(&self) -> bool {
        !self.attributes.is_empty()
    }
}
