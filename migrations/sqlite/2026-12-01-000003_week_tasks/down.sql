DROP TABLE week_tasks;
