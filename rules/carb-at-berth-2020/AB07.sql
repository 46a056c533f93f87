-- id: AB07
-- name: control.early_disconnection
-- title: Control ended earlier than one hour before Pilot on Board
-- section: 17 CCR § 93130.12(b)(2)(C); § 93130.7(b)
-- severity: violation
-- description: Emission control must continue until at least one hour before the outbound pilot boards.
--   Minutes from the last control to pilot_on_board - 1 h, less excused parts, are early.
-- compliant: Pilot on board 18:00, disconnected at 17:00 exactly (on time).
-- non_compliant: Pilot on board 18:00, disconnected at 16:30: a 30-minute early disconnection.
SELECT visit_id, 'early disconnection: ' || detail AS message, evidence, minutes
FROM bc_uncontrolled_segment
WHERE segment_kind = 'early_disconnection'
