//! The navigation registry. Each module adds its entries to the main menu and its sections to
//! the administration ([`MenuEntry`], [`AdminSection`]); the composition root builds one
//! [`Navigation`] from the parts of the modules that run, and every page's frame asks it, so
//! the frame depends on no module, a module switched off shows no entry, and a menu never
//! offers what would answer 403.

use domain::{Locale, Message};
use platform::authz::Permission;

/// What the frame needs to know about who is looking (identity's `Viewer` is one).
pub trait Visitor {
    fn locale(&self) -> Locale;
    /// Path and query of this request, for the language switch.
    fn here(&self) -> &str;
    /// The token forms must echo.
    fn csrf(&self) -> &str;
    /// The signed-in account's label, only when its session has passed every stage.
    fn signed_in_label(&self) -> Option<&str>;
    /// Whether the signed-in account holds `p` anywhere.
    fn may(&self, p: Permission) -> bool;
    fn is_citizen(&self) -> bool;

    fn t(&self, id: &str) -> String {
        crate::i18n::tr(self.locale(), id, &[])
    }

    fn msg(&self, m: &Message) -> String {
        crate::i18n::message(self.locale(), m)
    }
}

/// An entry of the main menu: where, its section key (the page that is current), the text id
/// of its label, its place (entries are shown by `order`), and who sees it.
pub struct MenuEntry {
    pub href: &'static str,
    pub section: &'static str,
    pub label: &'static str,
    pub order: u16,
    pub shown: fn(&dyn Visitor, &Navigation) -> bool,
    /// An area of work where an account may start after signing in (`/start`).
    pub start: Option<Start>,
}

/// Where an account may start: each starts in the area of lowest `order` that it is shown and
/// `when` admits (administration, then the dispatcher's queue, supervision, the field list,
/// the desk, a citizen's cases).
#[derive(Clone, Copy)]
pub struct Start {
    pub order: u16,
    pub when: fn(&dyn Visitor) -> bool,
}

impl Start {
    /// Whoever is shown the entry may start there.
    pub const fn at(order: u16) -> Start {
        Start {
            order,
            when: |_| true,
        }
    }
}

/// A section of the administration: where, the title's text id (its lead is `<id>-lead`),
/// who it opens to, and its place.
pub struct AdminSection {
    pub href: &'static str,
    pub title: &'static str,
    pub opens: Opens,
    pub order: u16,
}

/// Who an administration section opens to.
#[derive(Debug, Clone, Copy)]
pub enum Opens {
    /// Whoever holds any of these permissions.
    AnyOf(&'static [Permission]),
    /// Whoever administers a kind of job of the build (the job queue's section): each module
    /// declares who administers its kinds (`platform::JobKindDef`), so a new module's kind
    /// brings its administrators here without a change to the section.
    JobAdministrators,
}

/// A search box the frame shows in the header of every page, for the viewers who may use it
/// (the first such box of the parts, in order). The form is a GET with the text as `q`.
pub struct SearchBox {
    pub action: &'static str,
    /// The text id of its label.
    pub label: &'static str,
    pub shown: fn(&dyn Visitor) -> bool,
}

/// A module's part of the navigation.
#[derive(Clone, Copy)]
pub struct NavPart {
    pub menu: &'static [MenuEntry],
    pub admin: &'static [AdminSection],
    pub search: &'static [SearchBox],
}

/// The navigation of the modules that run, in order.
#[derive(Default)]
pub struct Navigation {
    menu: Vec<&'static MenuEntry>,
    search: Vec<&'static SearchBox>,
    /// Each section with the permissions that open it (any of them).
    admin: Vec<(&'static AdminSection, Vec<Permission>)>,
}

impl Navigation {
    /// The navigation made of `parts` (one per module that runs); `job_administrators` are
    /// the permissions that administer the build's kinds of job
    /// (`platform::Platform::job_administrators`).
    pub fn new(parts: &[NavPart], job_administrators: &[Permission]) -> Navigation {
        let mut menu: Vec<&'static MenuEntry> = parts.iter().flat_map(|p| p.menu).collect();
        let mut admin: Vec<(&'static AdminSection, Vec<Permission>)> = parts
            .iter()
            .flat_map(|p| p.admin)
            .map(|s| {
                let opens = match s.opens {
                    Opens::AnyOf(any) => any.to_vec(),
                    Opens::JobAdministrators => job_administrators.to_vec(),
                };
                (s, opens)
            })
            .collect();
        menu.sort_by_key(|e| e.order);
        admin.sort_by_key(|(s, _)| s.order);
        let search = parts.iter().flat_map(|p| p.search).collect();
        Navigation {
            menu,
            search,
            admin,
        }
    }

    /// The header's search box for `v`, if any: where it is sent and its label.
    pub fn search_box(&self, v: &dyn Visitor) -> Option<(&'static str, String)> {
        self.search
            .iter()
            .find(|s| (s.shown)(v))
            .map(|s| (s.action, v.t(s.label)))
    }

    /// The main menu as `v` sees it: (where, section key, label).
    pub fn main_menu(&self, v: &dyn Visitor) -> Vec<(&'static str, &'static str, String)> {
        self.menu
            .iter()
            .filter(|e| (e.shown)(v, self))
            .map(|e| (e.href, e.section, v.t(e.label)))
            .collect()
    }

    /// Where `v` starts after signing in: the first area of work it sees.
    pub fn start(&self, v: &dyn Visitor) -> Option<&'static str> {
        self.menu
            .iter()
            .filter_map(|e| e.start.map(|s| (e, s)))
            .filter(|(e, s)| (e.shown)(v, self) && (s.when)(v))
            .min_by_key(|(_, s)| s.order)
            .map(|(e, _)| e.href)
    }

    /// The administration's sections `v` may use: (where, title id).
    pub fn admin_sections<'a>(
        &'a self,
        v: &'a dyn Visitor,
    ) -> impl Iterator<Item = (&'static str, &'static str)> + 'a {
        self.admin
            .iter()
            .filter(|(_, opens)| opens.iter().any(|p| v.may(*p)))
            .map(|(s, _)| (s.href, s.title))
    }

    /// Whether `v` may use any section (the menu shows "Administration").
    pub fn may_administer(&self, v: &dyn Visitor) -> bool {
        self.admin_sections(v).next().is_some()
    }
}

/// The frame's own part: the home page first and the administration last.
pub const FRAME: NavPart = NavPart {
    menu: &[
        MenuEntry {
            href: "/",
            section: "home",
            label: "nav-home",
            order: 0,
            shown: |_, _| true,
            start: None,
        },
        MenuEntry {
            href: "/admin",
            section: "admin",
            label: "nav-admin",
            order: 900,
            shown: |v, nav| nav.may_administer(v),
            // Those who administer the platform start here; someone who keeps only, say, the
            // knowledge base starts at their own work.
            start: Some(Start {
                order: 10,
                when: |v| {
                    v.may(platform::permissions::MANAGE_CASE_RULES)
                        || v.may(platform::permissions::MANAGE_WEBHOOKS)
                        || v.may(platform::permissions::MANAGE_NOTIFICATIONS)
                },
            }),
        },
    ],
    admin: &[],
    search: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    /// A module's permission, as a module would declare it.
    const WORK: Permission = Permission::new("dispatch_cases");

    struct Someone(&'static [Permission]);

    impl Visitor for Someone {
        fn locale(&self) -> Locale {
            Locale::En
        }
        fn here(&self) -> &str {
            "/"
        }
        fn csrf(&self) -> &str {
            ""
        }
        fn signed_in_label(&self) -> Option<&str> {
            None
        }
        fn may(&self, p: Permission) -> bool {
            self.0.contains(&p)
        }
        fn is_citizen(&self) -> bool {
            false
        }
    }

    const PART: NavPart = NavPart {
        menu: &[MenuEntry {
            href: "/work",
            section: "work",
            label: "nav-work",
            order: 50,
            shown: |v, _| v.may(WORK),
            start: Some(Start::at(20)),
        }],
        admin: &[AdminSection {
            href: "/admin/rules",
            title: "admin-rules",
            opens: Opens::AnyOf(&[platform::permissions::MANAGE_CASE_RULES]),
            order: 10,
        }],
        search: &[],
    };

    fn hrefs(nav: &Navigation, v: &dyn Visitor) -> Vec<&'static str> {
        nav.main_menu(v).into_iter().map(|(h, ..)| h).collect()
    }

    #[test]
    fn a_menu_offers_only_what_the_viewer_may_open_of_the_parts_given() {
        let nav = Navigation::new(&[FRAME, PART], &[]);
        assert_eq!(hrefs(&nav, &Someone(&[])), ["/"]);
        assert_eq!(hrefs(&nav, &Someone(&[WORK])), ["/", "/work"]);
        assert_eq!(
            hrefs(&nav, &Someone(&[platform::permissions::MANAGE_CASE_RULES])),
            ["/", "/admin"]
        );
        assert_eq!(nav.start(&Someone(&[WORK])), Some("/work"));
        assert_eq!(
            nav.start(&Someone(&[platform::permissions::MANAGE_CASE_RULES])),
            Some("/admin")
        );
        assert_eq!(nav.start(&Someone(&[])), None);
        // The module switched off: its part is not given, and nothing of it shows.
        let without = Navigation::new(&[FRAME], &[]);
        assert_eq!(
            hrefs(
                &without,
                &Someone(&[platform::permissions::MANAGE_CASE_RULES])
            ),
            ["/"]
        );
    }

    #[test]
    fn the_job_queue_section_opens_to_the_administrators_of_the_builds_kinds() {
        const PUBLISH: Permission = Permission::new("post_notices");
        const QUEUE: NavPart = NavPart {
            menu: &[],
            admin: &[AdminSection {
                href: "/admin/jobs",
                title: "admin-jobs",
                opens: Opens::JobAdministrators,
                order: 80,
            }],
            search: &[],
        };
        let sections = |nav: &Navigation, v: &dyn Visitor| -> Vec<&'static str> {
            nav.admin_sections(v).map(|(h, _)| h).collect()
        };
        // A module's kind, administered by its own permission: its administrator gets the
        // section (and so the menu's "Administration"); nobody else does.
        let nav = Navigation::new(&[FRAME, QUEUE], &[PUBLISH]);
        assert_eq!(sections(&nav, &Someone(&[PUBLISH])), ["/admin/jobs"]);
        assert_eq!(hrefs(&nav, &Someone(&[PUBLISH])), ["/", "/admin"]);
        assert!(sections(&nav, &Someone(&[WORK])).is_empty());
        // A build whose kinds nobody administers offers the section to nobody.
        let none = Navigation::new(&[FRAME, QUEUE], &[]);
        assert!(sections(&none, &Someone(&[PUBLISH])).is_empty());
    }
}
