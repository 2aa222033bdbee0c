//! The demo: the built-in reference data, a fresh API key per start, and realistic sample
//! cases filed and progressed through the same functions as real ones.

mod answers;
mod city;

pub use city::{CitySample, CitySeeded, LIVE_DAYS};

use crate::api_keys::CreatedKey;
use crate::domain::lifecycle::{Action, Outcome};
use crate::intake::{Channel, Filer, NewReport};
use crate::{CasesApp, Result};
use domain::actor::ActorRef;

const DEMO_KEY_NAME: &str = "demo";

struct Sample {
    service: &'static str,
    address: &'static str,
    point: Option<(f64, f64)>,
    description: &'static str,
    attributes: &'static [(&'static str, &'static [&'static str])],
    progress: &'static [Action],
    outcome: Option<Outcome>,
}

const TAIPEI: &[Sample] = &[
    Sample {
        service: "1999-L01",
        address: "臺北市大安區復興南路一段與仁愛路口",
        point: Some((25.0377, 121.5436)),
        description: "路口兩盞路燈整晚不亮，行人過馬路看不清楚。",
        attributes: &[("lamps_out", &["2"]), ("fault", &["dark"])],
        progress: &[],
        outcome: None,
    },
    Sample {
        service: "1999-R01",
        address: "臺北市信義區松仁路與松壽路口",
        point: Some((25.0360, 121.5680)),
        description: "機車道有一個大坑洞，下雨積水看不到，已經有人差點摔車。",
        attributes: &[("size", &["medium"]), ("lane", &["scooter"])],
        progress: &[Action::Acknowledge, Action::Start],
        outcome: None,
    },
    Sample {
        service: "1999-N01",
        address: "臺北市中山區南京東路二段",
        point: Some((25.0521, 121.5330)),
        description: "工地晚上十點後仍在施工，敲打聲很大。",
        attributes: &[("source", &["construction"]), ("ongoing", &["yes"])],
        progress: &[Action::Acknowledge],
        outcome: None,
    },
    Sample {
        service: "1999-W01",
        address: "臺北市文山區興隆路三段",
        point: None,
        description: "舊沙發一組、床墊一張，放在一樓門口。",
        attributes: &[("items", &["三人座沙發一組、雙人床墊一張"])],
        progress: &[Action::Acknowledge, Action::Start, Action::Resolve],
        outcome: Some(Outcome::Fixed),
    },
    Sample {
        service: "1999-T01",
        address: "臺北市中正區羅斯福路一段與南昌路口",
        point: Some((25.0300, 121.5180)),
        description: "紅綠燈全暗，車輛互不相讓。",
        attributes: &[("signal_state", &["dark"])],
        progress: &[
            Action::Acknowledge,
            Action::Arrive,
            Action::Resolve,
            Action::Close,
        ],
        outcome: Some(Outcome::Fixed),
    },
    Sample {
        service: "1999-G01",
        address: "臺北市士林區中山北路五段",
        point: Some((25.0930, 121.5250)),
        description: "行道樹嚴重傾斜，靠在機車上，怕颱風來會倒。",
        attributes: &[("state", &["leaning"])],
        progress: &[],
        outcome: None,
    },
    Sample {
        service: "1999-U01",
        address: "臺北市萬華區西園路一段",
        point: Some((25.0350, 121.4980)),
        description: "人行道地面一直冒水，已經兩天了。",
        attributes: &[("where", &["sidewalk"])],
        progress: &[Action::Acknowledge],
        outcome: None,
    },
    Sample {
        service: "1999-A01",
        address: "臺北市北投區光明路",
        point: Some((25.1370, 121.5030)),
        description: "一隻受傷的貓躲在路邊車底，後腳不能走。",
        attributes: &[("animal", &["cat"])],
        progress: &[Action::Acknowledge, Action::Start, Action::Resolve],
        outcome: Some(Outcome::Fixed),
    },
    Sample {
        service: "1999-F01",
        address: "臺北市內湖區成功路二段",
        point: Some((25.0710, 121.5920)),
        description: "大雨後路面積水很深，汽車經過會濺水到騎樓。",
        attributes: &[("depth_cm", &["20"])],
        progress: &[Action::Acknowledge, Action::Start, Action::Resolve],
        outcome: Some(Outcome::NoProblemFound),
    },
    Sample {
        service: "PET-05",
        address: "臺北市松山區",
        point: None,
        description: "建議在捷運站出口增設自行車停車架。",
        attributes: &[],
        progress: &[],
        outcome: None,
    },
];

const KAOHSIUNG: &[Sample] = &[Sample {
    service: "1999-02",
    address: "高雄市苓雅區四維三路",
    point: Some((22.6200, 120.3120)),
    description: "整排路燈閃爍。",
    attributes: &[],
    progress: &[],
    outcome: None,
}];

const NEW_TAIPEI: &[Sample] = &[Sample {
    service: "NT-04",
    address: "新北市板橋區文化路一段",
    point: Some((25.0140, 121.4660)),
    description: "巷口有人丟棄大量垃圾，已經發臭。",
    attributes: &[],
    progress: &[Action::Acknowledge],
    outcome: None,
}];

impl CasesApp {
    /// Loads the built-in reference sets.
    pub async fn seed_reference(&self) -> Result<usize> {
        let sets = crate::reference::builtin()?;
        for set in &sets {
            self.platform.load_reference(set).await?;
        }
        Ok(sets.len())
    }

    /// Files the sample cases of each demo jurisdiction that has no cases yet.
    pub async fn seed_sample_cases(&self) -> Result<usize> {
        let mut filed = 0;
        for (jid, samples) in [
            ("taipei.gov.tw", TAIPEI),
            ("kcg.gov.tw", KAOHSIUNG),
            ("ntpc.gov.tw", NEW_TAIPEI),
        ] {
            let j = self.platform.jurisdiction(jid).await?;
            if crate::store::cases::count(&self.db, jid).await? > 0 {
                continue;
            }
            for s in samples {
                let report = NewReport {
                    service_code: Some(s.service.into()),
                    lat: s.point.map(|p| p.0.to_string()),
                    long: s.point.map(|p| p.1.to_string()),
                    address: Some(s.address.into()),
                    description: Some(s.description.into()),
                    attributes: s
                        .attributes
                        .iter()
                        .map(|(c, v)| (c.to_string(), v.iter().map(|x| x.to_string()).collect()))
                        .collect(),
                    ..NewReport::default()
                };
                let case = self
                    .file_case(&j, &Filer::System, Channel::Phone, report)
                    .await?;
                for action in s.progress {
                    let outcome = (*action == Action::Resolve).then_some(s.outcome).flatten();
                    self.act_on_case(
                        &j,
                        &case.case_number,
                        *action,
                        &ActorRef::system("demo").to_string(),
                        None,
                        outcome,
                    )
                    .await?;
                }
                filed += 1;
            }
        }
        Ok(filed)
    }

    /// Revokes the previous demo key of the jurisdiction and issues a new one.
    pub async fn demo_api_key(&self, jurisdiction_id: &str) -> Result<CreatedKey> {
        let demo = crate::authz::Actor::system(jurisdiction_id, "civicdesk demo");
        self.identity
            .revoke_api_keys_named(&demo, DEMO_KEY_NAME)
            .await?;
        self.identity.create_api_key(&demo, DEMO_KEY_NAME).await
    }
}

/// The demo's staff: one of each everyday role in Taipei, and who answers requests about
/// personal data.
const DEMO_STAFF: &[(&str, &str, &str)] = &[
    ("admin", "系統管理員 王大明", "jurisdiction_admin"),
    ("agent", "話務專員 林小華", "agent"),
    ("dispatcher", "派工人員 陳志明", "dispatcher:PWD-PKS"),
    ("field", "外勤人員 張建國", "field_worker:PWD-PKS"),
    ("supervisor", "研考人員 黃美玲", "supervisor"),
    // The civil-service centre's counter: reviews online applications, loads the Smart Desk.
    ("clerk", "櫃台人員 劉淑惠", "counter_clerk"),
    // Answers citizens' requests about their personal data (PDPA-01/02, routed to RDEC).
    ("privacy", "個資窗口 李淑芬", "dispatcher:RDEC"),
    // The data protection officer: keeps the register of personal-data breaches.
    ("dpo", "個人資料保護長 吳志偉", "privacy_officer"),
];

impl CasesApp {
    /// Creates the demo staff accounts of a jurisdiction, or gives existing ones a new random
    /// password, and returns `(login, role, password)` to print. Passwords change at every start.
    pub async fn demo_staff(&self, jurisdiction_id: &str) -> Result<Vec<(String, String, String)>> {
        use crate::authz::{Actor, Grant, Role};
        let operator = Actor::system(jurisdiction_id, "civicdesk demo");
        let existing = self.identity.list_staff(&operator).await?;
        let mut out = Vec::new();
        for (login, name, role) in DEMO_STAFF {
            let password = match existing.iter().find(|s| s.login == *login) {
                Some(s) => {
                    self.identity
                        .reset_staff_password(&operator, &s.id, true)
                        .await?
                }
                None => {
                    let (role_name, scope) = role
                        .split_once(':')
                        .map_or((*role, None), |(r, s)| (r, Some(s)));
                    let role_value = Role::parse(role_name).ok_or_else(|| {
                        crate::ServiceError::Internal(format!("demo role {role_name}"))
                    })?;
                    let grant = Grant {
                        role: role_value,
                        scope: role_value.scope_kinds()[0],
                        scope_id: scope.unwrap_or(jurisdiction_id).to_string(),
                    };
                    let (_, generated) = self
                        .identity
                        .create_staff(
                            &operator,
                            crate::accounts::NewStaff {
                                login: (*login).into(),
                                display_name: (*name).into(),
                                email: None,
                                mobile: None,
                                locale: domain::Locale::ZhTw,
                                roles: vec![grant],
                                password: None,
                            },
                        )
                        .await?;
                    generated.unwrap_or_default()
                }
            };
            out.push(((*login).to_string(), (*role).to_string(), password));
        }
        Ok(out)
    }
}
