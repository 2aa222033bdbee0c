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
error-jurisdiction-unknown = Jurisdiction "{ $id }" was not found.
error-jurisdiction-required = This server serves several jurisdictions: give a jurisdiction_id.
error-service-unknown = Service code "{ $code }" was not found.
error-field-too-long = The field "{ $field }" may not be longer than { $max } characters.
field-name-assignee_id = Field worker
field-name-deferred_until = Planned work date
field-name-department = Department
field-name-into = Merge into case number
field-name-name = Name
field-name-note = Note
field-name-outcome = Outcome
field-name-reason = Reason
field-name-responsible = Responsible body
error-field-required = The field "{ $field }" is required.
error-description-too-long = The description may not be longer than { $max } characters.
error-internal = Something went wrong on our side. Please try again later, or call 1999 if it persists.
error-not-found = This resource was not found.
error-body-malformed = The request body is malformed: { $detail }
error-query-malformed = The query string is malformed: { $detail }
error-path-malformed = The address (path) is malformed: { $detail }
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
event-withdraw_cosign = No longer handled together with another unit.
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
error-money-empty = Enter an amount in NT$, e.g. 1,234.
error-money-not-an-amount = “{ $text }” is not an amount: enter whole NT$, e.g. 1234, 1,234 or NT$1,234.
error-money-negative = An amount cannot be negative.
error-money-fraction = NT$ amounts are whole dollars: leave out the cents.
error-money-too-large = This amount is too large.
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
error-body-too-large-kb = The request body is too large (at most { $max } KB).
error-content-type-json = Send the request body as JSON (Content-Type: application/json).
error-csrf = This request did not come from a civicdesk page (the security token is missing or wrong). Reload the page and try again.
error-department-unknown = There is no department "{ $department }".
error-forbidden = You do not have permission to do this.
error-rate-limited = Too many attempts. Try again in { $minutes } minutes.
error-filing-rate-limited = Too many requests filed: at most { $max } an hour with one API key or from one address. Try again in { $minutes } minutes.
error-reason-required = State why you need to see this person's data (2 to 500 characters).
error-role-scope = The role { $role } cannot be given for "{ $scope }".
error-role-unknown = There is no role "{ $role }".
error-role-needs-scope = The role { $role } is held in one department or community: name it in scope_id.
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
sla-clock-acknowledgement = Acknowledgement
sla-clock-first_response = First response
sla-clock-resolution = Resolution
sla-calendar-business = Office hours (paused on closure days)
sla-calendar-business-hint = Counts office hours on working days only, and pauses when offices are closed (a typhoon day). For everyday cases.
sla-calendar-24x7 = Around the clock (24×7)
sla-calendar-24x7-hint = Counts every hour of every day; holidays and closure days do not pause it. For emergencies that endanger people or property.
sla-calendar-business_through_closures = Office hours (counting on closure days)
sla-calendar-business_through_closures-hint = Counts office hours on working days, and keeps counting when offices are closed, because repair crews still work.
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

# case work
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
