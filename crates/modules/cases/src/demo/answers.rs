//! The demo's knowledge base: starter answers to the calls 1999 hears most, in Chinese and in
//! English (one entry per language: an agent searches in the caller's). Only what is true of
//! every city's 1999 and of civicdesk itself, nothing a city must decide (fees, schedules).

use crate::knowledge::AnswerInput;
use crate::{CasesApp, Result};

/// (category, Chinese question, answer, keywords; English question, answer, keywords).
type Starter = (Option<&'static str>, [&'static str; 3], [&'static str; 3]);

const STARTERS: &[Starter] = &[
    (
        None,
        [
            "民眾詢問案件辦理進度",
            "請民眾提供案件編號，在頁首搜尋開啟案件，依時間軸說明目前的狀態、承辦機關與預定完成日期。民眾也可在「查詢案件」以案件編號與查詢密碼自行查詢，登入後可在「我的案件」看到自己的所有案件。",
            "進度,查詢,案件編號,密碼,我的案件",
        ],
        [
            "A caller asks how their case is going",
            "Ask for the case number and open the case from the search box at the top of the page: the timeline gives its state, the department working on it and the date it is due. Citizens can also follow it on \"Track a case\" with the case number and password, and, signed in, under \"My cases\".",
            "progress,status,track,case number,password",
        ],
    ),
    (
        None,
        [
            "遇到火災、瓦斯外洩、有人受傷或治安事件",
            "1999 不是緊急專線。請民眾立即撥打 119（火災、救護、瓦斯外洩）或 110（治安、交通事故），必要時協助轉接；事後如仍有需要市府處理的部分，再登錄案件。",
            "緊急,119,110,火災,瓦斯,受傷,車禍",
        ],
        [
            "A fire, a gas leak, someone hurt, or a crime",
            "1999 is not an emergency line. Tell the caller to call 119 now (fire, ambulance, gas leak) or 110 (police, traffic accidents), and transfer the call if needed; file a case afterwards only for what the city still has to do.",
            "emergency,119,110,fire,gas,injured,accident",
        ],
    ),
    (
        Some("1999-L01"),
        [
            "路燈不亮要提供什麼資訊",
            "請民眾提供燈桿上的 7 位數燈桿編號、不亮的盞數與地點（最近的門牌或路口）。10 盞以上同時不亮通常是供電問題，由台電處理。",
            "路燈,不亮,燈桿編號,閃爍",
        ],
        [
            "What to ask about a street light that is out",
            "Ask for the 7-digit number on the pole, how many lamps are out and where (the nearest address or junction). Ten or more lamps out together is usually a power supply fault, which Taipower handles.",
            "street light,lamp,pole number,flicker",
        ],
    ),
    (
        Some("1999-W01"),
        [
            "大型廢棄物（舊家具、床墊）怎麼清運",
            "登錄「大型廢棄物清運聯繫」案件，記下品項與數量、放置地點和聯絡電話，由清潔隊與民眾約定清運時間。請民眾在約定前不要先將物品放到路邊。",
            "大型廢棄物,家具,床墊,沙發,清運",
        ],
        [
            "Bulky waste (old furniture, mattresses)",
            "File a \"Bulky waste pickup\" case with the items and how many, where they are and a phone number: the cleaning team arranges a pickup time with the caller. Ask them not to put the items on the street before then.",
            "bulky waste,furniture,mattress,sofa,pickup",
        ],
    ),
    (
        Some("1999-N01"),
        [
            "噪音陳情",
            "請問清楚噪音來源（工地、店家、冷氣或設備）、地點、發生時段與是否仍在持續（正在發生請註明，以利環保單位安排稽查）。住戶間的生活噪音屬妨礙安寧，由警察機關處理，請選「妨礙安寧」類別。",
            "噪音,施工,冷氣,吵,妨礙安寧",
        ],
        [
            "Noise complaints",
            "Ask where the noise comes from (a building site, a shop, an air conditioner or machine), where, when, and whether it is going on now (say so: the inspectors can plan a visit). Noise between neighbours is disturbing the peace, which the police handle: choose \"Disturbing the peace\".",
            "noise,construction,air conditioner,loud,disturbing the peace",
        ],
    ),
    (
        Some("1999-A01"),
        [
            "受傷或受困的動物",
            "請記下動物種類、狀況（受傷、受困、攻擊性）、確切位置與聯絡電話，登錄「動物救援」案件。如有人被攻擊受傷，請民眾先撥 119。",
            "動物,狗,貓,受傷,受困,救援",
        ],
        [
            "An injured or trapped animal",
            "Note the kind of animal, its state (injured, trapped, aggressive), exactly where, and a phone number, and file an \"Animal rescue\" case. If a person has been attacked and hurt, tell the caller to call 119 first.",
            "animal,dog,cat,injured,trapped,rescue",
        ],
    ),
];

impl CasesApp {
    /// Adds the starter answers to a jurisdiction's knowledge base when it is empty (an entry
    /// of its own means the city keeps it). Returns how many were added.
    pub async fn seed_starter_answers(&self, jurisdiction_id: &str) -> Result<usize> {
        let actor = crate::authz::Actor::system(jurisdiction_id, "civicdesk demo");
        if !self.search_answers(&actor, "").await?.is_empty() {
            return Ok(0);
        }
        let mut added = 0;
        for (category, zh, en) in STARTERS {
            for [question, answer, keywords] in [zh, en] {
                self.create_answer(
                    &actor,
                    AnswerInput {
                        question: (*question).into(),
                        answer: (*answer).into(),
                        keywords: (*keywords).into(),
                        category_code: category.map(str::to_string),
                    },
                )
                .await?;
                added += 1;
            }
        }
        Ok(added)
    }
}
