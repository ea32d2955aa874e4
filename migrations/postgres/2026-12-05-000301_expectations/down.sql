DROP INDEX permits_imported_by;
DROP INDEX person_numbers_person;
DROP INDEX signals_number_kind;
DROP INDEX signals_person_kind;
ALTER TABLE signals DROP COLUMN period;
DROP TABLE expectation_marks;
DROP TABLE coverage;
