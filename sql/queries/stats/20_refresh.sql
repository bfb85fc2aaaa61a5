-- Statistics kept current for the next step, the next night and the reports: the owner's function analyzes
-- the night's tables changed by more than 1 % since their last analyze (sql/0030, 0059). A step plans from
-- them, and a young table's statistics know none of the day's rows. After 10_flush.
SELECT refresh_planner_statistics()
