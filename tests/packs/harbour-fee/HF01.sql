-- id: HF01
-- name: control.not_on_shore_power
-- title: Time in the control window neither on shore power nor excused
-- section: Example Harbour Regulations § 12(2)
-- severity: violation
-- description: From connect_minutes after arrival to disconnect_minutes before departure, a
--   covered ship at a supplied berth is on shore power, save for time a supply outage or an
--   emergency excuses. The finding gives the minutes neither controlled nor excused.
-- compliant: Plugged in from arrival to departure: no finding.
-- non_compliant: Plugged in from two hours after arrival: a finding of 60 minutes.
SELECT visit_id,
       'not on shore power for ' || bc_minutes_text(uncontrolled_seconds)
           || ' minutes of the control window' AS message,
       to_json({'fee_hours': fee_hours,
                'from': strftime(timezone('UTC', ws), '%Y-%m-%dT%H:%M:%SZ'),
                'to': strftime(timezone('UTC', we), '%Y-%m-%dT%H:%M:%SZ'),
                'uncontrolled_minutes': round(uncontrolled_seconds / 60, 4)}) AS evidence,
       round(uncontrolled_seconds / 60, 4) AS minutes
FROM hf_judged
WHERE verdict = 'non_compliant'
