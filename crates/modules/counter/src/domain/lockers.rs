//! Smart Desk lockers: a site has banks of doors; each door has a size and a state. The door's
//! state is what civicdesk intends; a device reports what it senses, and the reconciliation job
//! repairs any difference (docs/COUNTER.md).
//!
//! ```text
//! free ─load→ loaded ─open→ opened ─closed(empty)→ free
//!   ↑ release   │ clear          └─closed(occupied)→ loaded (the item was left)
//! reserved ←hold┘ (from free)     any ─fault→ out_of_order ─repair→ free
//! ```

use domain::enums::string_enum;

string_enum! {
    /// A door's state. The i18n id is `counter-door-<text>`.
    DoorState {
        Free = "free",
        Reserved = "reserved",
        Loaded = "loaded",
        Opened = "opened",
        OutOfOrder = "out_of_order",
    }
}

string_enum! {
    /// A door's size (what fits: an envelope, a folder, a parcel). The i18n id is
    /// `counter-size-<text>`.
    DoorSize {
        Small = "s",
        Medium = "m",
        Large = "l",
    }
}

string_enum! {
    /// What happens to a door.
    DoorAction {
        /// A clerk puts an issued document in it.
        Load = "load",
        /// The device opens it (a right code, or staff).
        Open = "open",
        /// The device reports it closed, with nothing inside.
        ClosedEmpty = "closed_empty",
        /// The device reports it closed with something inside.
        ClosedOccupied = "closed_occupied",
        /// A clerk took the item out (back to the counter).
        Clear = "clear",
        /// Held for an expected item.
        Hold = "hold",
        Release = "release",
        Fault = "fault",
        Repair = "repair",
    }
}

/// The state after an action, or `None` when the door cannot do it now.
pub fn door_after(from: DoorState, action: DoorAction) -> Option<DoorState> {
    use DoorAction as A;
    use DoorState as S;
    Some(match (from, action) {
        (S::Free | S::Reserved, A::Load) => S::Loaded,
        (S::Loaded, A::Open) => S::Opened,
        (S::Opened, A::ClosedEmpty) => S::Free,
        (S::Opened, A::ClosedOccupied) => S::Loaded,
        (S::Loaded | S::Opened, A::Clear) => S::Free,
        (S::Free, A::Hold) => S::Reserved,
        (S::Reserved, A::Release) => S::Free,
        (S::OutOfOrder, A::Fault) => return None,
        (_, A::Fault) => S::OutOfOrder,
        (S::OutOfOrder, A::Repair) => S::Free,
        _ => return None,
    })
}

/// A door's label on the bank, as people read it (`B-07`).
pub fn door_label(bank: &str, number: u32) -> String {
    format!("{bank}-{number:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pickup_cycle() {
        let mut s = DoorState::Free;
        for a in [DoorAction::Load, DoorAction::Open, DoorAction::ClosedEmpty] {
            s = door_after(s, a).expect("legal");
        }
        assert_eq!(s, DoorState::Free);
    }

    #[test]
    fn a_door_opens_once_and_a_loaded_door_cannot_be_loaded_again() {
        assert_eq!(door_after(DoorState::Opened, DoorAction::Open), None);
        assert_eq!(door_after(DoorState::Loaded, DoorAction::Load), None);
        assert_eq!(door_after(DoorState::OutOfOrder, DoorAction::Load), None);
        assert_eq!(
            door_after(DoorState::Opened, DoorAction::ClosedOccupied),
            Some(DoorState::Loaded)
        );
    }

    #[test]
    fn labels() {
        assert_eq!(door_label("B", 7), "B-07");
    }
}
