-- Seals the day's journal hash chain, after its last posting; returns (entries, head hash in hex).
-- The hashes are the database's (journal_chain_seal in the journal_hash_chain migration): one
-- definition, shared with recon R12.
-- $1 date: the business date D
SELECT entries, encode(head_hash, 'hex') FROM journal_chain_seal($1::date)
