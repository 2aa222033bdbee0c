# civicdesk — English message catalogue.
error-illegal-transition = A case in state "{ $from }" cannot be changed by "{ $action }".
error-attribute-required = The field "{ $code }" is required.
error-attribute-value-not-allowed = "{ $value }" is not one of the allowed values of "{ $code }".
error-attribute-not-number = The field "{ $code }" must be a number; received "{ $value }".
error-attribute-not-datetime = The field "{ $code }" must be a date and time (YYYY-MM-DDThh:mm:ssZ); received "{ $value }".
error-attribute-single-value = The field "{ $code }" takes a single value.
error-attribute-too-long = The field "{ $code }" may not be longer than { $max } characters.
error-lat-range = Latitude (lat) must be between -90 and 90.
error-long-range = Longitude (long) must be between -180 and 180.
error-coordinate-not-number = { $field } must be a number.
error-lat-long-pair = Latitude (lat) and longitude (long) must be given together.
error-invalid-datetime = "{ $value }" is not a valid date and time; use YYYY-MM-DDThh:mm:ssZ.
error-invalid-case-number = "{ $value }" is not a valid case number.
error-api-key-jurisdiction = This api_key does not belong to jurisdiction "{ $jurisdiction }".
error-jurisdiction-unknown = Jurisdiction "{ $id }" was not found.
error-jurisdiction-required = This server serves several jurisdictions: give a jurisdiction_id.
error-service-unknown = Service code "{ $code }" was not found.
error-field-too-long = The field "{ $field }" may not be longer than { $max } characters.
error-field-required = The field "{ $field }" is required.
error-description-too-long = The description may not be longer than { $max } characters.
error-too-many-media = At most { $max } files can be attached.
error-media-too-large = The file "{ $name }" is too large; each file may be at most { $max } MB.
error-reopen-window = The request was resolved more than { $days } days ago and can no longer be reopened; please file a new one.
error-internal = Something went wrong on our side. Please try again later, or call 1999 if it persists.
error-bad-extension = Bad extension. We support .xml and .json.
error-not-found = This resource was not found.
error-method = This resource does not support that HTTP method.
error-content-type = Unsupported content type; use application/x-www-form-urlencoded, multipart/form-data or application/json.
error-body-too-large = The request body is too large; the limit is { $max } MB.
error-too-many-params = The request has too many parameters; at most { $max } are accepted.
error-uploads-busy = Too many uploads are in progress. Please try again in { $seconds } seconds.
error-body-malformed = The request body is malformed: { $detail }
error-query-malformed = The query string is malformed: { $detail }
error-path-malformed = The address (path) is malformed: { $detail }
error-not-utf8 = The request is not valid UTF-8.
error-date-range = The date range may not exceed { $days } days.
error-date-order = The start may not be later than the end.
error-page = page must be a whole number from 1 to { $max }.
error-page-size = page_size must be a whole number from 1 to { $max }.
error-status-filter = status must be open or closed; received "{ $value }".
error-radius = radius must be a number of metres from 1 to { $max }.
notice-case-filed = Case number { $number }, tracking password { $password } (shown only this once: keep it). Handled by { $department }.
notice-case-filed-batch = Your petition was received; tracking password { $password } (shown only this once). A case number follows after review. Handled by { $department }.
notice-case-filed-blackbox = Your report was received. It is kept confidential and cannot be tracked online.
event-create = Request received and sent to the responsible unit.
event-triage = Request categorised.
event-assign = Request assigned to the responsible unit.
event-acknowledge = The responsible unit has acknowledged the request.
event-start = The responsible unit is working on it.
event-arrive = Staff are on site.
event-leave_site = Staff have left the site; work continues.
event-request_info = More information is needed from you.
event-provide_info = Additional information received.
event-request_cosign = Being handled together with another unit.
event-complete_cosign = Co-signing completed.
event-reassign = Request reassigned to another unit.
event-resolve = The request has been resolved.
event-close = The request is closed.
event-reopen = The request was reopened and sent back to the responsible unit.
event-reject = The request will not be handled.
event-mark_duplicate = Merged with another request.
event-transfer_external = Sent to a utility company.
event-comment = Comment from the citizen.
channel-phone = Phone
channel-web = Website
channel-app = Mobile app
channel-open311 = Open311 app
# identity, passwords, second factor
error-personal-id-format = Enter a national ID number (one letter, 1 or 2, then 8 digits, e.g. A123456789) or a resident certificate number (e.g. A800000014).
error-national-id-format = Enter a national ID number: one letter, 1 or 2, then 8 digits (e.g. A123456789).
error-personal-id-checksum = This ID number does not add up; please check it for typing errors.
error-mobile-format = Enter a Taiwan mobile number, e.g. 0912-345-678.
error-mobile-landline = This looks like a landline number; please give a mobile number (09XX-XXX-XXX).
error-mobile-foreign = Only Taiwan mobile numbers (+886 9…) are accepted.
error-password-too-short = The password must be at least { $min } characters long.
error-password-too-long = The password may not be longer than { $max } characters.
error-password-matches-login = The password may not be your login name or e-mail address.
error-password-common = This password is too common and easy to guess. Choose another; a few unrelated words work well.
error-password-repetitive = The password may not be one repeated or sequential run of characters (such as aaaa or 1234).
error-totp-code = The code is wrong, has expired or was already used. Wait for the next code in your authenticator app and try again.

# accounts, sessions, access tokens, administration
error-account-unknown = No such account.
error-body-too-large-kb = The request body is too large (at most { $max } KB).
error-content-type-json = Send the request body as JSON (Content-Type: application/json).
error-csrf = This request did not come from a civicdesk page (the security token is missing or wrong). Reload the page and try again.
error-department-unknown = There is no department "{ $department }".
error-forbidden = You do not have permission to do this.
error-not-a-session = This request is not signed in with a session.
error-rate-limited = Too many attempts. Try again in { $minutes } minutes.
error-filing-rate-limited = Too many requests filed: at most { $max } an hour with one API key or from one address. Try again in { $minutes } minutes.
error-reason-required = State why you need to see this person's data (2 to 500 characters).
error-role-scope = The role { $role } cannot be given for "{ $scope }".
error-role-unknown = There is no role "{ $role }".
error-role-needs-scope = The role { $role } is held in one department or community: name it in scope_id.
error-second-factor-not-pending = No sign-in is waiting for a second factor.
error-second-factor-pending = Enter the code from your authenticator app to finish signing in.
notice-account-verified = Your account is verified. You can sign in now.
notice-password-changed = Your password was changed.
notice-password-reset = Your password was changed and every session was signed out. Sign in with the new password.
notice-reset-code-sent = If an account uses this name, a reset code is on its way to it.
notice-second-factor-disabled = The second factor is turned off.
notice-sign-up-code-sent = Check your email or text messages: we sent a code to finish signing up.
error-notify-template-unknown = There is no notification template "{ $key }".
error-notify-template-invalid = The template cannot be used: { $detail }. Use only the listed variables.
error-notify-template-subject = An e-mail template needs a subject.
error-notify-sms-too-long = With sample values this text message is longer than { $max } characters.
error-notify-address = This is not an e-mail address or a mobile number in international form (+886912345678).
error-notify-account-unknown = This account was not found.
error-notify-channels = Choose e-mail, SMS, both, or none.
error-notify-quiet-hours = Quiet hours must be times of day between 00:00 and 23:59.
error-notify-message-unknown = This notification was not found.
error-notify-signature = The request signature is missing or wrong.
error-notify-receipt-stale = The request timestamp is too far from the current time.
error-notify-receipt-body = The delivery receipt is malformed.
error-notify-not-configured = Sending by { $channel } is not configured on this server.
error-locale-unknown = "{ $locale }" is not a supported language (zh-TW or en).
# business calendar and SLA
error-calendar-utc-offset = A UTC offset of { $minutes } minutes is not possible; use -840 to +840.
error-calendar-office-hours = Office hours { $opens }–{ $closes } are not valid: opening must come before closing, within one day.
error-calendar-date-invalid = "{ $value }" is not a date; use YYYY-MM-DD.
error-calendar-kind-unknown = "{ $value }" is not a kind of calendar day; use holiday or makeup_workday.
error-calendar-name-required = The day { $date } needs a name in Chinese.
error-calendar-date-range = { $date } is outside the years the calendar supports ({ $first }–{ $last }).
error-calendar-duplicate-date = { $date } is already in the calendar. Change or remove that entry instead.
error-calendar-makeup-weekday = { $date } is a weekday; a make-up working day must be a Saturday or Sunday.
error-calendar-closure-order = The closure ends ({ $end }) before it starts ({ $start }).
error-calendar-closure-too-long = A closure may last at most { $days } days; declare a longer one day by day.
error-calendar-closure-duplicate = A closure from { $start } to { $end } is already declared.
error-calendar-data = The holiday data cannot be read: { $detail }
error-sla-duration-zero = The { $clock ->
        [acknowledgement] acknowledgement
        [reassignment_acknowledgement] acknowledgement after reassignment
        [first_response] first response
       *[resolution] resolution
    } time limit must be more than zero.
error-sla-duration-too-long = The { $clock ->
        [acknowledgement] acknowledgement
        [reassignment_acknowledgement] acknowledgement after reassignment
        [first_response] first response
       *[resolution] resolution
    } time limit may be at most { $days } working days or { $hours } working hours.
error-sla-at-risk-percent = The at-risk threshold { $value }% must be between 0 and 100.
sla-clock-acknowledgement = Acknowledgement
sla-clock-first_response = First response
sla-clock-resolution = Resolution
sla-status-not_started = Not started
sla-status-running = Running
sla-status-paused = Paused (waiting for information)
sla-status-met = Met
sla-status-breached = Overdue
sla-at-risk = Due soon
calendar-day-workday = Working day
calendar-day-weekend = Weekend
calendar-day-holiday = Holiday
calendar-day-makeup_workday = Make-up working day
calendar-day-closed = Offices closed
calendar-day-partly_closed = Offices closed part of the day

# triage, routing, duplicates
triage-rule = Rule “{ $rule }” matched: urgency at least { $urgency }.
route-rule = Routed to { $department } by rule “{ $rule }”.
route-default = No routing rule matched; sent to { $department }, the default for category { $category }.
rule-reason-category = The category is { $category }.
rule-reason-category-not = The category { $category } is not { $expected }.
rule-reason-district = The district is { $district }.
rule-reason-district-not = The district { $district } is not { $expected }.
rule-reason-district-unknown = The case has no district.
rule-reason-keywords = The description mentions: { $keywords }.
rule-reason-no-keywords = The description mentions none of: { $keywords }.
rule-reason-attribute-equals = { $code } is { $value }.
rule-reason-attribute-not-equals = { $code } is { $value }, not { $expected }.
rule-reason-attribute-one-of = { $code } is { $value } (one of { $expected }).
rule-reason-attribute-not-one-of = { $code } is { $value }, not one of { $expected }.
rule-reason-attribute-at-least = { $code } is { $value }, at least { $min }.
rule-reason-attribute-below = { $code } is { $value }, less than { $min }.
rule-reason-attribute-at-most = { $code } is { $value }, at most { $max }.
rule-reason-attribute-above = { $code } is { $value }, more than { $max }.
rule-reason-attribute-between = { $code } is { $value }, between { $min } and { $max }.
rule-reason-attribute-outside = { $code } is { $value }, not between { $min } and { $max }.
rule-reason-attribute-contains = { $code } contains “{ $text }”.
rule-reason-attribute-not-contains = { $code } does not contain “{ $text }”.
rule-reason-attribute-missing = { $code } was not answered.
rule-reason-attribute-not-number = { $code } is “{ $value }”, which is not a number.
rule-invalid-id = Rule id “{ $rule }” must be 1 to 64 letters, digits, -, _ or .
rule-invalid-id-duplicate = Rule id “{ $rule }” is used twice.
rule-invalid-name = Rule “{ $rule }” needs a name of 1 to { $max } characters.
rule-invalid-department = Rule “{ $rule }” sends cases to { $department }, which does not exist.
rule-invalid-category = Rule “{ $rule }” names category { $category }, which does not exist.
rule-invalid-district = Rule “{ $rule }” names district { $district }, which does not exist.
rule-invalid-attribute = Rule “{ $rule }” tests attribute { $code }, which the categories it applies to do not have.
rule-invalid-attribute-not-number = Rule “{ $rule }” compares attribute { $code } as a number, but it is not a number.
rule-invalid-attribute-value = Rule “{ $rule }”: attribute { $code } has no option “{ $value }”.
rule-invalid-number = Rule “{ $rule }”: the value compared with { $code } must be a finite number.
rule-invalid-range = Rule “{ $rule }”: the range for { $code } starts at { $min }, above its end { $max }.
rule-invalid-range-contradiction = Rule “{ $rule }” requires { $code } to be at least { $min } and at most { $max }, which can never hold.
rule-invalid-empty-list = Rule “{ $rule }” has an empty list in its condition, so it can never match.
rule-invalid-keyword = Rule “{ $rule }” has a blank keyword or text to look for.
rule-invalid-too-complex = Rule “{ $rule }” is too complex (at most { $depth } levels and { $max } conditions).
emergency-redirect-119 = This may be an emergency ({ $keywords }): call 119 (fire and ambulance) now. 1999 is not an emergency line; the case can still be logged.
emergency-redirect-110 = This may be an emergency ({ $keywords }): call 110 (police) now. 1999 is not an emergency line; the case can still be logged.
duplicate-same-category = Same category ({ $category }).
duplicate-nearby = About { $distance } m away (within { $radius } m).
duplicate-same-address = Same address.
duplicate-age-hours = Filed { $hours } hours ago.
duplicate-age-days = Filed { $days } days ago.
duplicate-policy-radius = The search radius for duplicates must be 1 to { $max } metres.
duplicate-policy-window = The search period for duplicates must be 1 to { $max } days.

# case work
error-cursor-invalid = The page cursor is not valid; start again from the first page.
error-location-pair = Give both the latitude and the longitude, or neither.
error-survey-score = Give a score from 1 to 5.
error-webhook-name = Give the webhook a name of 1 to { $max } characters.
error-webhook-url = The webhook URL must be an absolute http:// or https:// address with a host name, without spaces or a #fragment.
error-webhook-url-credentials = The webhook URL must not contain a user name or password; the receiver checks the signature instead.
error-webhook-url-private = The webhook URL points to a local or private network address, which this server does not allow.
error-webhook-events-required = Choose at least one event type.
error-webhook-event-unknown = "{ $event }" is not a webhook event type.
error-webhook-department-unknown = There is no department with the code "{ $code }".
error-webhook-unknown = This webhook was not found.
error-webhook-delivery-unknown = This webhook delivery was not found.
error-webhook-not-redeliverable = Only failed or dead deliveries can be sent again; this one is { $status }.
error-webhook-inactive = This webhook is turned off. Turn it on first.
error-job-unknown = This job was not found.
error-job-not-retryable = Only dead webhook deliveries can be retried from here; this job is { $status }.

# the agent's desk
error-phone-format = This is not a phone number we can use; give a mobile (0912-345-678), a landline with its area code ((02) 2720-8889) or an international number (+81 …).
error-phone-area-code = Give the landline number with its area code, e.g. (02) 2720-8889.
error-contact-type = There is no service type "{ $type }" (consult, transfer, inform, emergency, dispatch).
error-outcall-outcome = There is no outcome "{ $outcome }" (reached, no_answer, wrong_number, declined).

# catalogue administration (categories, their questions, departments)
error-category-code = The category code must be 1 to { $max } letters, digits, -, _ or . (for example 1999-L01).
error-category-exists = There is already a category with the code { $code }.
error-category-name = { $field ->
        [name_zh] Give the category's name in Chinese
       *[other] Give the category's name in English
    } (up to { $max } characters).
error-category-group = { $field ->
        [group_zh] Give the group the category is listed under, in Chinese
       *[other] Give the group the category is listed under, in English
    } (up to { $max } characters).
error-category-description = The description may be at most { $max } characters long.
error-category-keywords = The keywords may be at most { $max } characters long in all.
error-category-department = Choose an active department to receive these cases.
error-category-urgency = Choose an urgency from P1 to P4.
error-category-service-type = Choose how Open311 answers a report: realtime, batch or blackbox.
error-category-sort-order = The position in the list must be a whole number from 0 to 1,000,000.
error-attribute-def-too-many = A category may ask at most { $max } questions.
error-attribute-def-code = Question { $row }: the code must be 1 to { $max } letters, digits, - or _.
error-attribute-def-code-duplicate = Question { $row }: the code { $code } is used by another question.
error-attribute-def-datatype = Question { $row }: choose the kind of answer.
error-attribute-def-description = { $field ->
        [description_zh] Question { $row }: give the question in Chinese
       *[other] Question { $row }: give the question in English
    } (up to { $max } characters).
error-attribute-def-hint = Question { $row }: a hint may be at most { $max } characters long.
error-attribute-def-value = Question { $row }: the option “{ $key }” needs a key of letters, digits, - or _, a Chinese name and an English name.
error-attribute-def-value-duplicate = Question { $row }: the option key { $key } is used twice.
error-attribute-def-values-required = Question { $row }: a list question needs at least one option.
error-attribute-def-values-unexpected = Question { $row }: only list questions have options; remove them or choose a list.
error-attribute-def-values-too-many = Question { $row }: at most { $max } options.
error-department-code = The department code must be 1 to { $max } letters, digits, -, _ or . (for example PWD-PKS).
error-department-exists = There is already a department with the code { $code }.
error-department-name = { $field ->
        [name_zh] Give the department's name in Chinese
       *[other] Give the department's name in English
    } (up to { $max } characters).
error-department-kind = Choose a city department, a district office or a utility company.
error-department-in-use = { $count } active categories still send their cases here. Give them another department before turning this one off.
error-code-mismatch = The code in the body differs from the one in the address; leave it out or make them the same.
