-- Fresh planner statistics for the tables the import filled (the owner's function of
-- migration portfolio_import): the cut-over's own statements and the first night plan
-- against the imported book, not against empty tables.
SELECT import_refresh_statistics()
