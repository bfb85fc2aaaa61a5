-- Makes the version holding a campaign's definition its current one, with that
-- version's budget; a row back when the campaign was added or changed version, none
-- when it stayed. Its counters (consumed, uses) are kept.
-- $1 text: the campaign id
-- $2 text: the sha256 of its canonical definition, hex
INSERT INTO campaigns AS c (campaign_id, current_version, budget_fen)
SELECT v.campaign_id, v.version, v.budget_fen
  FROM campaign_versions v
 WHERE v.campaign_id = $1 AND v.definition_sha256 = $2
ON CONFLICT (campaign_id) DO UPDATE
   SET current_version = excluded.current_version, budget_fen = excluded.budget_fen, updated_at = now()
 WHERE c.current_version <> excluded.current_version
RETURNING c.current_version
