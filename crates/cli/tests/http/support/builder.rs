//! `TestApp::new()`: a test application described step by step (settings, the staff a test
//! needs) and then started, so that a test says who takes part instead of creating accounts
//! and signing them in by hand.
//!
//! ```ignore
//! let app = TestApp::new()
//!     .with_config(|c| c.notify = notify)
//!     .with_user("dispatcher", Some("PWD-PKS"))
//!     .start()
//!     .await;
//! let dispatcher = app.user("dispatcher", Some("PWD-PKS"));
//! send(app.as_browser(&dispatcher.browser, Method::GET, "cases")).await;
//! ```

use super::{Browser, STAFF_PASSWORD, TestApp};
use platform::ServiceConfig;

type Configure = Box<dyn FnOnce(&mut ServiceConfig) + Send>;

/// A staff member that [`TestAppBuilder::start`] created and signed in.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    /// Signs in with [`STAFF_PASSWORD`].
    pub login: String,
    /// The session of a browser signed in as this member.
    pub browser: Browser,
}

/// A test application not started yet.
#[must_use = "nothing runs until `start`"]
pub struct TestAppBuilder {
    configure: Vec<Configure>,
    /// Login and roles (`role` or `role:SCOPE`) of each staff member to create.
    staff: Vec<(String, Vec<String>)>,
    /// The services' clock, when the test moves time on (`domain::clock`).
    clock: Option<std::sync::Arc<dyn domain::clock::Clock>>,
    /// The modules compiled in: the binary's unless a test adds one.
    build: web::Build,
}

/// The login [`TestAppBuilder::with_user`] gives a member with `role` in `scope`.
fn login_for(role: &str, scope: Option<&str>) -> String {
    match scope {
        Some(scope) => format!("{role}.{scope}").to_ascii_lowercase(),
        None => role.to_string(),
    }
}

impl TestApp {
    /// A builder for a test application; [`TestApp::start`] is `TestApp::new().start()`.
    #[allow(clippy::new_ret_no_self)] // `TestApp::new()…start()` reads as what it does.
    pub fn new() -> TestAppBuilder {
        TestAppBuilder {
            configure: Vec::new(),
            staff: Vec::new(),
            clock: None,
            build: web::BUILD,
        }
    }

    /// The member [`TestAppBuilder::with_user`] created with `role` in `scope`.
    pub fn user(&self, role: &str, scope: Option<&str>) -> &TestUser {
        self.member(&login_for(role, scope))
    }

    /// The member [`TestAppBuilder::with_staff`] created as `login`.
    pub fn member(&self, login: &str) -> &TestUser {
        self.users
            .iter()
            .find(|u| u.login == login)
            .unwrap_or_else(|| panic!("no staff member {login} was asked of the builder"))
    }

    /// A personal access token (`cdp_…`) for `user`, made through the API as they would.
    pub async fn token(&self, user: &TestUser) -> String {
        let (status, created) = super::send(
            self.as_browser(&user.browser, reqwest::Method::POST, "me/tokens")
                .json(&serde_json::json!({ "name": "test", "expires_in_days": 30 })),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        created["token"].as_str().expect("a token").to_string()
    }

    /// Runs every job of every running module that is due now, as one worker turn would
    /// (notifications, webhook deliveries, the modules' own kinds). Returns how many ran.
    pub async fn run_due_jobs(&self) -> usize {
        self.modules.run_due_jobs().await.expect("due jobs")
    }
}

impl TestAppBuilder {
    /// Adjusts the service settings (e.g. notification transports) before the start.
    pub fn with_config(
        mut self,
        configure: impl FnOnce(&mut ServiceConfig) + Send + 'static,
    ) -> Self {
        self.configure.push(Box::new(configure));
        self
    }

    /// Has the services read the time from `clock` (e.g. a `domain::clock::ShiftedClock` the
    /// test moves on by days, instead of rewriting stored times).
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn domain::clock::Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// A staff member with one role, in the jurisdiction (`None`) or in a department, with the
    /// login `role` or `role.scope` (lower case) and the password [`STAFF_PASSWORD`]; the
    /// started app has them signed in: [`TestApp::user`].
    pub fn with_user(self, role: &str, scope: Option<&str>) -> Self {
        let spec = scope.map_or_else(|| role.to_string(), |s| format!("{role}:{s}"));
        self.with_staff(&login_for(role, scope), &[&spec])
    }

    /// A staff member with the login and roles given (`role` or `role:DEPARTMENT`), for a test
    /// that needs several roles on one account or names its own; [`TestApp::member`].
    pub fn with_staff(mut self, login: &str, roles: &[&str]) -> Self {
        assert!(
            self.staff.iter().all(|(l, _)| l != login),
            "{login} is asked for twice"
        );
        let roles = roles.iter().map(|r| r.to_string()).collect();
        self.staff.push((login.to_string(), roles));
        self
    }

    /// Compiles in the modules of `build` instead of the binary's (a test of a module added
    /// through its doors).
    pub fn with_build(mut self, build: web::Build) -> Self {
        self.build = build;
        self
    }

    /// Starts the application, then creates and signs in the staff.
    pub async fn start(self) -> TestApp {
        let configure = self.configure;
        let mut app = TestApp::start_build(
            self.build,
            move |c| {
                for f in configure {
                    f(c);
                }
            },
            self.clock,
        )
        .await;
        for (login, roles) in self.staff {
            let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
            let id = app.staff(&login, &roles).await;
            let browser = app.sign_in(&login, STAFF_PASSWORD).await;
            app.users.push(TestUser { id, login, browser });
        }
        app
    }
}
