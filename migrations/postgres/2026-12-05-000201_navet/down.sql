DROP TABLE navet_files;
DROP TABLE navet_persons;
