-- stage: events
-- Each event as an interval of its visit: an empty start is the arrival, an empty end the
-- departure. An event covers the whole stay when both are empty or it spans [arrival,
-- departure) entirely.
CREATE OR REPLACE TEMP TABLE fe_event AS
SELECT
    e.event_id,
    e.visit_id,
    e.kind,
    e.reference,
    coalesce(e.start_time, c.arrival) AS s,
    coalesce(e.end_time, c.departure) AS e,
    coalesce(e.start_time, c.arrival) <= c.arrival
        AND coalesce(e.end_time, c.departure) >= c.departure AS whole_stay
FROM events e
JOIN fe_call c ON c.visit_id = e.visit_id;

-- Whole-stay exceptions of Art. 6(5) exempt a PORT CALL (docs/regulations-fueleu.md, "A
-- whole-stay exception belongs to its port call"), never some of its stays:
--   * zero-emission technology (whole_stay_exemption_kinds): the call is exempt when events of
--     these kinds, alone or together, cover all of the time under the obligation of every
--     stay of the call under it: each stay's [arrival, departure), or from the regime's first
--     instant for a stay straddling it (with assess_from_start_date), to the end of 2034 for
--     a Member State decision that ends there. Judged on the union, so that a stay covered by
--     zero-emission technology in two pieces is exempt and never "compliant" with an exempt
--     basis. Events covering one stay of a call of two exempt nothing: the covered stay's time
--     is excused as partial zero-emission technology (stage exceptions), the other is judged.
--   * an unscheduled call (call_exemption_kinds): a property of the call, so an event of such
--     a kind over the whole of any one of its stays exempts every stay of the call. An event
--     over part of a stay exempts nothing (FE10), also where other whole-stay events cover
--     the rest of the stay: it is no piece of the union above.
-- An event belongs to its stay (the loader keeps it within it). A call of one stay is judged
-- as before 1.2.4: exempt when its events cover its time under the obligation.
CREATE OR REPLACE TEMP TABLE fe_whole_exemption AS
WITH span AS (
    SELECT visit_id, call_key, arrival, departure,
        CASE WHEN end_instant < departure THEN end_instant ELSE departure END AS span_end,
        CASE WHEN $assess_from_start_date AND start_instant > arrival
             THEN start_instant ELSE arrival END AS span_start
    FROM fe_call
    WHERE regime IS NOT NULL AND not_applicable_basis IS NULL
),
piece AS (
    SELECT x.visit_id, 0 AS part, x.kind, x.event_id,
        greatest(x.s, sp.span_start) AS s, least(x.e, sp.span_end) AS e
    FROM fe_event x
    JOIN span sp ON sp.visit_id = x.visit_id
    -- a call kind (unscheduled_call) is judged below, over a whole stay only: over part of a
    -- stay it changes nothing, alone or with other events (pack 1.2.7; before, its part
    -- completed zero-emission technology's union and exempted the stay)
    WHERE list_contains($whole_stay_exemption_kinds, x.kind)
      AND NOT list_contains($call_exemption_kinds, x.kind)
      AND x.s < sp.span_end AND x.e > sp.span_start
),
covered AS (
    -- a stay whose time under the obligation an island of the union (bc_interval_union, the
    -- engine's macro) spans all of
    SELECT u.visit_id
    FROM bc_interval_union(piece) u
    JOIN span sp ON sp.visit_id = u.visit_id
    WHERE u.s <= sp.span_start AND u.e >= sp.span_end
),
own AS (
    -- each covered stay's own kinds and events
    SELECT p.visit_id,
        string_agg(DISTINCT p.kind, '+' ORDER BY p.kind) AS kinds,
        string_agg(DISTINCT p.event_id, ';' ORDER BY p.event_id) AS event_ids
    FROM piece p
    WHERE p.visit_id IN (SELECT visit_id FROM covered)
    GROUP BY p.visit_id
),
covered_call AS (
    -- calls each of whose stays under the obligation is covered
    SELECT sp.call_key
    FROM span sp
    GROUP BY sp.call_key
    HAVING bool_and(sp.visit_id IN (SELECT visit_id FROM covered))
),
unscheduled AS (
    -- calls with a call-kind event over the whole of one of their stays (or of its time under
    -- the obligation), and the stays that carry one
    SELECT c.call_key,
        string_agg(DISTINCT x.kind, '+' ORDER BY x.kind) AS kinds,
        string_agg(DISTINCT x.event_id, ';' ORDER BY x.event_id) AS event_ids,
        string_agg(DISTINCT x.visit_id, ', ' ORDER BY x.visit_id) AS claiming_stays,
        string_agg(DISTINCT x.visit_id, ';' ORDER BY x.visit_id) AS claiming_stay_ids,
        list(DISTINCT x.visit_id) AS claiming_list
    FROM fe_event x
    JOIN fe_call c ON c.visit_id = x.visit_id
    LEFT JOIN span sp ON sp.visit_id = x.visit_id
    WHERE list_contains($call_exemption_kinds, x.kind)
      AND (x.whole_stay OR (x.s <= sp.span_start AND x.e >= sp.span_end))
    GROUP BY c.call_key
),
call_claims AS (
    -- a call exempt by its whole-stay events over every stay: all its stays' events, which
    -- together exempt it (in a call of several stays, one stay's alone would not)
    SELECT sp.call_key,
        string_agg(DISTINCT p.event_id, ';' ORDER BY p.event_id) AS event_ids,
        string_agg(DISTINCT p.visit_id, ';' ORDER BY p.visit_id) AS stay_ids
    FROM piece p
    JOIN span sp ON sp.visit_id = p.visit_id
    WHERE sp.call_key IN (SELECT call_key FROM covered_call)
    GROUP BY sp.call_key
),
judged AS (
    SELECT c.visit_id, c.call_key, o.kinds AS own_kinds, o.event_ids AS own_event_ids,
        u.kinds AS call_kinds, u.event_ids AS call_event_ids, u.claiming_stays,
        u.claiming_stay_ids, u.claiming_list,
        -- exempt by its own events, its call covered by such events over every stay; in a
        -- call of several stays an unscheduled call, which exempts it alone, is the basis of
        -- every stay (a stay's zero-emission technology exempts nothing unless all are on it)
        o.visit_id IS NOT NULL AND c.call_key IN (SELECT call_key FROM covered_call)
            AND (u.call_key IS NULL OR c.call_stays = 1) AS covered
    FROM fe_call c
    LEFT JOIN own o ON o.visit_id = c.visit_id
    LEFT JOIN unscheduled u ON u.call_key = c.call_key
    WHERE u.call_key IS NOT NULL
       OR (o.visit_id IS NOT NULL AND c.call_key IN (SELECT call_key FROM covered_call))
)
SELECT
    j.visit_id,
    -- a stay of a covered call keeps its own kinds (a call of one stay: as before); any other
    -- is exempt by its call's unscheduled call, whatever covers it alone (before pack 1.2.5 a
    -- stay under zero-emission technology took that basis, which does not exempt its call)
    CASE WHEN j.covered THEN j.own_kinds ELSE j.call_kinds END AS kinds,
    CASE WHEN j.covered THEN j.own_event_ids ELSE j.call_event_ids END AS event_ids,
    -- exempt through another stay's unscheduled-call event: the stays that carry it
    CASE WHEN NOT j.covered AND NOT list_contains(j.claiming_list, j.visit_id)
         THEN j.claiming_stays END AS claimed_on,
    -- the events that exempt the call and the stays they are recorded on (`;`): the result
    -- columns exemption_events and exemption_claimed_on (pack 1.2.5), so that a verifier's
    -- export names the claim on a stay exempt by its call-mate's
    CASE WHEN j.covered THEN cc.event_ids ELSE j.call_event_ids END AS claim_event_ids,
    CASE WHEN j.covered THEN cc.stay_ids ELSE j.claiming_stay_ids END AS claimed_on_ids
FROM judged j
LEFT JOIN call_claims cc ON cc.call_key = j.call_key;

-- A stay must use OPS when Art. 6 covers it, its gross tonnage is known and above the
-- threshold, whether its quay has OPS is known where that decides (missing_berth_ops), its
-- port call lasted at least the short-stay limit (Art. 6(5)(a): from the call's arrival to
-- its departure, a berth shift included), and no whole-stay exception covers it. A stay that
-- cannot be judged adds no hours to its port call and never carries its penalty.
CREATE OR REPLACE TEMP TABLE fe_need AS
SELECT c.visit_id
FROM fe_call c
WHERE c.not_applicable_basis IS NULL
  AND NOT c.missing_berth_ops
  AND c.judged_gross_tonnage IS NOT NULL
  AND c.call_seconds >= $short_stay_hours * 3600
  AND NOT EXISTS (SELECT 1 FROM fe_whole_exemption x WHERE x.visit_id = c.visit_id);
