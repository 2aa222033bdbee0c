# The example module ("How to add a module" in docs/ARCHITECTURE.md).
example-notices = Notices
example-notices-intro = Posted notices are published by a background job.
example-notices-none = There are no notices yet.
example-col-title = Title
example-col-posted = Posted
example-col-state = State
example-published = Published
example-waiting = Waiting to be published
example-error-title = Enter the notice's title, at most { $max } characters.
admin-job-kind-example-publish = Publish a notice
