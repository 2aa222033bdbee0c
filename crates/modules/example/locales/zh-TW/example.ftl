# The example module ("How to add a module" in docs/ARCHITECTURE.md).
example-notices = 公告
example-notices-intro = 張貼的公告由背景工作發布。
example-notices-none = 目前沒有公告。
example-col-title = 標題
example-col-posted = 張貼時間
example-col-state = 狀態
example-published = 已發布
example-waiting = 等待發布
example-error-title = 請輸入公告標題，最多 { $max } 個字。
admin-job-kind-example-publish = 發布公告
