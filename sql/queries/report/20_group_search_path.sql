-- A report of a sharded group reads the group's book: for this snapshot only, every name a spec's
-- SQL uses resolves in schema grp_book (sql/0068) and pg_catalog, never in baitiao, whose tables
-- at the coordinator hold no book. A relation or function grp_book lacks is then an error, not a
-- silent read of the coordinator's empty tables.
SELECT set_config('search_path', 'grp_book, pg_catalog', true)
