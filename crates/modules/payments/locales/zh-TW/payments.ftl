# 付款模組的訊息（docs/PAYMENTS.md）。
error-payment-amount = 請輸入新臺幣整數金額，1 至 { $max } 元。
error-refund-too-much = 退款不能超過此筆付款尚餘的金額：新臺幣 { $left } 元。
error-invoice-carrier = 這個電子發票載具無效。手機條碼為 / 加 7 個英數字；自然人憑證條碼為 2 個英文字母加 14 個數字；愛心碼為 3 至 7 位數字。
