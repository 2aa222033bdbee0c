# civicdesk — 正體中文（臺灣）訊息目錄。預設語言。
error-illegal-transition = 案件目前狀態為「{ $from }」，不能執行「{ $action }」。
error-attribute-required = 欄位「{ $code }」為必填。
error-attribute-value-not-allowed = 欄位「{ $code }」的值「{ $value }」不在可選項目中。
error-attribute-not-number = 欄位「{ $code }」須為數字，收到「{ $value }」。
error-attribute-not-datetime = 欄位「{ $code }」須為日期時間（YYYY-MM-DDThh:mm:ssZ），收到「{ $value }」。
error-attribute-single-value = 欄位「{ $code }」只能填一個值。
error-attribute-too-long = 欄位「{ $code }」不可超過 { $max } 個字。
error-lat-range = 緯度（lat）須介於 -90 與 90 之間。
error-long-range = 經度（long）須介於 -180 與 180 之間。
error-coordinate-not-number = { $field } 須為數字。
error-lat-long-pair = 緯度（lat）與經度（long）須同時提供。
error-invalid-datetime = 「{ $value }」不是有效的日期時間，請使用 YYYY-MM-DDThh:mm:ssZ 格式。
error-invalid-case-number = 「{ $value }」不是有效的案件編號。
error-jurisdiction-unknown = 找不到轄區「{ $id }」。
error-jurisdiction-required = 此伺服器服務多個轄區，請提供 jurisdiction_id。
error-service-unknown = 找不到服務代碼「{ $code }」。
error-field-too-long = 欄位「{ $field }」不可超過 { $max } 個字。
field-name-assignee_id = 外勤人員
field-name-deferred_until = 預定施工日期
field-name-department = 機關
field-name-into = 合併至案號
field-name-name = 名稱
field-name-note = 備註
field-name-outcome = 處理結果
field-name-reason = 原因
field-name-responsible = 權責單位
error-field-required = 欄位「{ $field }」為必填。
error-description-too-long = 描述不可超過 { $max } 個字。
error-internal = 系統發生錯誤，請稍後再試。如持續發生，請撥 1999。
error-not-found = 找不到這個資源。
error-body-malformed = 送出的資料格式錯誤：{ $detail }
error-query-malformed = 網址的查詢參數格式錯誤：{ $detail }
error-path-malformed = 網址的路徑格式錯誤：{ $detail }
event-create = 案件已受理，分派至承辦單位。
event-triage = 案件已分類。
event-assign = 案件已分派至承辦單位。
event-acknowledge = 承辦單位已簽收。
event-start = 承辦單位處理中。
event-arrive = 人員已到場。
event-leave_site = 人員已離開現場，持續處理中。
event-request_info = 需要您補充資料。
event-provide_info = 已收到補充資料。
event-request_cosign = 會同其他單位辦理中。
event-complete_cosign = 會簽完成。
event-withdraw_cosign = 已撤回會同其他單位辦理。
event-reassign = 案件已改分至其他單位。
event-resolve = 案件已處理完成。
event-close = 案件已結案。
event-reopen = 案件已重新開啟，退回承辦單位處理。
event-reject = 案件不予處理。
event-mark_duplicate = 與其他案件合併辦理。
event-transfer_external = 已轉請公用事業單位處理。
event-comment = 民眾補充意見。
channel-phone = 電話
channel-web = 網站
channel-app = 手機應用程式
channel-open311 = Open311 應用程式
# identity, passwords, second factor
error-personal-id-format = 請輸入身分證字號（1 個英文字母、1 或 2，再加 8 位數字，例如 A123456789）或居留證統一證號（例如 A800000014）。
error-national-id-format = 請輸入身分證字號：1 個英文字母、1 或 2，再加 8 位數字（例如 A123456789）。
error-personal-id-checksum = 證號的檢查碼不符，請確認是否輸入錯誤。
error-money-empty = 請輸入新臺幣金額，例如 1,234。
error-money-not-an-amount = 「{ $text }」不是金額：請輸入新臺幣整數金額，例如 1234、1,234 或 NT$1,234。
error-money-negative = 金額不能是負數。
error-money-fraction = 新臺幣金額以元為單位，請不要輸入角、分。
error-money-too-large = 金額太大。
error-mobile-format = 請輸入臺灣的手機號碼，例如 0912-345-678。
error-mobile-landline = 這看起來是市話號碼，請提供手機號碼（09XX-XXX-XXX）。
error-mobile-foreign = 僅接受臺灣的手機號碼（+886 9…）。
error-password-too-short = 密碼至少須有 { $min } 個字元。
error-password-too-long = 密碼不可超過 { $max } 個字元。
error-password-matches-login = 密碼不可與登入帳號或電子郵件地址相同。
error-password-common = 這個密碼太常見，容易被猜中，請換一個；用幾個不相關的詞組合起來是不錯的做法。
error-password-repetitive = 密碼不可只是重複或連續的字元（例如 aaaa 或 1234）。
error-totp-code = 驗證碼錯誤、已過期或已使用過。請等待驗證器 App 顯示下一組驗證碼後再試一次。

# accounts, sessions, access tokens, administration
error-body-too-large-kb = 請求內容過大（上限 { $max } KB）。
error-content-type-json = 請以 JSON 格式傳送請求內容（Content-Type: application/json）。
error-csrf = 這個請求不是從 civicdesk 頁面送出的（安全驗證碼遺失或錯誤）。請重新整理頁面後再試一次。
error-department-unknown = 沒有「{ $department }」這個單位。
error-forbidden = 您沒有執行這項操作的權限。
error-rate-limited = 嘗試次數過多，請在 { $minutes } 分鐘後再試。
error-filing-rate-limited = 送出的案件太多：同一把 API 金鑰或同一個來源位址每小時最多 { $max } 件。請在 { $minutes } 分鐘後再試。
error-reason-required = 請說明查看此人資料的理由（2 到 500 個字）。
error-role-scope = 角色 { $role } 不能授予在「{ $scope }」範圍。
error-role-unknown = 沒有「{ $role }」這個角色。
error-role-needs-scope = 角色 { $role } 必須屬於某個機關或社區，請以 scope_id 指定。
error-notify-template-unknown = 沒有名為「{ $key }」的通知範本。
error-notify-template-invalid = 範本無法使用：{ $detail }。請只使用列出的變數。
error-notify-template-subject = 電子郵件範本需要主旨。
error-notify-sms-too-long = 以範例內容套用後，這則簡訊超過 { $max } 個字。
error-notify-address = 這不是電子郵件地址，也不是國際格式的手機號碼（+886912345678）。
error-notify-account-unknown = 找不到這個帳號。
error-notify-channels = 請選擇電子郵件、簡訊、兩者或都不要。
error-notify-quiet-hours = 勿擾時段必須是 00:00 到 23:59 之間的時間。
error-notify-message-unknown = 找不到這則通知。
error-notify-signature = 請求簽章缺少或不正確。
error-notify-receipt-stale = 請求的時間戳記與現在時間相差太多。
error-notify-receipt-body = 送達回報的格式不正確。
error-notify-not-configured = 這台伺服器尚未設定以{ $channel }發送。
error-locale-unknown = 不支援「{ $locale }」這個語言（請用 zh-TW 或 en）。
# business calendar and SLA
error-calendar-utc-offset = UTC 時差{ $minutes }分鐘不合理，請填 -840 到 +840 之間的值。
error-calendar-office-hours = 辦公時間{ $opens }–{ $closes }不正確：上班時間須早於下班時間，且在同一天內。
error-calendar-date-invalid = 「{ $value }」不是日期，請用 YYYY-MM-DD 格式。
error-calendar-kind-unknown = 「{ $value }」不是行事曆日期的類別，請用 holiday（放假）或 makeup_workday（補行上班）。
error-calendar-name-required = { $date }需要填寫中文名稱。
error-calendar-date-range = { $date }超出行事曆支援的年份（{ $first }–{ $last }年）。
error-calendar-duplicate-date = 行事曆已有{ $date }這一天，請修改或刪除原有的項目。
error-calendar-makeup-weekday = { $date }是平日；補行上班日必須是星期六或星期日。
error-calendar-closure-order = 停止上班的結束時間（{ $end }）早於開始時間（{ $start }）。
error-calendar-closure-too-long = 一次停止上班最長{ $days }天，更長的期間請逐日宣布。
error-calendar-closure-duplicate = 已宣布過{ $start }至{ $end }停止上班。
error-calendar-data = 無法讀取假日資料：{ $detail }
sla-clock-acknowledgement = 簽收
sla-clock-first_response = 首次回應
sla-clock-resolution = 處理完成
sla-calendar-business = 上班時間（停止上班日暫停計時）
sla-calendar-business-hint = 只在上班日的上班時間計時；颱風等宣布停止上班時暫停。適合一般案件。
sla-calendar-24x7 = 全天候（24×7）
sla-calendar-24x7-hint = 每天 24 小時計時，假日與停止上班日都不暫停。適合危及生命財產的緊急案件。
sla-calendar-business_through_closures = 上班時間（停止上班日照常計時）
sla-calendar-business_through_closures-hint = 在上班日的上班時間計時；宣布停止上班時仍繼續計時，因為搶修單位照常出勤。
sla-status-not_started = 尚未開始
sla-status-running = 計時中
sla-status-paused = 暫停計時（補正中）
sla-status-met = 如期完成
sla-status-breached = 逾期
sla-at-risk = 即將逾期
calendar-day-workday = 上班日
calendar-day-weekend = 週末
calendar-day-holiday = 放假日
calendar-day-makeup_workday = 補行上班日
calendar-day-closed = 停止上班
calendar-day-partly_closed = 部分時段停止上班

# triage, routing, duplicates

# case work
error-webhook-name = 請為 Webhook 取 1 到 { $max } 個字的名稱。
error-webhook-url = Webhook 網址必須是含主機名稱的完整 http:// 或 https:// 網址，不能有空白或 #片段。
error-webhook-url-credentials = Webhook 網址不可包含使用者名稱或密碼；接收端應改以簽章驗證。
error-webhook-url-private = Webhook 網址指向本機或內部網路位址，本伺服器不允許。
error-webhook-events-required = 請至少選擇一種事件類型。
error-webhook-event-unknown = 「{ $event }」不是 Webhook 事件類型。
error-webhook-department-unknown = 沒有代碼為「{ $code }」的機關。
error-webhook-unknown = 找不到這個 Webhook。
error-webhook-delivery-unknown = 找不到這筆 Webhook 傳送紀錄。
error-webhook-not-redeliverable = 只有失敗或已停止重試的傳送可以重送；這筆的狀態是 { $status }。
error-webhook-inactive = 這個 Webhook 已停用，請先啟用。
error-job-unknown = 找不到這個背景工作。
error-job-not-retryable = 這裡只能重試已停止重試的 Webhook 傳送；這個工作的狀態是 { $status }。

# 話務台

# catalogue administration (categories, their questions, departments)
error-category-code = 類別代碼必須是 1 到 { $max } 個英文字母、數字、-、_ 或 .（例如 1999-L01）。
error-category-exists = 已有代碼為 { $code } 的類別。
error-category-name = { $field ->
        [name_zh] 請填寫類別的中文名稱
       *[other] 請填寫類別的英文名稱
    }（最多 { $max } 個字）。
error-category-group = { $field ->
        [group_zh] 請填寫類別所屬分組的中文名稱
       *[other] 請填寫類別所屬分組的英文名稱
    }（最多 { $max } 個字）。
error-category-description = 說明最多 { $max } 個字。
error-category-keywords = 關鍵字合計最多 { $max } 個字。
error-category-department = 請選擇一個仍在受理案件的機關。
error-category-urgency = 請選擇 P1 到 P4 的緊急程度。
error-category-service-type = 請選擇 Open311 回應陳情的方式：realtime、batch 或 blackbox。
error-category-sort-order = 排列順序必須是 0 到 1,000,000 的整數。
error-attribute-def-too-many = 一個類別最多 { $max } 個問題。
error-attribute-def-code = 第 { $row } 題：代碼必須是 1 到 { $max } 個英文字母、數字、- 或 _。
error-attribute-def-code-duplicate = 第 { $row } 題：代碼 { $code } 已被其他問題使用。
error-attribute-def-datatype = 第 { $row } 題：請選擇回答方式。
error-attribute-def-description = { $field ->
        [description_zh] 第 { $row } 題：請填寫中文題目
       *[other] 第 { $row } 題：請填寫英文題目
    }（最多 { $max } 個字）。
error-attribute-def-hint = 第 { $row } 題：提示最多 { $max } 個字。
error-attribute-def-value = 第 { $row } 題：選項「{ $key }」需要由英文字母、數字、- 或 _ 組成的代碼，以及中文與英文名稱。
error-attribute-def-value-duplicate = 第 { $row } 題：選項代碼 { $key } 重複了。
error-attribute-def-values-required = 第 { $row } 題：選項題至少要有一個選項。
error-attribute-def-values-unexpected = 第 { $row } 題：只有選項題才有選項；請刪除選項或改為選項題。
error-attribute-def-values-too-many = 第 { $row } 題：最多 { $max } 個選項。
error-department-code = 機關代碼必須是 1 到 { $max } 個英文字母、數字、-、_ 或 .（例如 PWD-PKS）。
error-department-exists = 已有代碼為 { $code } 的機關。
error-department-name = { $field ->
        [name_zh] 請填寫機關的中文名稱
       *[other] 請填寫機關的英文名稱
    }（最多 { $max } 個字）。
error-department-kind = 請選擇市府機關、區公所或事業單位。
error-department-in-use = 仍有 { $count } 個啟用中的類別把案件送到這個機關。請先把這些類別改派其他機關，再停用這個機關。
error-code-mismatch = 內容中的代碼與網址中的不同；請省略它或使兩者相同。
