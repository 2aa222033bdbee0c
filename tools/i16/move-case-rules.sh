#!/usr/bin/env bash
# Issue 16: the hotline's rules leave the shared kernel (`crates/domain`) for the cases module's
# pure room (`crates/modules/cases/src/domain`), and the row parsers of Taipei's published 1999
# data (`text::open_data`) go with them.
#
#   tools/i16/move-case-rules.sh           move what is still to move, then rewrite the paths
#   tools/i16/move-case-rules.sh rewrite   only rewrite the paths (after a merge brought in
#                                          files that still name `domain::lifecycle` and so on)
#
# Both steps are idempotent: a second run changes nothing. Run it from the repository root.
# Afterwards `git grep -nE 'use domain::\{'` lists grouped imports to check by hand (the script
# warns about the ones it sees naming a moved module; it does not rewrite inside braces).
set -euo pipefail

cd "$(git rev-parse --show-toplevel)"

# The moved modules, as they were named under `domain::`.
MOVED='case_event|case_number|desk|duplicates|lifecycle|reports|rules|sla'
# What stays in the kernel: its modules and its root re-exports.
KERNEL='actor|calendar|catalog|category|clock|datetime|enums|error|geo|identity|limits|locale|money|notify|password|totp|webhooks|width|DomainError|Message|Locale|Localized|Mobile|NationalId|PersonalId|PersonalIdKind'

ROOM=crates/modules/cases/src/domain

move() {
    mkdir -p "$ROOM"
    for m in case_event case_number desk duplicates lifecycle reports sla; do
        if [ -e "crates/domain/src/$m.rs" ]; then
            git mv "crates/domain/src/$m.rs" "$ROOM/$m.rs"
        fi
    done
    if [ -d crates/domain/src/rules ]; then
        git mv crates/domain/src/rules "$ROOM/rules"
    fi
    if [ -e crates/text/src/open_data.rs ]; then
        git mv crates/text/src/open_data.rs "$ROOM/open_data.rs"
        git mv crates/text/src/open_data "$ROOM/open_data"
    fi
    # proptest keeps a source file's regressions at proptest-regressions/<path under src>.txt.
    local old=crates/domain/proptest-regressions new=crates/modules/cases/proptest-regressions/domain
    for f in lifecycle.txt sla.txt rules; do
        if [ -e "$old/$f" ]; then
            mkdir -p "$new"
            git mv "$old/$f" "$new/$f"
        fi
    done

    # The crate roots.
    perl -0pi -e "s/^pub mod (?:$MOVED);\n//mg" crates/domain/src/lib.rs
    perl -0pi -e 's/^pub mod open_data;\n//mg' crates/text/src/lib.rs
    grep -q '^pub mod domain;' crates/modules/cases/src/lib.rs ||
        perl -0pi -e 's/^pub mod desk;\n/pub mod desk;\npub mod domain;\n/m' crates/modules/cases/src/lib.rs
    if [ ! -e "$ROOM/mod.rs" ]; then
        cat >"$ROOM/mod.rs" <<'EOF'
//! The hotline's rules as plain types and pure functions: the case lifecycle (`lifecycle`: the
//! only place that decides whether an action on a case is legal), what a change to a case is
//! (`case_event`), case numbers, routing and triage rules and emergency detection (`rules`), the
//! SLA clocks (`sla`), duplicates, the desk's caller keys and out-call reasons (`desk`), the
//! report figures (`reports`) and the row parsers of Taipei's published 1999 data (`open_data`).
//!
//! A pure room: nothing in it does I/O, touches the database, knows HTTP or is async. The rest
//! of the module asks it; the kernel (`domain`: ids, `Actor`, the clock, locales and messages,
//! money, geo, the business calendar, the catalogue types) is what it builds on.

pub mod case_event;
pub mod case_number;
pub mod desk;
pub mod duplicates;
pub mod lifecycle;
pub mod open_data;
pub mod reports;
pub mod rules;
pub mod sla;
EOF
    fi

    # Inside the room: the kernel is now another crate, the neighbours are `crate::domain::…`.
    find "$ROOM" -name '*.rs' -print0 | xargs -0 perl -pi -e "
        s/\bcrate::($MOVED)\b/crate::domain::\$1/g;
        s/\bcrate::($KERNEL)\b/domain::\$1/g;
        s/\bcrate::address::find_district\b/text::find_district/g;
        s/\bcrate::normalize::to_halfwidth\b/text::to_halfwidth/g;
    "
    # `desk` needs the kernel's reading of phone digits.
    perl -pi -e 's/^pub\(crate\) fn phone_digits\b/pub fn phone_digits/' crates/domain/src/identity.rs

    grep -q '^proptest' crates/modules/cases/Cargo.toml ||
        perl -0pi -e 's/^\[dev-dependencies\]\n/[dev-dependencies]\nproptest = { version = "1.7", default-features = false, features = ["std"] }\n/m' \
            crates/modules/cases/Cargo.toml
    grep -q '^cases = ' fuzz/Cargo.toml ||
        perl -0pi -e 's/^(domain = .*\n)/$1cases = { path = "..\/crates\/modules\/cases", package = "civicdesk-cases" }\n/m' fuzz/Cargo.toml
}

rewrite() {
    local files
    # Inside the cases crate (its sources; not its tests, which see it from outside).
    files=$(git ls-files 'crates/modules/cases/src/*.rs')
    if [ -n "$files" ]; then
        # shellcheck disable=SC2086
        perl -pi -e "
            s/(?<![\w:])domain::($MOVED)\b/crate::domain::\$1/g;
            s/(?<![\w:])text::open_data\b/crate::domain::open_data/g;
        " $files
    fi
    # Everywhere else: code, docs, fuzz targets, benchmarks.
    files=$(git ls-files '*.rs' '*.md' '*.toml' '*.sh' | grep -v '^crates/modules/cases/src/' | grep -v '^tools/i16/')
    # shellcheck disable=SC2086
    perl -pi -e "
        s/(?<![\w:])domain::($MOVED)\b/cases::domain::\$1/g;
        s/(?<![\w:])text::open_data\b/cases::domain::open_data/g;
        s{\bcrates/domain/src/($MOVED)(\.rs|/)}{crates/modules/cases/src/domain/\$1\$2}g;
        s{\bcrates/text/src/open_data(\.rs|/)}{crates/modules/cases/src/domain/open_data\$1}g;
    " $files
    # Grouped imports (`use domain::{lifecycle, Locale}`) are not rewritten: list them.
    git ls-files '*.rs' | xargs perl -0ne "
        while (/use\s+domain::\{([^}]*)\}/g) {
            my \$g = \$1;
            print \"\$ARGV: check the grouped import of domain::{\$g}\n\" if \$g =~ /\b($MOVED)\b/;
        }
    " >&2 || true
}

case "${1:-all}" in
all) move; rewrite ;;
rewrite) rewrite ;;
*) echo "usage: $0 [rewrite]" >&2; exit 2 ;;
esac
