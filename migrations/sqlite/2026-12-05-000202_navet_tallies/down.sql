DROP TABLE navet_tallies;
