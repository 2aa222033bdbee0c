//! The simulator's register of fictional people, keyed by national ID. Every ID passes the
//! national ID checksum; the names, dates and addresses are made up (the addresses are shaped
//! like real Taipei ones). A record carries more than an SP needs (parents, marital status),
//! as the real household-registration dataset does: the SP keeps only what its purpose needs.

use serde::{Deserialize, Serialize};

/// One person's household-registration record (戶籍資料), as packaged in the data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// 身分證統一編號, e.g. `A123456789`.
    pub national_id: String,
    /// 姓名.
    pub name: String,
    /// 出生日期, ISO 8601 (`1980-05-17`).
    pub birth_date: String,
    /// 性別: `M` or `F`.
    pub sex: String,
    /// 戶籍地址.
    pub registered_address: String,
    /// 戶長: the name of the household's head.
    pub household_head: String,
    /// 稱謂: the relationship to the head (`戶長` for the head).
    pub relationship_to_head: String,
    /// 父姓名.
    pub father_name: String,
    /// 母姓名.
    pub mother_name: String,
    /// 婚姻狀況: `未婚`, `已婚`, `離婚` or `喪偶`.
    pub marital_status: String,
    /// 配偶姓名, empty when there is none.
    pub spouse_name: String,
}

/// Four fictional people in two Taipei households: the Wangs of Da'an (a head, his spouse and
/// their son) and Lin Shu-fen of Zhongshan.
pub fn demo_people() -> Vec<Person> {
    let wang = "臺北市大安區錦安里12鄰和平東路一段162號3樓";
    let person = |id: &str,
                  name: &str,
                  birth: &str,
                  sex: &str,
                  address: &str,
                  (head, relation): (&str, &str),
                  (father, mother): (&str, &str),
                  (marital, spouse): (&str, &str)| Person {
        national_id: id.into(),
        name: name.into(),
        birth_date: birth.into(),
        sex: sex.into(),
        registered_address: address.into(),
        household_head: head.into(),
        relationship_to_head: relation.into(),
        father_name: father.into(),
        mother_name: mother.into(),
        marital_status: marital.into(),
        spouse_name: spouse.into(),
    };
    vec![
        person(
            "A123456789",
            "王大明",
            "1980-05-17",
            "M",
            wang,
            ("王大明", "戶長"),
            ("王建國", "李秀英"),
            ("已婚", "陳美玲"),
        ),
        person(
            "A223456781",
            "陳美玲",
            "1982-11-02",
            "F",
            wang,
            ("王大明", "配偶"),
            ("陳志明", "張淑惠"),
            ("已婚", "王大明"),
        ),
        person(
            "A128765434",
            "王小明",
            "2010-08-25",
            "M",
            wang,
            ("王大明", "長子"),
            ("王大明", "陳美玲"),
            ("未婚", ""),
        ),
        person(
            "F213579245",
            "林淑芬",
            "1975-02-28",
            "F",
            "臺北市中山區中山里5鄰南京東路二段100號7樓",
            ("林淑芬", "戶長"),
            ("林正雄", "黃玉蘭"),
            ("離婚", ""),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_id_passes_the_checksum_and_is_unique() {
        let people = demo_people();
        for p in &people {
            assert!(
                domain::identity::NationalId::parse(&p.national_id).is_ok(),
                "{}",
                p.national_id
            );
            assert!(
                time::Date::parse(
                    &p.birth_date,
                    time::macros::format_description!("[year]-[month]-[day]")
                )
                .is_ok()
            );
        }
        let mut ids: Vec<_> = people.iter().map(|p| &p.national_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), people.len());
    }
}
