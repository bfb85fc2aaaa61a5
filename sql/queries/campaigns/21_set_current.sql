-- Makes the version holding each campaign's definition its current one, with that
-- version's budget; a row back for each campaign added or moved to another version,
-- none for those that stayed. Their counters (consumed, uses) are kept.
-- $1 text[]: the campaign ids
-- $2 text[]: the sha256 of each one's canonical definition, hex, in the same order
INSERT INTO campaigns AS c (campaign_id, current_version, budget_fen)
SELECT v.campaign_id, v.version, v.budget_fen
  FROM unnest($1::text[], $2::text[]) AS d (id, sha256)
  JOIN campaign_versions v ON v.campaign_id = d.id AND v.definition_sha256 = d.sha256
ON CONFLICT (campaign_id) DO UPDATE
   SET current_version = excluded.current_version, budget_fen = excluded.budget_fen, updated_at = now()
 WHERE c.current_version <> excluded.current_version
RETURNING c.campaign_id
